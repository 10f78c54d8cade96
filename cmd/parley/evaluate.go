package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/embeddings"
	"github.com/parleyhq/parley/internal/pipeline"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/webhook"
)

// present is a --now flag: the time a command takes as the present, so
// that a run can be repeated with the same result. dbCommand reads it
// before the command's own checks, as it checks --format, instead of each
// command parsing it in a check of its own.
type present struct {
	value *string
	clock func() time.Time
	t     time.Time
}

// nowFlag adds --now to fs; give it to dbCmd.now.
func (a *app) nowFlag(fs *flag.FlagSet) *present {
	return &present{value: fs.String("now", "", "evaluate as of this RFC 3339 time instead of the current time (env PARLEY_NOW)"), clock: a.now}
}

// read takes the flag's time, or the clock's without one; a time that is
// not RFC 3339 with an offset is a usage error.
func (p *present) read() error {
	if *p.value == "" {
		p.t = p.clock()
		return nil
	}
	t, err := time.Parse(time.RFC3339, *p.value)
	if err != nil {
		return fmt.Errorf("%w: --now: %q is not an RFC 3339 time with an offset", errUsage, *p.value)
	}
	p.t = t
	return nil
}

// at is the present that read took; it stands still for the whole
// command, so it serves as a worker's clock too.
func (p *present) at() time.Time { return p.t }

// evaluatingCmd builds a command that evaluates as of --now, with the
// embeddings flags of the grouping (evaluate, rebuild): run is given the
// worker, its clock standing at the present the command took, and that
// present, so that the commands differ only in what they ask the worker.
func (a *app) evaluatingCmd(path, usage, help, long string, run func(ctx context.Context, db *store.DB, ws parley.Workspace, w *pipeline.Worker, t time.Time) error) *ffcli.Command {
	fs := a.flags(path)
	now := a.nowFlag(fs)
	embedder := a.embeddingFlags(fs)
	return a.dbCommand(dbCmd{fs: fs, now: now, usage: usage, help: help, long: long,
		run: func(ctx context.Context, db *store.DB, ws parley.Workspace) error {
			w, err := a.worker(db, now.at, embedder)
			if err != nil {
				return err
			}
			return run(ctx, db, ws, w, now.at())
		},
	})
}

func (a *app) evaluateCmd() *ffcli.Command {
	return a.evaluatingCmd("evaluate", "[--now T] [--db DSN]",
		"Evaluate every conversation that is due, in one pass, and print what was decided.",
		"Serve evaluates in the background; this command does one pass by hand. "+
			"A conversation is due when new events arrived or its decision time passed.",
		func(ctx context.Context, _ *store.DB, _ parley.Workspace, w *pipeline.Worker, t time.Time) error {
			st, err := w.Pass(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "evaluated %d conversations as of %s%s in %s\n",
				st.Conversations, t.UTC().Format(time.RFC3339), outcomeSummary(st), st.Evaluating.Round(time.Millisecond))
			a.printUnchanged(st)
			if st.Grouped > 0 {
				fmt.Fprintf(a.stdout, "grouped %d new gap questions into topics in %s (see parley gaps)\n", st.Grouped, st.Grouping.Round(time.Millisecond))
			}
			if st.SetAside > 0 {
				fmt.Fprintf(a.stdout, "set aside %d conversations whose evaluation failed (see Settings › Set aside)\n", st.SetAside)
			}
			return nil
		})
}

func (a *app) rebuildCmd() *ffcli.Command {
	return a.evaluatingCmd("rebuild", "[--now T] [--db DSN] [--workspace SLUG]",
		"Recompute every outcome and rollup of a workspace from its raw events.", "",
		func(ctx context.Context, db *store.DB, ws parley.Workspace, w *pipeline.Worker, t time.Time) error {
			p, err := db.EvaluationProgress(ctx, ws.ID, t)
			if err != nil {
				return err
			}
			show := a.progress(func(n int) string {
				return fmt.Sprintf("%d of %d conversations evaluated", n, p.Conversations)
			})
			start := time.Now()
			st, err := w.Rebuild(ctx, ws, func(st pipeline.Stats) { show(st.Conversations) })
			show(-1)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "rebuilt workspace %s as of %s: %d conversations%s in %s: evaluation %s, grouping %s (definition version %d)\n",
				ws.Slug, t.UTC().Format(time.RFC3339), st.Conversations, outcomeSummary(st),
				time.Since(start).Round(time.Millisecond), st.Evaluating.Round(time.Millisecond), st.Grouping.Round(time.Millisecond),
				parley.DefinitionVersion)
			a.printUnchanged(st)
			return nil
		})
}

// printUnchanged says how many of a pass's conversations came out as they
// were stored, so that only their evaluation time was written.
func (a *app) printUnchanged(st pipeline.Stats) {
	if st.Unchanged > 0 {
		fmt.Fprintf(a.stdout, "%d of them unchanged: outcome, contributions and gap signals as stored, only the evaluation time written\n", st.Unchanged)
	}
}

