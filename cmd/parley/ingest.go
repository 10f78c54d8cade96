package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/peterbourgon/ff/v3/ffcli"
	"golang.org/x/term"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/ingest"
	"github.com/parleyhq/parley/internal/store"
)

// chunkEvents is how many NDJSON lines are decoded and stored at a time: the
// file is streamed, so memory stays flat however large it is.
const chunkEvents = 5000

func (a *app) ingestCmd() *ffcli.Command {
	fs := a.flags("ingest")
	out := a.formatFlag(fs, "output format: text or json", "text", "json")
	return &ffcli.Command{
		Name:       "ingest",
		ShortUsage: "parley ingest [--db DSN] [--workspace SLUG] FILE|-",
		ShortHelp:  "Store events from a file (NDJSON, a JSON array or one event object; - reads standard input).",
		LongHelp: "The whole file is one atomic batch: if any event is invalid or conflicts with a\n" +
			"stored one, nothing is stored and every problem is listed. Events already stored\n" +
			"with the same content are counted as duplicates, so a file can be ingested again safely.",
		FlagSet: fs,
		Exec: func(ctx context.Context, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("%w: ingest takes one FILE (or - for standard input)", errUsage)
			}
			if err := out.check(); err != nil {
				return err
			}
			res, err := a.ingest(ctx, args[0])
			if err != nil {
				if out.is("json") && parley.KindOf(err) != parley.KindInternal {
					out.json(map[string]any{"error": map[string]any{
						"code": parley.KindOf(err), "message": parley.MessageOf(err), "problems": parley.ProblemsOf(err)}})
				}
				return err
			}
			if out.is("json") {
				return out.json(res)
			}
			fmt.Fprintf(a.stdout, "accepted %d events, %d duplicates\n", res.Accepted, res.Duplicates)
			return nil
		},
	}
}

// ingest stores the events of one file in a single transaction.
func (a *app) ingest(ctx context.Context, name string) (store.InsertResult, error) {
	in := a.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return store.InsertResult{}, parley.Errorf(parley.KindInvalid, "cannot read %s: %v", name, err)
		}
		defer f.Close()
		in = f
	}
	return a.ingestFrom(ctx, in)
}

// ingestFrom stores the events read from in, in a single transaction.
func (a *app) ingestFrom(ctx context.Context, in io.Reader) (store.InsertResult, error) {
	db, ws, err := a.open(ctx)
	if err != nil {
		return store.InsertResult{}, err
	}
	defer db.Close()
	w, err := db.BeginEvents(ctx, ws.ID)
	if err != nil {
		return store.InsertResult{}, err
	}
	defer w.Rollback()

	progress := a.progress(func(n int) string { return fmt.Sprintf("%d events read", n) })
	var problems []parley.Problem
	n := 0
	err = eachChunk(bufio.NewReaderSize(in, 1<<20), func(chunk []byte, f ingest.Format, offset int) error {
		lim := ingest.DefaultLimits()
		lim.MaxBytes, lim.MaxEvents = math.MaxInt64, math.MaxInt
		batch, err := ingest.DecodeBytes(chunk, f, a.now(), lim)
		if err != nil {
			if parley.KindOf(err) != parley.KindInvalid {
				return err
			}
			// Keep reading: the user gets every problem of the file at once.
			for _, p := range parley.ProblemsOf(err) {
				p.Index += offset
				problems = append(problems, p)
			}
			return nil
		}
		for i := range batch.Items {
			batch.Items[i].Index += offset
		}
		if len(problems) == 0 {
			if err := w.Insert(ctx, batch); err != nil {
				if parley.KindOf(err) != parley.KindInvalid {
					return err
				}
				problems = append(problems, parley.ProblemsOf(err)...)
			}
		}
		n += len(batch.Items) + batch.Duplicates
		progress(n)
		return nil
	})
	progress(-1)
	if err != nil {
		return store.InsertResult{}, err
	}
	if len(problems) > 0 {
		return store.InsertResult{}, parley.InvalidInput(problems)
	}
	return w.Commit()
}

// eachChunk splits a file into batches: a JSON array is one batch, and so
// is a single event object spread over several lines (ingest.OneEvent, as
// for a body posted to the API); NDJSON is cut every chunkEvents non-blank
// lines. offset is the index, among the file's events, of the chunk's first
// event.
func eachChunk(r *bufio.Reader, fn func(chunk []byte, f ingest.Format, offset int) error) error {
	first, err := firstByte(r)
	if err != nil {
		return err
	}
	switch first {
	case 0: // nothing but space: the decoder says what that is
		return fn(nil, ingest.FormatNDJSON, 0)
	case '[':
		all, err := io.ReadAll(r)
		if err != nil {
			return fmt.Errorf("read input: %w", err)
		}
		return fn(all, ingest.FormatJSON, 0)
	case '{':
		// One event is at most a body's size: read that much to tell it
		// from NDJSON, which then goes on from what was read.
		head, err := io.ReadAll(io.LimitReader(r, ingest.DefaultLimits().MaxBytes+1))
		if err != nil {
			return fmt.Errorf("read input: %w", err)
		}
		if int64(len(head)) <= ingest.DefaultLimits().MaxBytes && ingest.OneEvent(head) {
			return fn(head, ingest.FormatJSON, 0)
		}
		r = bufio.NewReader(io.MultiReader(bytes.NewReader(head), r))
	}
	var chunk []byte
	lines, offset := 0, 0
	for {
		line, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			chunk = append(chunk, line...)
			if line[len(line)-1] != '\n' {
				chunk = append(chunk, '\n')
			}
			lines++
		}
		if lines == chunkEvents || (err != nil && lines > 0) {
			if ferr := fn(chunk, ingest.FormatNDJSON, offset); ferr != nil {
				return ferr
			}
			chunk, offset, lines = chunk[:0], offset+lines, 0
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read input: %w", err)
		}
	}
}

// firstByte peeks at the first non-space byte of r (0 for empty input).
func firstByte(r *bufio.Reader) (byte, error) {
	for i := 1; ; i++ {
		b, err := r.Peek(i)
		if len(b) < i {
			if errors.Is(err, io.EOF) {
				return 0, nil
			}
			return 0, fmt.Errorf("read input: %w", err)
		}
		switch c := b[i-1]; c {
		case ' ', '\t', '\r', '\n':
		default:
			return c, nil
		}
	}
}

// progress returns a function that shows a running count, worded by line,
// on a terminal and does nothing elsewhere; call it with -1 to end the line.
func (a *app) progress(line func(n int) string) func(n int) {
	f, ok := a.stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return func(int) {}
	}
	return func(n int) {
		if n < 0 {
			fmt.Fprintln(f)
			return
		}
		fmt.Fprintf(f, "\r%s", line(n))
	}
}
