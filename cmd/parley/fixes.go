package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/report"
	"github.com/parleyhq/parley/internal/store"
)

// gapsFixesCmd is `parley gaps fixes`: the Fixes view (report.FixesView),
// as the Knowledge gaps page's Fixes tab and /api/v1/gaps/fixes show it.
func (a *app) gapsFixesCmd() *ffcli.Command {
	fs := a.flags("gaps fixes")
	var (
		sort  = fs.String("sort", "effect", "order: effect, recurrences, fixed or topic")
		topic = fs.Int64("topic", 0, "only this topic")
		out   = a.formatFlag(fs, "output format: text, json or csv", "text", "json", "csv")
	)
	return a.dbCommand(dbCmd{
		fs:    fs,
		usage: "[--sort effect|recurrences|fixed|topic] [--topic ID] [--format text|json|csv]",
		help:  "Did the fix work? Every topic a short answer closed, by its effect.",
		long: "For each topic a short answer closed: its questions per week before the answer was written\n" +
			"and after (over the same length of time either side, at most 28 days), the questions asked\n" +
			"since, and the resolution rate of the conversations that asked it before and after.",
		out: out,
		check: func(args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("%w: gaps fixes takes no arguments (the topic is --topic)", errUsage)
			}
			return nil
		},
		run: func(ctx context.Context, db *store.DB, ws parley.Workspace) error {
			f, err := report.FixesView(ctx, db, ws, report.FixRequest{Sort: report.FixSort(*sort), Topic: *topic}, a.now())
			if err != nil {
				return cliProblems(err)
			}
			return printFixes(out, f, ws)
		},
	})
}

func printFixes(out *output, f *report.Fixes, ws parley.Workspace) error {
	switch {
	case out.is("json"):
		return out.json(f)
	case out.is("csv"):
		return out.csv(f.FixesCSV(parley.SafeCell))
	}
	loc, _ := ws.Settings.Location()
	pct := func(v *float64) string {
		if v == nil {
			return "–"
		}
		return strconv.FormatFloat(*v*100, 'f', 0, 64) + "%"
	}
	t := out.table("ID", "EFFECT", "PER WEEK BEFORE → AFTER", "CHANGE", "RECURRENCES", "RESOLVED BEFORE → AFTER", "ANSWERED", "TOPIC")
	for _, r := range f.Rows {
		change := "–"
		if r.Change != nil {
			change = fmt.Sprintf("%+.0f%%", *r.Change*100)
		}
		t.row(r.TopicID, r.Verdict, fmt.Sprintf("%.1f → %.1f", r.Before.PerWeek, r.After.PerWeek), change, r.Recurrences,
			pct(r.Before.ResolutionRate)+" → "+pct(r.After.ResolutionRate), r.FixedAt.In(loc).Format(time.DateOnly), printable(r.Topic))
	}
	if len(f.Rows) == 0 {
		t.row("(no topic has been resolved with a short answer)")
	}
	return t.flush()
}
