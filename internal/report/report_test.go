package report_test

import (
	"context"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/ingest"
	"github.com/parleyhq/parley/internal/pipeline"
	"github.com/parleyhq/parley/internal/report"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
)

// now is Friday of the second week of the fixture.
var now = time.Date(2026, 3, 13, 12, 0, 0, 0, time.UTC)

func at(day, clock string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", day+" "+clock)
	if err != nil {
		panic(err)
	}
	return t
}

// fixture is a small set of conversations whose report is worked out by
// hand in the tests below. Weeks start on Monday 2026-03-02 and 03-09.
func fixture() []parley.Event {
	var events []parley.Event
	n := 0
	add := func(e parley.Event) {
		n++
		if e.ID == "" {
			e.ID = "e" + string(rune('a'+n/26)) + string(rune('a'+n%26))
		}
		events = append(events, e)
	}
	start := func(conv, channel string, t time.Time, test bool) {
		add(parley.Event{Type: parley.EventConversationStarted, ConversationID: conv, OccurredAt: t, Channel: channel, Test: test})
	}
	reply := func(id, conv string, t time.Time, cites bool) {
		e := parley.Event{ID: id, Type: parley.EventMessage, ConversationID: conv, OccurredAt: t, Author: parley.AuthorCustomerAgent, Text: "answer"}
		if cites {
			e.Sources = []parley.Source{{ID: "kb-1"}}
		}
		add(e)
	}
	rate := func(conv, msg string, t time.Time, r parley.Rating) {
		add(parley.Event{Type: parley.EventFeedback, ConversationID: conv, OccurredAt: t, MessageID: msg, Rating: r})
	}
	closed := func(conv string, t time.Time) {
		add(parley.Event{Type: parley.EventConversationClosed, ConversationID: conv, OccurredAt: t})
	}
	// c1 chat: resolved, confirmed; closed 9 minutes after the first reply.
	start("c1", "chat", at("2026-03-02", "09:00"), false)
	reply("r1", "c1", at("2026-03-02", "09:01"), true)
	rate("c1", "r1", at("2026-03-02", "09:02"), parley.RatingPositive)
	closed("c1", at("2026-03-02", "09:10"))
	// c2 chat: unresolved, no source or action.
	start("c2", "chat", at("2026-03-03", "10:00"), false)
	reply("r2", "c2", at("2026-03-03", "10:01"), false)
	// c3 email: unresolved, the visitor asked for a human.
	start("c3", "email", at("2026-03-04", "10:00"), false)
	reply("r3", "c3", at("2026-03-04", "10:01"), true)
	add(parley.Event{Type: parley.EventHumanRequested, ConversationID: "c3", OccurredAt: at("2026-03-04", "10:02")})
	// c4 email: handed off by a rule.
	start("c4", "email", at("2026-03-04", "11:00"), false)
	reply("r4", "c4", at("2026-03-04", "11:01"), true)
	add(parley.Event{Type: parley.EventHandoff, ConversationID: "c4", OccurredAt: at("2026-03-04", "11:05"), Initiator: parley.InitiatorRule, Reason: "trigger_phrase"})
	// c5 chat: never handled.
	start("c5", "chat", at("2026-03-03", "12:00"), false)
	// c6 chat: test traffic.
	start("c6", "chat", at("2026-03-03", "13:00"), true)
	reply("r6", "c6", at("2026-03-03", "13:01"), true)
	// c7 chat, week 2: unresolved on negative feedback; assigned to the
	// agent at 10:00 and closed 26 hours later.
	start("c7", "chat", at("2026-03-10", "09:00"), false)
	add(parley.Event{Type: parley.EventAssigned, ConversationID: "c7", OccurredAt: at("2026-03-10", "10:00"), Assignee: parley.AssigneeCustomerAgent})
	reply("r7", "c7", at("2026-03-10", "10:01"), true)
	rate("c7", "r7", at("2026-03-11", "08:00"), parley.RatingNegative)
	closed("c7", at("2026-03-11", "12:00"))
	// c8 whatsapp, week 2: still pending at now.
	start("c8", "whatsapp", at("2026-03-12", "09:00"), false)
	reply("r8", "c8", at("2026-03-12", "09:01"), true)
	return events
}

