package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strconv"
	"text/tabwriter"
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
		sort     = fs.String("sort", "effect", "order: effect, recurrences, fixed or topic")
		topic    = fs.Int64("topic", 0, "only this topic")
		formatOf = formatFlag(fs, "output format: text, json or csv", "text", "json", "csv")
	)
	return &ffcli.Command{
		Name:       "fixes",
		ShortUsage: "parley gaps fixes [--sort effect|recurrences|fixed|topic] [--topic ID] [--format text|json|csv]",
		ShortHelp:  "Did the fix work? Every topic a short answer closed, by its effect.",
		LongHelp: "For each topic a short answer closed: its questions per week before the answer was written\n" +
			"and after (over the same length of time either side, at most 28 days), the questions asked\n" +
			"since, and the resolution rate of the conversations that asked it before and after.",
		FlagSet: fs,
		Exec: func(ctx context.Context, args []string) error {
			format, err := formatOf()
			if err != nil {
				return err
			}
			if len(args) > 0 {
				return fmt.Errorf("%w: gaps fixes takes no arguments (the topic is --topic)", errUsage)
			}
			return a.withDB(ctx, func(db *store.DB, ws parley.Workspace) error {
				f, err := report.FixesView(ctx, db, ws, report.FixRequest{Sort: report.FixSort(*sort), Topic: *topic}, a.now())
				if err != nil {
					return cliProblems(err)
				}
				return a.printFixes(f, format, ws)
			})
		},
	}
}

func (a *app) printFixes(f *report.Fixes, format string, ws parley.Workspace) error {
	switch format {
	case "json":
		return json.NewEncoder(a.stdout).Encode(f)
	case "csv":
		cw := csv.NewWriter(a.stdout)
		if err := cw.WriteAll(f.FixesCSV(parley.SafeCell)); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		return nil
	}
	loc, _ := ws.Settings.Location()
	pct := func(v *float64) string {
		if v == nil {
			return "–"
		}
		return strconv.FormatFloat(*v*100, 'f', 0, 64) + "%"
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEFFECT\tPER WEEK BEFORE → AFTER\tCHANGE\tRECURRENCES\tRESOLVED BEFORE → AFTER\tANSWERED\tTOPIC")
	for _, r := range f.Rows {
		change := "–"
		if r.Change != nil {
			change = fmt.Sprintf("%+.0f%%", *r.Change*100)
		}
		fmt.Fprintf(tw, "%d\t%s\t%.1f → %.1f\t%s\t%d\t%s → %s\t%s\t%s\n", r.TopicID, r.Verdict, r.Before.PerWeek, r.After.PerWeek,
			change, r.Recurrences, pct(r.Before.ResolutionRate), pct(r.After.ResolutionRate),
			r.FixedAt.In(loc).Format(time.DateOnly), printable(r.Topic))
	}
	if len(f.Rows) == 0 {
		fmt.Fprintln(tw, "(no topic has been resolved with a short answer)")
	}
	return tw.Flush()
}
