package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/report"
	"github.com/parleyhq/parley/internal/store"
)

func (a *app) reportCmd() *ffcli.Command {
	fs := a.flags("report")
	var (
		from   = fs.String("from", "", "first local date, YYYY-MM-DD (with --to; overrides --range)")
		to     = fs.String("to", "", "last local date, YYYY-MM-DD")
		preset = fs.String("range", string(report.DefaultPreset), "this_week, last_4_weeks, last_12_weeks, last_26_weeks or last_52_weeks")
		gran   = fs.String("granularity", string(report.Week), "bucket size: day, week or month")
		chans  = fs.String("channel", "", "only these channels, comma-separated")
		out    = a.formatFlag(fs, "output format: text, json or csv", "text", "json", "csv")
		chart  = fs.String("chart", "all", "with --format csv: the chart whose numbers to print ("+strings.Join(report.Charts, ", ")+")")
		view   = fs.String("view", "", "sources or actions: what each cited source or performed action does for resolution, instead of the report")
		sort   = fs.String("sort", "", "with --view: conversations (default), resolution_rate, handoff_rate, negative_rate, failure_rate or name")
		order  = fs.String("order", "desc", "with --view: desc or asc")
	)
	now := a.nowFlag(fs)
	return a.dbCommand(dbCmd{
		fs:    fs,
		now:   now,
		usage: "[--range R | --from D --to D] [--granularity G] [--channel C] [--view sources|actions [--sort S]] [--format text|json|csv]",
		help:  "Print the performance report: the same numbers as the Performance page.",
		out:   out,
		check: func([]string) error {
			if !slices.Contains(report.Charts, *chart) {
				return fmt.Errorf("%w: --chart: unknown chart %q", errUsage, *chart)
			}
			return nil
		},
		run: func(ctx context.Context, db *store.DB, ws parley.Workspace) error {
			t := now.at()
			req := report.Request{From: *from, To: *to, Granularity: report.Granularity(*gran)}
			req.Channels = parley.SplitList(*chans)
			if req.From == "" && req.To == "" {
				var err error
				if req.From, req.To, err = report.Preset(*preset).Range(t, ws.Settings); err != nil {
					return err
				}
			}
			if *view != "" {
				kinds := map[string]parley.UseKind{"sources": parley.UseSource, "actions": parley.UseAction}
				if _, ok := kinds[*view]; !ok {
					return fmt.Errorf("%w: --view: want sources or actions, not %q", errUsage, *view)
				}
				if *order != "asc" && *order != "desc" {
					return fmt.Errorf("%w: --order: want asc or desc, not %q", errUsage, *order)
				}
				u, err := report.UsageView(ctx, db, ws, report.UsageRequest{Kind: kinds[*view], From: req.From, To: req.To,
					Channels: req.Channels, Sort: report.UsageSort(*sort), Asc: *order == "asc"})
				if err != nil {
					return err
				}
				return printUsage(out, u)
			}
			r, err := report.Performance(ctx, db, ws, req, t)
			if err != nil {
				return err
			}
			switch {
			case out.is("json"):
				return out.indented(r)
			case out.is("csv"):
				tbl, err := r.Table(*chart)
				if err != nil {
					return err
				}
				return tbl.WriteCSV(out.w)
			}
			return printReport(out.w, r)
		},
	})
}