// performance is the report of req as of at; an error fails the test.
func performance(t *testing.T, db *store.DB, ws parley.Workspace, req report.Request, at time.Time) *report.Report {
	t.Helper()
	r, err := report.Performance(context.Background(), db, ws, req, at)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// setup stores and evaluates the fixture and returns the workspace.
func setup(t *testing.T, counted []string) (*store.DB, parley.Workspace) {
	t.Helper()
	ctx := context.Background()
	db := storetest.New(t)
	ws, err := db.EnsureWorkspace(ctx, "acme", now)
	if err != nil {
		t.Fatal(err)
	}
	if counted != nil {
		ws.Settings.CountedChannels = counted
		if _, err := db.UpdateSettings(ctx, ws.ID, ws.Settings); err != nil {
			t.Fatal(err)
		}
	}
	evaluated(t, db, ws, ingest.Batch{Items: storetest.Items(t, fixture()...)}, now)
	return db, ws
}

// evaluated stores a batch of the workspace's events and evaluates what
// is due at now, as the background work would, failing the test on an
// error.
func evaluated(tb testing.TB, db *store.DB, ws parley.Workspace, b ingest.Batch, now time.Time) {
	tb.Helper()
	ctx := context.Background()
	if _, err := db.InsertEvents(ctx, ws.ID, b); err != nil {
		tb.Fatal(err)
	}
	if _, err := pipeline.New(db, pipeline.Options{Now: func() time.Time { return now }}).Pass(ctx); err != nil {
		tb.Fatal(err)
	}
}

func rate(f float64) *float64 { return &f }

// approx compares rates and durations to 1e-9, and quantiles of
// durations to the sketch's 1 %. It leaves out the 95 % intervals, which
// TestIntervalsByHand checks, and the sketches behind the medians.
var approx = cmp.Options{
	cmp.Comparer(func(a, b *float64) bool {
		if a == nil || b == nil {
			return a == b
		}
		return math.Abs(*a-*b) <= 1e-9+parley.SketchAccuracy*math.Abs(*b)
	}),
	cmpopts.IgnoreTypes((*report.Interval)(nil), (*parley.DurationSketch)(nil)),
}

func TestReportByHand(t *testing.T) {
	t.Parallel()
	db, ws := setup(t, nil)
	r := performance(t, db, ws, report.Request{From: "2026-03-02", To: "2026-03-15", Granularity: report.Week}, now)
	week1 := report.Metrics{
		Conversations: 5, Test: 1, Handled: 4, HandleRate: rate(4.0 / 5), Decided: 4,
		Resolved: 1, Confirmed: 1, ResolutionRate: rate(1.0 / 4), Deflected: 3, DeflectionRate: rate(3.0 / 4),
		HandedOff: 1, HandoffRate: rate(1.0 / 4),
		HandoffsByInitiator: map[string]int64{"rule": 1}, HandoffsByReason: map[string]int64{"trigger_phrase": 1},
		Unresolved: 2, UnresolvedByReason: map[string]int64{"no_source_or_action": 1, "human_requested": 1},
		AutomationRate: rate(1.0 / 5), ReopenRate: rate(0),
		FeedbackPositive: 1, Rated: 1, HelpfulRate: rate(1),
		Closed: 1, TimeToCloseMean: rate(540), TimeToCloseMedian: rate(540), TimeToCloseP90: rate(540),
		TimeToCloseResolved: report.Durations{Closed: 1, Mean: rate(540), Median: rate(540), P90: rate(540)},
	}
	week2 := report.Metrics{
		Conversations: 2, Handled: 2, HandleRate: rate(1), Pending: 1, Decided: 1,
		ResolutionRate: rate(0), Deflected: 1, DeflectionRate: rate(1), HandoffRate: rate(0),
		HandoffsByInitiator: map[string]int64{}, HandoffsByReason: map[string]int64{},
		Unresolved: 1, UnresolvedByReason: map[string]int64{"negative_feedback": 1},
		AutomationRate:   rate(0),
		FeedbackNegative: 1, Rated: 1, HelpfulRate: rate(0),
		Closed: 1, TimeToCloseMean: rate(26 * 3600), TimeToCloseMedian: rate(26 * 3600), TimeToCloseP90: rate(26 * 3600),
	}
	want := []report.Bucket{
		{From: "2026-03-02", To: "2026-03-08", Metrics: week1},
		{From: "2026-03-09", To: "2026-03-15", Provisional: true, Metrics: week2},
	}
	if diff := cmp.Diff(want, r.Series, approx); diff != "" {
		t.Errorf("weekly series (-want +got):\n%s", diff)
	}
	totals := report.Metrics{
		Conversations: 7, Test: 1, Handled: 6, HandleRate: rate(6.0 / 7), Pending: 1, Decided: 5,
		Resolved: 1, Confirmed: 1, ResolutionRate: rate(1.0 / 5), Deflected: 4, DeflectionRate: rate(4.0 / 5),
		HandedOff: 1, HandoffRate: rate(1.0 / 5),
		HandoffsByInitiator: map[string]int64{"rule": 1}, HandoffsByReason: map[string]int64{"trigger_phrase": 1},
		Unresolved: 3, UnresolvedByReason: map[string]int64{"no_source_or_action": 1, "human_requested": 1, "negative_feedback": 1},
		AutomationRate: rate(1.0 / 7), ReopenRate: rate(0),
		FeedbackPositive: 1, FeedbackNegative: 1, Rated: 2, HelpfulRate: rate(0.5),
		Closed: 2, TimeToCloseMean: rate((540 + 26*3600) / 2), TimeToCloseMedian: rate(540), TimeToCloseP90: rate(26 * 3600),
		TimeToCloseResolved: report.Durations{Closed: 1, Mean: rate(540), Median: rate(540), P90: rate(540)},
	}
	if diff := cmp.Diff(totals, r.Totals, approx); diff != "" {
		t.Errorf("totals (-want +got):\n%s", diff)
	}
	if !r.Provisional || r.Previous.Conversations != 0 || r.PreviousFrom != "2026-02-16" || r.PreviousTo != "2026-03-01" {
		t.Errorf("provisional %v, previous %s..%s with %d conversations", r.Provisional, r.PreviousFrom, r.PreviousTo, r.Previous.Conversations)
	}
	if diff := cmp.Diff(week2, r.ThisWeek.Metrics, approx); diff != "" || r.ThisWeek.From != "2026-03-09" {
		t.Errorf("this week from %s (-want +got):\n%s", r.ThisWeek.From, diff)
	}
	if diff := cmp.Diff(week1, r.LastWeek.Metrics, approx); diff != "" {
		t.Errorf("last week (-want +got):\n%s", diff)
	}
	var channels []string
	var chatConversations int64
	for _, c := range r.ByChannel {
		channels = append(channels, c.Channel)
		if c.Channel == "chat" {
			chatConversations = c.Conversations
		}
	}
	if diff := cmp.Diff([]string{"chat", "email", "whatsapp"}, channels); diff != "" || chatConversations != 4 {
		t.Errorf("by channel: chat has %d conversations (want 4: c1, c2, c5, c7; c6 is test traffic)\n%s", chatConversations, diff)
	}
	if r.DefinitionVersion != parley.DefinitionVersion || r.Today != "2026-03-13" {
		t.Errorf("definition version %d, today %s", r.DefinitionVersion, r.Today)
	}
}

// TestIntervalsByHand checks the 95 % intervals of the fixture's totals
// against Wilson score intervals worked out by hand (z = 1.959964,
// z² = 3.841459; see TestWilson for the formula).
func TestIntervalsByHand(t *testing.T) {
	t.Parallel()
	db, ws := setup(t, nil)
	r := performance(t, db, ws, report.Request{From: "2026-03-02", To: "2026-03-15", Granularity: report.Week}, now)
	m := r.Totals
	for _, tt := range []struct {
		name      string
		got       *report.Interval
		low, high float64
	}{
		// 6 handled of 7: 1 + z²/n = 1.548780; centre = (0.857143 +
		// 0.274390) / 1.548780 = 0.730596; half = 1.265489 · √(0.0174927 +
		// 0.0195993) = 1.265489 · 0.192593 = 0.243724.
		{"handle rate", m.HandleRateInterval, 0.486872, 0.974320},
		// 1 resolved of 5 decided: 1 + z²/n = 1.768292; centre = 0.584146 /
		// 1.768292 = 0.330345; half = 1.108393 · √(0.032 + 0.0384146) =
		// 1.108393 · 0.265357 = 0.294121.
		{"resolution rate", m.ResolutionRateInterval, 0.036224, 0.624466},
		{"handoff rate", m.HandoffRateInterval, 0.036224, 0.624466},
		// 4 deflected of 5: the mirror image of 1 of 5.
		{"deflection rate", m.DeflectionRateInterval, 0.375534, 0.963776},
		// 1 helpful of 2 rated: 1 + z²/n = 2.920730; centre 0.5; half =
		// 0.671052 · √(0.125 + 0.240091) = 0.671052 · 0.604228 = 0.405468.
		{"helpful rate", m.HelpfulRateInterval, 0.094532, 0.905468},
	} {
		if tt.got == nil || math.Abs(tt.got.Low-tt.low) > 2e-6 || math.Abs(tt.got.High-tt.high) > 2e-6 {
			t.Errorf("%s: interval %+v, want %.6f to %.6f", tt.name, tt.got, tt.low, tt.high)
		}
	}
	// Two times to close are too few for an interval of their median.
	if m.TimeToCloseMedianInterval != nil || m.CSAT.RateInterval != nil {
		t.Errorf("median of 2 has the interval %+v, CSAT of none %+v; want neither", m.TimeToCloseMedianInterval, m.CSAT.RateInterval)
	}
	tbl, err := r.Table("resolution_rate")
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.Index(tbl.Columns, "resolution_rate"); i < 0 || tbl.Columns[i+1] != "resolution_rate_low" || tbl.Columns[i+2] != "resolution_rate_high" {
		t.Errorf("the resolution rate's table has the columns %v, want its bounds after it", tbl.Columns)
	}
}

func TestReportFilters(t *testing.T) {
	t.Parallel()
	db, ws := setup(t, nil)
	r := performance(t, db, ws, report.Request{From: "2026-03-02", To: "2026-03-15", Granularity: report.Week, Channels: []string{"email"}}, now)
	if got := r.Totals; got.Conversations != 2 || got.Handled != 2 || got.HandedOff != 1 || got.Unresolved != 1 || got.Test != 0 {
		t.Errorf("email only: %+v", got)
	}
	daily := performance(t, db, ws, report.Request{From: "2026-03-03", To: "2026-03-05", Granularity: report.Day}, now)
	var perDay []int64
	for _, b := range daily.Series {
		perDay = append(perDay, b.Conversations)
	}
	if diff := cmp.Diff([]int64{2, 2, 0}, perDay); diff != "" {
		t.Errorf("daily conversations, zero-filled (-want +got):\n%s", diff)
	}
	monthly := performance(t, db, ws, report.Request{From: "2026-02-20", To: "2026-04-10", Granularity: report.Month}, now)
	var spans []string
	for _, b := range monthly.Series {
		spans = append(spans, b.From+".."+b.To)
	}
	if diff := cmp.Diff([]string{"2026-02-20..2026-02-28", "2026-03-01..2026-03-31", "2026-04-01..2026-04-10"}, spans); diff != "" {
		t.Errorf("monthly buckets clipped to the range (-want +got):\n%s", diff)
	}

	// Counting only chat for the handle rate: 4 chat conversations
	// (c1, c2, c5, c7), of which 3 were handled.
	db, ws = setup(t, []string{"chat"})
	r = performance(t, db, ws, report.Request{From: "2026-03-02", To: "2026-03-15", Granularity: report.Week}, now)
	if r.Totals.Conversations != 4 || r.Totals.HandleRate == nil || *r.Totals.HandleRate != 0.75 || r.Totals.Handled != 6 {
		t.Errorf("counted channels: conversations %d, handle rate %v, handled %d", r.Totals.Conversations, *r.Totals.HandleRate, r.Totals.Handled)
	}
}

func TestRequestValidate(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		req    report.Request
		fields []string
	}{
		{report.Request{From: "2026-03-01", To: "2026-03-31", Granularity: report.Week}, nil},
		{report.Request{From: "2026-3-1", To: "2026-03-31", Granularity: report.Week}, []string{"from"}},
		{report.Request{From: "2026-03-31", To: "2026-03-01", Granularity: report.Day}, []string{"to"}},
		{report.Request{From: "2000-01-01", To: "2026-03-01", Granularity: report.Day}, []string{"to"}},
		{report.Request{From: "x", To: "y", Granularity: "hour"}, []string{"from", "to", "granularity"}},
	} {
		var fields []string
		for _, p := range parley.ProblemsOf(tt.req.Validate()) {
			fields = append(fields, p.Field)
		}
		if diff := cmp.Diff(tt.fields, fields); diff != "" {
			t.Errorf("%+v (-want +got):\n%s", tt.req, diff)
		}
	}
}

