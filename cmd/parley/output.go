package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// output is where a command writes its answer — standard output — in the
// format its --format flag chose: a table for a person, JSON or CSV for a
// program. Every command writes through it, so that a table is aligned the
// same way everywhere and a JSON line is one value.
type output struct {
	w       io.Writer
	format  *string  // --format; nil: the command writes text only
	formats []string // what --format may be, the default first
}

// formatFlag adds --format to fs: one of formats, the first by default. The
// value is checked by output.check, which refuses any other as a usage
// error, so that no command prints a format it does not write as if it
// were its default.
func (a *app) formatFlag(fs *flag.FlagSet, usage string, formats ...string) *output {
	return &output{w: a.stdout, format: fs.String("format", formats[0], usage), formats: formats}
}

// text is an output for a command without --format.
func (a *app) text() *output { return &output{w: a.stdout} }

// check refuses a --format the command does not write.
func (o *output) check() error {
	if o.format != nil && !slices.Contains(o.formats, *o.format) {
		return fmt.Errorf("%w: --format: want %s, not %q", errUsage, strings.Join(o.formats, " or "), *o.format)
	}
	return nil
}

// is tells whether the format chosen is f; "text" without --format.
func (o *output) is(f string) bool {
	if o.format == nil {
		return f == "text"
	}
	return *o.format == f
}

// json writes v as one line of JSON.
func (o *output) json(v any) error {
	return json.NewEncoder(o.w).Encode(v)
}

// indented writes v as indented JSON, for a person to read as well as a
// program.
func (o *output) indented(v any) error {
	enc := json.NewEncoder(o.w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// jsonLines writes each of vs as a line of JSON (NDJSON), which a program
// can read one at a time however many there are.
func jsonLines[T any](o *output, vs []T) error {
	enc := json.NewEncoder(o.w)
	for _, v := range vs {
		if err := enc.Encode(v); err != nil {
			return fmt.Errorf("write: %w", err)
		}
	}
	return nil
}

// csv writes records, the first the header.
func (o *output) csv(records [][]string) error {
	if err := csv.NewWriter(o.w).WriteAll(records); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// table starts a table with a header row, in columns aligned to the left.
func (o *output) table(header ...string) *table {
	return newTable(o.w, 0, header...)
}

// table is a listing for a terminal: rows of cells in aligned columns.
type table struct {
	tw *tabwriter.Writer
	// end closes each row: a right-aligned column needs a cell separator
	// after it to be aligned.
	end string
}

// newTable starts a table on w with the tabwriter flags given (0, or
// tabwriter.AlignRight) and a header row unless header is empty.
func newTable(w io.Writer, flags uint, header ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 4, 2, ' ', flags), end: "\n"}
	if flags&tabwriter.AlignRight != 0 {
		t.end = "\t\n"
	}
	if len(header) > 0 {
		t.record(header)
	}
	return t
}

// row writes one row; cells are printed as fmt.Print prints them.
func (t *table) row(cells ...any) {
	for i, c := range cells {
		if i > 0 {
			io.WriteString(t.tw, "\t")
		}
		fmt.Fprint(t.tw, c)
	}
	io.WriteString(t.tw, t.end)
}

// record writes one row of text cells.
func (t *table) record(cells []string) {
	io.WriteString(t.tw, strings.Join(cells, "\t"))
	io.WriteString(t.tw, t.end)
}

// flush ends the table, writing it out.
func (t *table) flush() error {
	if err := t.tw.Flush(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}