// printReport writes the report for a terminal: the totals against the
// previous period, then the main numbers per bucket.
func printReport(w io.Writer, r *report.Report) error {
	chans := "all channels"
	if len(r.Channels) > 0 {
		chans = strings.Join(r.Channels, ", ")
	}
	failed := ""
	if r.Settings.FailedLastAction {
		failed = ", failed last action unresolved"
	}
	fmt.Fprintf(w, "Performance %s to %s, %s, by %s (time zone %s, window %s, resolution criterion %s%s, settings version %d, definition version %d)\n",
		r.From, r.To, chans, r.Granularity, r.Settings.TimeZone, parley.FormatWindow(r.Settings.Window),
		r.Settings.ResolutionCriterion, failed, r.SettingsVersion, r.DefinitionVersion)
	if rc := r.Recomputing; rc != nil {
		fmt.Fprintf(w, "Recomputing with the new settings (version %d: %s): %d of %d conversations evaluated again.\n"+
			"Until then these are the previous numbers.\n", rc.SettingsVersion, r.Settings.Diff(rc.Settings), rc.Done, rc.Total)
	}
	if r.Provisional {
		fmt.Fprintln(w, "Buckets marked * are provisional: some of their conversations are still pending.")
	}
	fmt.Fprintln(w)
	if err := printImpact(w, r); err != nil {
		return err
	}
	tw := newTable(w, tabwriter.AlignRight, "metric", "this period", "previous period")
	line := func(name string, cur, prev string) { tw.record([]string{name, cur, prev}) }
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	c, p := &r.Totals, &r.Previous
	// rate is a rate of this period with its 95 % interval.
	rate := func(v *float64, i *report.Interval) string {
		if i == nil {
			return percent(v)
		}
		return percent(v) + " [" + percent(&i.Low) + " – " + percent(&i.High) + "]"
	}
	line("conversations", n(c.Conversations), n(p.Conversations))
	line("handled", n(c.Handled), n(p.Handled))
	line("handle rate", rate(c.HandleRate, c.HandleRateInterval), percent(p.HandleRate))
	line("resolved", n(c.Resolved), n(p.Resolved))
	line("  confirmed / assumed", n(c.Confirmed)+" / "+n(c.Assumed), n(p.Confirmed)+" / "+n(p.Assumed))
	line("resolution rate", rate(c.ResolutionRate, c.ResolutionRateInterval), percent(p.ResolutionRate))
	line("deflection rate", rate(c.DeflectionRate, c.DeflectionRateInterval), percent(p.DeflectionRate))
	line("human handoffs", n(c.HandedOff), n(p.HandedOff))
	line("handoff rate", rate(c.HandoffRate, c.HandoffRateInterval), percent(p.HandoffRate))
	line("unresolved", n(c.Unresolved), n(p.Unresolved))
	line("pending", n(c.Pending), n(p.Pending))
	line("automation rate", rate(c.AutomationRate, c.AutomationRateInterval), percent(p.AutomationRate))
	line("reopen rate", rate(c.ReopenRate, c.ReopenRateInterval), percent(p.ReopenRate))
	line("helpful", rate(c.HelpfulRate, c.HelpfulRateInterval), percent(p.HelpfulRate))
	median := duration(c.TimeToCloseMedian)
	if i := c.TimeToCloseMedianInterval; i != nil {
		median += " [" + duration(&i.Low) + " – " + duration(&i.High) + "]"
	}
	line("time to close, median", median, duration(p.TimeToCloseMedian))
	line("  p90", duration(c.TimeToCloseP90), duration(p.TimeToCloseP90))
	line("  mean", duration(c.TimeToCloseMean), duration(p.TimeToCloseMean))
	line("  median, resolved", duration(c.TimeToCloseResolved.Median), duration(p.TimeToCloseResolved.Median))
	line("  median, handed off", duration(c.TimeToCloseHandedOff.Median), duration(p.TimeToCloseHandedOff.Median))
	csat := func(g report.CSATScore) string {
		if g.Mean == nil {
			return percent(g.Rate)
		}
		return fmt.Sprintf("%s (mean %.1f, %d rated)", percent(g.Rate), *g.Mean, g.Rated)
	}
	line("CSAT, rated 4-5 of 5", csat(c.CSAT.CSATScore), csat(p.CSAT.CSATScore))
	line("  resolved", csat(c.CSAT.Resolved), csat(p.CSAT.Resolved))
	line("  handed off", csat(c.CSAT.HandedOff), csat(p.CSAT.HandedOff))
	line("  unresolved", csat(c.CSAT.Unresolved), csat(p.CSAT.Unresolved))
	line("  not handled by the agent", csat(c.CSAT.NotHandled), csat(p.CSAT.NotHandled))
	line("new gap questions", n(c.GapSignals), n(p.GapSignals))
	line("test conversations excluded", n(c.Test), n(p.Test))
	if err := tw.flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "In brackets: the 95% interval (Wilson score for rates, order statistics for the median).")
	fmt.Fprintln(w)
	tw = newTable(w, tabwriter.AlignRight, "from", "handled", "resolved", "unresolved", "handoffs", "pending", "resolution", "helpful", "TTC median")
	for _, b := range r.Series {
		mark := ""
		if b.Provisional {
			mark = "*"
		}
		tw.row(b.From+mark, b.Handled, b.Resolved, b.Unresolved, b.HandedOff, b.Pending,
			percent(b.ResolutionRate), percent(b.HelpfulRate), duration(b.TimeToCloseMedian))
	}
	return tw.flush()
}