func TestPresets(t *testing.T) {
	t.Parallel()
	s := parley.DefaultSettings()
	for _, tt := range []struct {
		p        report.Preset
		start    parley.WeekStart
		from, to string
	}{
		{report.ThisWeek, parley.WeekStartMonday, "2026-03-09", "2026-03-15"},
		{report.ThisWeek, parley.WeekStartSunday, "2026-03-08", "2026-03-14"},
		{report.Last4Weeks, parley.WeekStartMonday, "2026-02-16", "2026-03-15"},
		{report.Last12Weeks, parley.WeekStartMonday, "2025-12-22", "2026-03-15"},
	} {
		s.WeekStart = tt.start
		from, to, err := tt.p.Range(now, s)
		if err != nil || from != tt.from || to != tt.to {
			t.Errorf("%s from %s: got %s..%s (%v), want %s..%s", tt.p, tt.start, from, to, err, tt.from, tt.to)
		}
	}
	if _, _, err := report.Preset("forever").Range(now, s); parley.KindOf(err) != parley.KindInvalid {
		t.Errorf("unknown preset: %v", err)
	}
	for start, want := range map[parley.WeekStart][2]string{
		parley.WeekStartMonday: {"2026-03-02", "2026-03-08"},
		parley.WeekStartSunday: {"2026-03-01", "2026-03-07"},
	} {
		s.WeekStart = start
		from, to, err := report.LastCompleteWeek(now, s)
		if err != nil || [2]string{from, to} != want {
			t.Errorf("last complete week from %s: got %s..%s (%v), want %s..%s", start, from, to, err, want[0], want[1])
		}
	}
}

