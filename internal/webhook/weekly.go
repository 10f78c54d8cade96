package webhook

import (
	"context"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/report"
	"github.com/parleyhq/parley/internal/store"
)

// Weekly is the data of a report.weekly delivery: the Impact numbers of the
// last complete week and of the week before, as the Performance page shows
// them, with the settings they were counted under. Rates are null when
// their denominator is zero; times are in seconds.
type Weekly struct {
	Week              Span            `json:"week"`
	Metrics           WeeklyMetrics   `json:"metrics"`
	PreviousWeek      Span            `json:"previous_week"`
	Previous          WeeklyMetrics   `json:"previous"`
	Settings          parley.Settings `json:"settings"`
	DefinitionVersion int             `json:"definition_version"`
}

// Span is a range of workspace-local dates, both ends included.
type Span struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// WeeklyMetrics are the Impact numbers of one week.
type WeeklyMetrics struct {
	Conversations     int64    `json:"conversations"`
	Handled           int64    `json:"handled"`
	Decided           int64    `json:"decided"`
	Resolved          int64    `json:"resolved"`
	ResolutionRate    *float64 `json:"resolution_rate"`
	Deflected         int64    `json:"deflected"`
	DeflectionRate    *float64 `json:"deflection_rate"`
	HumanHandoffs     int64    `json:"human_handoffs"`
	HandoffRate       *float64 `json:"handoff_rate"`
	Rated             int64    `json:"rated"`
	HelpfulRate       *float64 `json:"helpful_rate"`
	TimeToCloseMedian *float64 `json:"time_to_close_median"`
	Pending           int64    `json:"pending"`
}

func weeklyMetrics(m report.Metrics) WeeklyMetrics {
	return WeeklyMetrics{
		Conversations: m.Conversations, Handled: m.Handled, Decided: m.Decided,
		Resolved: m.Resolved, ResolutionRate: m.ResolutionRate,
		Deflected: m.Deflected, DeflectionRate: m.DeflectionRate,
		HumanHandoffs: m.HandedOff, HandoffRate: m.HandoffRate,
		Rated: m.Rated, HelpfulRate: m.HelpfulRate,
		TimeToCloseMedian: m.TimeToCloseMedian, Pending: m.Pending,
	}
}

// QueueWeekly queues report.weekly for the last complete week, once per
// webhook, when no conversation of that week is pending any more. Call it
// when evaluation has caught up (pipeline's Options.AfterEvaluate): every
// conversation that was due had been evaluated, so the week's numbers are
// final but for events that are yet to arrive. Queueing is idempotent (the
// week is the delivery's dedupe key), so it may be called often and by
// several processes; a webhook created later gets the latest complete week
// at once. It reports whether it queued anything.
func QueueWeekly(ctx context.Context, db *store.DB, ws parley.Workspace, now time.Time) (bool, error) {
	from, to, err := report.LastCompleteWeek(now, ws.Settings)
	if err != nil {
		return false, err
	}
	week := Span{From: from, To: to}
	key := string(parley.WebhookReportWeekly) + ":" + week.From
	if done, err := db.Queued(ctx, ws.ID, parley.WebhookReportWeekly, key); done || err != nil {
		return false, err
	}
	r, err := report.Performance(ctx, db, ws, report.Request{From: week.From, To: week.To, Granularity: report.Week}, now)
	if err != nil {
		return false, err
	}
	// A week still pending, or whose numbers are being recomputed with
	// new settings, is sent once it is final.
	if r.Totals.Pending > 0 || r.Recomputing != nil {
		return false, nil
	}
	data := Weekly{
		Week: week, Metrics: weeklyMetrics(r.Totals),
		PreviousWeek: Span{From: r.PreviousFrom, To: r.PreviousTo}, Previous: weeklyMetrics(r.Previous),
		Settings: r.Settings, DefinitionVersion: r.DefinitionVersion,
	}
	n, err := db.Enqueue(ctx, ws.ID, parley.WebhookReportWeekly, []store.Message{{Data: data, DedupeKey: key}}, now)
	return n > 0, err
}