// outcomeSummary lists the outcomes of a pass, as ": 3 resolved, 1 pending".
func outcomeSummary(st pipeline.Stats) string {
	var parts []string
	for _, k := range parley.OutcomeKinds {
		if n := st.Outcomes[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, k))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func (a *app) conversationsCmd() *ffcli.Command {
	fs := a.flags("conversations")
	var (
		out    = a.formatFlag(fs, "output format: text, json (one object per line) or csv", "text", "json", "csv")
		limit  = fs.Int("limit", 0, "print at most this many (0: all)")
		filter = filterFlags(fs)
		f      parley.ConversationFilter
	)
	return a.dbCommand(dbCmd{
		fs:    fs,
		usage: "[--outcome O] [--channel C] [--from D] [--to D] [--test T] [--format text|json|csv]",
		help:  "List evaluated conversations and their outcomes.",
		long: "The filter flags are the parameters of GET /api/v1/conversations and the Conversations page, " +
			"with the same defaults: test traffic is left out unless --test asks for it.",
		out: out,
		check: func([]string) (err error) {
			f, err = filter()
			return err
		},
		run: func(ctx context.Context, db *store.DB, ws parley.Workspace) error {
			return printConversations(ctx, out, db, ws, store.ConversationQuery{Filter: f, Limit: *limit})
		},
	})
}

// filterFlags adds a flag for every parameter of the conversation filter,
// named as in the API, and returns the function that parses them by the
// API's own rule (parley.ParseConversationFilter). A bad value is a usage
// error naming its flag.
func filterFlags(fs *flag.FlagSet) func() (parley.ConversationFilter, error) {
	vals := map[string]*string{}
	for _, p := range parley.ConversationFilterParams {
		vals[p.Name] = fs.String(p.Name, "", p.Usage)
	}
	return func() (parley.ConversationFilter, error) {
		q := url.Values{}
		for name, v := range vals {
			if *v != "" {
				q.Set(name, *v)
			}
		}
		f, err := parley.ParseConversationFilter(q)
		if parley.KindOf(err) == parley.KindInvalid {
			var msgs []string
			for _, p := range parley.ProblemsOf(err) {
				msgs = append(msgs, "--"+p.Field+": "+p.Message)
			}
			return f, fmt.Errorf("%w: %s", errUsage, strings.Join(msgs, "; "))
		}
		return f, err
	}
}

// listPage is how many conversations one query reads; the list streams
// page by page so that any size prints in bounded memory.
const listPage = 5000

// textColumns is how many of parley.ConversationColumns the text table
// shows, from conversation_id to test: what fits a terminal.
const textColumns = 11

// printConversations writes the conversations selected by f.
func printConversations(ctx context.Context, out *output, db *store.DB, ws parley.Workspace, f store.ConversationQuery) error {
	header := parley.ConversationColumns
	var (
		tbl *table
		cw  = csv.NewWriter(out.w)
		enc = json.NewEncoder(out.w)
	)
	switch {
	case out.is("csv"):
		cw.Write(header)
	case !out.is("json"):
		cols := make([]string, textColumns)
		for i, h := range header[:textColumns] {
			cols[i] = strings.ToUpper(h)
		}
		tbl = out.table(cols...)
	}
	limit := f.Limit
	printed := 0
	for {
		f.Limit = listPage
		if limit > 0 {
			f.Limit = min(listPage, limit-printed)
		}
		page, err := db.Conversations(ctx, ws.ID, f)
		if err != nil {
			return err
		}
		for _, c := range page {
			switch {
			case tbl != nil:
				tbl.record(parley.ConversationRecord(c, printable)[:textColumns])
			case out.is("json"):
				if err := enc.Encode(c); err != nil {
					return fmt.Errorf("write: %w", err)
				}
			default:
				cw.Write(parley.ConversationRecord(c, parley.SafeCell))
			}
		}
		printed += len(page)
		if len(page) < f.Limit || (limit > 0 && printed >= limit) {
			break
		}
		last := page[len(page)-1]
		f.After = store.CursorAt(last)
	}
	if tbl != nil {
		return tbl.flush()
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// printable quotes a value that holds control characters, so that ids sent
// by callers cannot move the cursor or forge lines of a terminal table.
func printable(s string) string {
	if strings.ContainsFunc(s, unicode.IsControl) {
		return strconv.Quote(s)
	}
	return s
}

// worker builds the evaluation worker, with the embeddings client if one
// is configured.
func (a *app) worker(db *store.DB, now func() time.Time, embedder func() (*embeddings.Client, error)) (*pipeline.Worker, error) {
	opt := pipeline.Options{Now: now, Logger: a.log, AfterEvaluate: func(ctx context.Context, ws parley.Workspace, now time.Time) error {
		_, err := webhook.QueueWeekly(ctx, db, ws, now)
		return err
	}}
	c, err := embedder()
	if err != nil {
		return nil, err
	}
	if c != nil {
		opt.Embedder = c
		a.log.Info("grouping gap questions by meaning", "embeddings", c.URL, "model", c.Model)
	}
	return pipeline.New(db, opt), nil
}