// countingSource counts the rollup reads of a real store.
type countingSource struct {
	*store.DB
	reads atomic.Int64
}

func (c *countingSource) Rollups(ctx context.Context, workspaceID int64, from, to string) (parley.RollupSet, error) {
	c.reads.Add(1)
	return c.DB.Rollups(ctx, workspaceID, from, to)
}

// TestCache: a kept report is returned until the rollups change, and is
// then built anew with the new numbers.
func TestCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.New(t)
	ws, err := db.EnsureWorkspace(ctx, "acme", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 16, 12, 0, 0, 0, time.UTC)
	add := func(id string, day string) {
		t.Helper()
		evs := []parley.Event{
			{ID: id + "s", Type: parley.EventConversationStarted, ConversationID: id, OccurredAt: at(day, "09:00"), Channel: "chat"},
			{ID: id + "r", Type: parley.EventMessage, ConversationID: id, OccurredAt: at(day, "09:01"), Author: parley.AuthorCustomerAgent, Text: "Hi", Sources: []parley.Source{{ID: "kb"}}},
		}
		evaluated(t, db, ws, ingest.Batch{Items: storetest.Items(t, evs...)}, now)
	}
	add("c1", "2026-03-10")
	src := &countingSource{DB: db}
	cache := report.NewCache(2)
	req := report.Request{From: "2026-03-02", To: "2026-03-15", Granularity: report.Week}
	var wg sync.WaitGroup
	reports := make([]*report.Report, 8)
	for i := range reports {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := cache.Performance(ctx, src, ws, req, now)
			if err != nil {
				t.Error(err)
			}
			reports[i] = r
		}()
	}
	wg.Wait()
	first, _ := cache.Performance(ctx, src, ws, req, now)
	if first.Totals.Handled != 1 || src.reads.Load() > int64(len(reports)) {
		t.Fatalf("handled %d after %d reads", first.Totals.Handled, src.reads.Load())
	}
	reads := src.reads.Load()
	if again, _ := cache.Performance(ctx, src, ws, req, now); again != first || src.reads.Load() != reads {
		t.Error("an unchanged report was built again")
	}
	add("c2", "2026-03-11")
	after, _ := cache.Performance(ctx, src, ws, req, now)
	if after.Totals.Handled != 2 || src.reads.Load() != reads+1 {
		t.Errorf("after new outcomes: handled %d, %d reads (want 2 handled, one new read)", after.Totals.Handled, src.reads.Load()-reads)
	}
	// Warm builds the kept request again once the rollups changed, so the
	// next reader reads nothing.
	add("c3", "2026-03-12")
	reads = src.reads.Load()
	if err := cache.Warm(ctx, src, now, db.WorkspaceByID); err != nil {
		t.Fatal(err)
	}
	if src.reads.Load() != reads+1 {
		t.Errorf("warming read the rollups %d times, want once", src.reads.Load()-reads)
	}
	warm, _ := cache.Performance(ctx, src, ws, req, now)
	fresh, _ := report.Performance(ctx, db, ws, req, now)
	if warm.Totals.Handled != 3 || src.reads.Load() != reads+1 || !reflect.DeepEqual(warm, fresh) {
		t.Errorf("after warming: handled %d, %d more reads; equal to a fresh build: %v", warm.Totals.Handled, src.reads.Load()-reads-1, reflect.DeepEqual(warm, fresh))
	}
	if err := cache.Warm(ctx, src, now, db.WorkspaceByID); err != nil || src.reads.Load() != reads+1 {
		t.Errorf("warming unchanged rollups read them again (%v)", err)
	}
	// A request nobody made in the last minutes is not built ahead.
	add("c4", "2026-03-12")
	if err := cache.Warm(ctx, src, now.Add(6*time.Minute), db.WorkspaceByID); err != nil || src.reads.Load() != reads+1 {
		t.Errorf("warming built a report nobody asked for lately (%v)", err)
	}
	// The requests kept for warming are bounded like the reports (2
	// here): of three asked, the two latest are built ahead.
	later := now.Add(7 * time.Minute)
	for i, g := range []report.Granularity{report.Day, report.Week, report.Month} {
		r := req
		r.Granularity = g
		if _, err := cache.Performance(ctx, src, ws, r, later.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	add("c5", "2026-03-12")
	reads = src.reads.Load()
	if err := cache.Warm(ctx, src, later.Add(time.Minute), db.WorkspaceByID); err != nil || src.reads.Load() != reads+2 {
		t.Errorf("warming after three requests to a cache of two read the rollups %d times, want 2 (%v)", src.reads.Load()-reads, err)
	}
	ws.Settings.WeekStart = parley.WeekStartSunday
	sunday, _ := cache.Performance(ctx, src, ws, req, now)
	if sunday == after || sunday.Series[0].From != "2026-03-02" || sunday.Series[1].From != "2026-03-08" {
		t.Errorf("a settings change kept the old report: %+v", sunday.Series)
	}
}

// TestWriteCSVDefusesChannels: a channel name a caller chose is written so
// that a spreadsheet shows it as text, while numbers, negative ones too,
// stay numbers.
func TestWriteCSVDefusesChannels(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		table report.Table
		want  string
	}{
		{"channels", report.Table{Chart: "channels", Columns: []string{"channel", "handled"},
			Rows: [][]string{{"-cmd", "-1"}, {"chat", "3"}}}, "channel,handled\n'-cmd,-1\nchat,3\n"},
		{"over time", report.Table{Chart: "handled", Columns: []string{"from", "to", "provisional", "handled"},
			Rows: [][]string{{"2026-11-02", "2026-11-08", "false", "-2"}}}, "from,to,provisional,handled\n2026-11-02,2026-11-08,false,-2\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := tt.table.WriteCSV(&b); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("WriteCSV wrote %q, want %q", b.String(), tt.want)
			}
			if tt.table.Rows[0][0] == "'-cmd" {
				t.Error("WriteCSV changed the table it wrote")
			}
		})
	}
}