// printImpact writes the "Impact" cards: last week against the week
// before, with this week so far.
func printImpact(w io.Writer, r *report.Report) error {
	fmt.Fprintf(w, "Last week, %s to %s, against the week before; this week so far (from %s)\n", r.LastWeek.From, r.LastWeek.To, r.ThisWeek.From)
	tw := newTable(w, tabwriter.AlignRight, "", "last week", "week before", "change", "this week so far")
	for _, c := range r.Impact {
		value := func(o report.Observation) string {
			var v string
			switch c.Metric {
			case "resolved", "handled":
				v = "–"
				if o.Value != nil {
					v = strconv.FormatFloat(*o.Value, 'f', 0, 64)
				}
			case "time_to_close":
				v = duration(o.Value) + " (mean " + duration(o.Mean) + ")"
			default:
				v = percent(o.Value)
				if o.Unsettled() {
					v = percent(o.Low) + " – " + percent(o.High)
				} else if i := o.Interval; i != nil {
					v += " [" + percent(&i.Low) + " – " + percent(&i.High) + "]"
				}
			}
			if o.Pending > 0 {
				v += fmt.Sprintf(" (%d pending)", o.Pending)
			}
			return v
		}
		tw.record([]string{strings.ReplaceAll(c.Metric, "_", " "), value(c.Week), value(c.Before), change(c.Change), value(c.SoFar)})
	}
	if err := tw.flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "A change is called up or down only when both weeks rest on at least %d observations,\n"+
		"no outcome of their pending conversations could reverse it, and a test at 95%% finds it significant\n"+
		"(p is the test's p-value). Rates show their 95%% interval in brackets.\n\n", report.MinBasis)
	return err
}

// change writes a card's change: relative, or in points for rates; while
// conversations are pending, the least it can end at.
func change(c report.Change) string {
	if c.Delta == nil {
		return "–"
	}
	if c.Uncalled == report.TooPending {
		return "not known yet: pending could reverse it"
	}
	d := *c.Delta
	if c.AtLeast != nil {
		d = *c.AtLeast
	}
	s := strconv.FormatFloat(d*100, 'f', 1, 64) + "%"
	if c.Points {
		s = strconv.FormatFloat(d*100, 'f', 1, 64) + " pts"
	}
	if d > 0 {
		s = "+" + s
	}
	if c.AtLeast != nil {
		s = "at least " + s
	}
	switch {
	case c.Uncalled == report.TooFew:
		s += " (too few to call)"
	case c.Uncalled == report.NotSignificant:
		s += " (not significant"
		if c.PValue != nil {
			s += ", p " + pValue(*c.PValue)
		}
		s += ")"
	case c.Direction != "":
		s += " " + c.Direction
		if c.PValue != nil {
			s += " (p " + pValue(*c.PValue) + ")"
		}
	}
	return s
}

// pValue writes a p-value as "= 0.034", or "< 0.001".
func pValue(p float64) string {
	if p < 0.001 {
		return "< 0.001"
	}
	return "= " + strconv.FormatFloat(p, 'g', 2, 64)
}

func percent(v *float64) string {
	if v == nil {
		return "–"
	}
	return strconv.FormatFloat(*v*100, 'f', 1, 64) + "%"
}

func duration(v *float64) string {
	if v == nil {
		return "–"
	}
	d := time.Duration(*v * float64(time.Second)).Round(time.Second)
	switch {
	case d >= 24*time.Hour:
		return fmt.Sprintf("%dd %dh", d/(24*time.Hour), d%(24*time.Hour)/time.Hour)
	case d >= time.Hour:
		return fmt.Sprintf("%dh %dm", d/time.Hour, d%time.Hour/time.Minute)
	case d >= time.Minute:
		return fmt.Sprintf("%dm %ds", d/time.Minute, d%time.Minute/time.Second)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}

// printUsage prints a sources or actions view: a table, its JSON, or its
// CSV (the API's).
func printUsage(out *output, u *report.Usage) error {
	switch {
	case out.is("json"):
		return out.indented(u)
	case out.is("csv"):
		return out.csv(u.UsageCSV(parley.SafeCell))
	}
	header := []string{"SOURCE", "CONVERSATIONS", "RESOLUTION", "HANDOFF", "NEGATIVE"}
	if u.Kind == parley.UseAction {
		header = []string{"ACTION", "CONVERSATIONS", "RESOLUTION", "HANDOFF", "NEGATIVE", "FAILURE"}
	}
	tw := newTable(out.w, tabwriter.AlignRight, header...)
	for _, r := range u.Rows {
		label := r.Key
		if r.Title != "" {
			label += " " + r.Title
		}
		row := []string{label, strconv.FormatInt(r.Conversations, 10), percent(r.ResolutionRate), percent(r.HandoffRate), percent(r.NegativeRate)}
		switch {
		case u.Kind == parley.UseAction:
			row = append(row, percent(r.FailureRate))
		case r.Review:
			row = append(row, "review this content")
		}
		tw.record(row)
	}
	if err := tw.flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(out.w, "%s to %s; rates of decided conversations (%d still pending)\n", u.From, u.To, u.Pending)
	return err
}
