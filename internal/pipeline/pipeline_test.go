package pipeline_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/clocktest"
	"github.com/parleyhq/parley/internal/embeddings"
	"github.com/parleyhq/parley/internal/ingest"
	"github.com/parleyhq/parley/internal/pipeline"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
	"github.com/parleyhq/parley/internal/synth"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// end is the last instant of the generated streams; tests run their clocks
// around it.
var end = time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC)

// generate returns a validated synthetic stream.
func generate(t testing.TB, conversations, days int, seed int64) []ingest.Item {
	t.Helper()
	return storetest.Synthetic(t, synth.Options{Conversations: conversations, Days: days, End: end, Seed: seed}).Items
}

// acme returns a new database holding one workspace, acme, made at end.
func acme(t testing.TB) (*store.DB, parley.Workspace) {
	t.Helper()
	return newWorkspace(t, "acme")
}

// newWorkspace returns a new database holding one workspace, slug, made
// at end.
func newWorkspace(t testing.TB, slug string) (*store.DB, parley.Workspace) {
	t.Helper()
	db, ws, _ := newWorkspaceDSN(t, slug)
	return db, ws
}

// newWorkspaceDSN is newWorkspace with the database's address, for a test
// that also reaches it outside the store.
func newWorkspaceDSN(t testing.TB, slug string) (*store.DB, parley.Workspace, string) {
	t.Helper()
	db, dsn := storetest.NewDSN(t)
	return db, ensure(t, db, slug), dsn
}

// ensure makes the workspace slug in db, made at end, and returns it.
func ensure(tb testing.TB, db *store.DB, slug string) parley.Workspace {
	tb.Helper()
	ws, err := db.EnsureWorkspace(context.Background(), slug, end)
	if err != nil {
		tb.Fatal(err)
	}
	return ws
}

// evaluated returns a new database whose workspace, default, holds n
// generated conversations over days to end, evaluated five days later
// (at settled).
func evaluated(t testing.TB, n, days int) (*store.DB, parley.Workspace) {
	t.Helper()
	db, ws := newWorkspace(t, parley.DefaultWorkspace)
	insert(t, db, ws, generate(t, n, days, 3))
	pass(t, pipeline.New(db, pipeline.Options{Now: func() time.Time { return settled }}))
	return db, ws
}

// settled is when evaluated evaluates: five days after end, when every
// generated conversation is decided.
var settled = end.Add(5 * 24 * time.Hour)

// evaluatedOnce evaluates items in one pass at now, in a new database
// whose workspace has settings s, and returns what evaluation derived:
// what any other history of the same events must come to.
func evaluatedOnce(t testing.TB, s parley.Settings, items []ingest.Item, now func() time.Time) snapshot {
	t.Helper()
	db, ws := acme(t)
	if _, err := db.UpdateSettings(context.Background(), ws.ID, s); err != nil {
		t.Fatal(err)
	}
	insert(t, db, ws, items)
	pass(t, pipeline.New(db, pipeline.Options{Now: now}))
	return snap(t, db, ws)
}

func insert(t testing.TB, db *store.DB, ws parley.Workspace, items []ingest.Item) {
	t.Helper()
	if _, err := db.InsertEvents(context.Background(), ws.ID, ingest.Batch{Items: items}); err != nil {
		t.Fatal(err)
	}
}

func pass(t testing.TB, w *pipeline.Worker) pipeline.Stats {
	t.Helper()
	st, err := w.Pass(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// snapshot is everything evaluation derives, for comparing two histories.
type snapshot struct {
	Rollups       []parley.Rollup
	Conversations []parley.Conversation
}

func snap(t testing.TB, db *store.DB, ws parley.Workspace) snapshot {
	t.Helper()
	ctx := context.Background()
	set, err := db.Rollups(ctx, ws.ID, "", "")
	if err != nil {
		t.Fatal(err)
	}
	r := set.Cells
	c, err := db.Conversations(ctx, ws.ID, store.ConversationQuery{Filter: parley.ConversationFilter{Test: parley.TestInclude}})
	if err != nil {
		t.Fatal(err)
	}
	return snapshot{r, c}
}

// TestRebuildEqualsIncremental replays a generated stream the way it would
// arrive — day by day, some events late and out of order, evaluation passes
// in between — and checks that a rebuild from the raw events reproduces
// exactly the outcomes and rollups the incremental updates produced, and
// that both equal a single evaluation of the whole stream.
func TestRebuildEqualsIncremental(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("replays 800 conversations day by day")
	}
	ctx := context.Background()
	items := generate(t, 800, 14, 7)
	final := end.Add(72 * time.Hour) // after every late arrival

	db, ws := acme(t)
	// A zone far from UTC, so that local days differ from UTC days.
	ws.Settings.TimeZone = "Asia/Taipei"
	if _, err := db.UpdateSettings(ctx, ws.ID, ws.Settings); err != nil {
		t.Fatal(err)
	}
	clk := new(clocktest.Clock)
	w := pipeline.New(db, pipeline.Options{Now: clk.Now, Batch: 97})

	// Each event arrives at its own time, or up to two days late for one
	// in ten; a pass runs every six hours of simulated time.
	r := rand.New(rand.NewPCG(3, 4))
	arrival := make([]time.Time, len(items))
	for i, it := range items {
		arrival[i] = it.Event.OccurredAt
		if r.IntN(10) == 0 {
			arrival[i] = arrival[i].Add(time.Duration(r.Int64N(int64(48 * time.Hour))))
		}
	}
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return arrival[a].Compare(arrival[b]) })
	next := 0
	passes, evaluated := 0, 0
	for now := end.Add(-14 * 24 * time.Hour); !now.After(final); now = now.Add(6 * time.Hour) {
		var batch []ingest.Item
		for next < len(order) && !arrival[order[next]].After(now) {
			batch = append(batch, items[order[next]])
			next++
		}
		if len(batch) > 0 {
			insert(t, db, ws, batch)
		}
		clk.Set(now)
		evaluated += pass(t, w).Conversations
		passes++
	}
	if next != len(order) {
		t.Fatalf("%d events never arrived", len(order)-next)
	}
	incremental := snap(t, db, ws)
	if len(incremental.Rollups) == 0 || len(incremental.Conversations) == 0 {
		t.Fatal("incremental evaluation produced nothing")
	}
	t.Logf("%d events, %d passes, %d evaluations, %d rollup cells", len(items), passes, evaluated, len(incremental.Rollups))

	st, err := w.Rebuild(ctx, ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Conversations != len(incremental.Conversations) {
		t.Errorf("rebuild evaluated %d conversations, want %d", st.Conversations, len(incremental.Conversations))
	}
	if diff := cmp.Diff(incremental, snap(t, db, ws)); diff != "" {
		t.Errorf("rebuild differs from incremental (-incremental +rebuild):\n%s", diff)
	}

	// A fresh database given the whole stream at once agrees too.
	if diff := cmp.Diff(incremental, evaluatedOnce(t, ws.Settings, items, clk.Now)); diff != "" {
		t.Errorf("one evaluation of the whole stream differs from incremental (-incremental +once):\n%s", diff)
	}
}

// TestConcurrentWorkersAndIngest runs several workers while events keep
// arriving, then checks that the result equals a clean rebuild: no update
// lost, nothing counted twice.
func TestConcurrentWorkersAndIngest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// Half the conversations of a busy week, in as many small batches as
	// the whole week in large ones: what can race is the same.
	items := generate(t, 400, 7, 11)
	db, ws := acme(t)
	clk := clocktest.New(end.Add(-24 * time.Hour))

	var wg sync.WaitGroup
	done := make(chan struct{})
	errs := make(chan error, 8)
	for range 3 {
		w := pipeline.New(db, pipeline.Options{Now: clk.Now, Batch: 50})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				if _, err := w.Pass(ctx); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for start := 0; start < len(items); start += 150 {
		insert(t, db, ws, items[start:min(start+150, len(items))])
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	w := pipeline.New(db, pipeline.Options{Now: clk.Now})
	pass(t, w)
	got := snap(t, db, ws)
	if _, err := w.Rebuild(ctx, ws, nil); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(snap(t, db, ws), got); diff != "" {
		t.Errorf("concurrent evaluation differs from a rebuild (-rebuild +concurrent):\n%s", diff)
	}
}

// TestDecisionTimeReached checks that a pending conversation is decided by
// the pass that runs once its decision time has come, not before, and that
// the rollups move it from pending to resolved.
func TestDecisionTimeReached(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ws := acme(t)
	t0 := end.Add(-10 * time.Hour)
	events := []parley.Event{
		{ID: "s", Type: parley.EventConversationStarted, ConversationID: "c1", OccurredAt: t0, Channel: "chat"},
		{ID: "v", Type: parley.EventMessage, ConversationID: "c1", OccurredAt: t0.Add(time.Second), Author: parley.AuthorVisitor, Text: "PIN?"},
		{ID: "a", Type: parley.EventMessage, ConversationID: "c1", OccurredAt: t0.Add(2 * time.Second), Author: parley.AuthorCustomerAgent,
			Sources: []parley.Source{{ID: "kb-1"}}},
	}
	insert(t, db, ws, storetest.Items(t, events...))
	due := t0.Add(2*time.Second + parley.DefaultWindow)
	clk := clocktest.New(t0.Add(time.Minute))
	w := pipeline.New(db, pipeline.Options{Now: clk.Now})

	counts := func() map[parley.Metric]int64 {
		set, err := db.Rollups(ctx, ws.ID, "", "")
		if err != nil {
			t.Fatal(err)
		}
		rs := set.Cells
		m := map[parley.Metric]int64{}
		for _, r := range rs {
			m[r.Metric] += r.Value
		}
		return m
	}
	if st := pass(t, w); st.Outcomes[parley.OutcomePending] != 1 {
		t.Fatalf("first pass: %+v, want one pending", st)
	}
	if got := counts(); got[parley.MetricPending] != 1 || got[parley.MetricResolved] != 0 {
		t.Errorf("while pending: rollups %v", got)
	}
	clk.Set(due.Add(-time.Second))
	if st := pass(t, w); st.Conversations != 0 {
		t.Errorf("a second before the decision time: evaluated %d, want 0", st.Conversations)
	}
	clk.Set(due)
	if st := pass(t, w); st.Outcomes[parley.OutcomeResolved] != 1 {
		t.Fatalf("at the decision time: %+v, want one resolved", st)
	}
	want := map[parley.Metric]int64{parley.MetricConversations: 1, parley.MetricHandled: 1, parley.MetricResolved: 1}
	if diff := cmp.Diff(want, counts()); diff != "" {
		t.Errorf("after the decision (-want +got):\n%s", diff)
	}
	if st := pass(t, w); st.Conversations != 0 {
		t.Errorf("nothing left to do, yet evaluated %d", st.Conversations)
	}
	// What the deciding evaluation read is recorded, so the conversation
	// page can evaluate it again to explain the outcome.
	events, err := db.ConversationEvents(ctx, ws.ID, "c1")
	if err != nil {
		t.Fatal(err)
	}
	last, err := db.LastEvaluation(ctx, ws.ID, "c1", due)
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.Evaluated{Seq: events[len(events)-1].Seq, At: due}); last != want {
		t.Errorf("last evaluation %+v, want %+v", last, want)
	}
}

// TestSettingsChangeRecomputes checks that a new time zone resets the
// derived data and that evaluation then cuts days in the new zone.
func TestSettingsChangeRecomputes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ws := acme(t)
	// 20:00 UTC is 04:00 the next day in Taipei.
	at := time.Date(2026, 3, 20, 20, 0, 0, 0, time.UTC)
	insert(t, db, ws, storetest.Items(t, parley.Event{ID: "s", Type: parley.EventConversationStarted, ConversationID: "c1", OccurredAt: at, Channel: "email"}))
	clk := clocktest.New(end)
	w := pipeline.New(db, pipeline.Options{Now: clk.Now})
	pass(t, w)
	days := func() []string {
		set, err := db.Rollups(ctx, ws.ID, "", "")
		if err != nil {
			t.Fatal(err)
		}
		rs := set.Cells
		var out []string
		for _, r := range rs {
			out = append(out, r.Day+" "+string(r.Metric))
		}
		return out
	}
	if diff := cmp.Diff([]string{"2026-03-20 conversations"}, days()); diff != "" {
		t.Errorf("in UTC (-want +got):\n%s", diff)
	}

	s := ws.Settings
	s.WeekStart = parley.WeekStartSunday
	if re, err := db.UpdateSettings(ctx, ws.ID, s); err != nil || re {
		t.Errorf("week start change: recompute %v, err %v; want false, nil", re, err)
	}
	s.TimeZone = "Asia/Taipei"
	if re, err := db.UpdateSettings(ctx, ws.ID, s); err != nil || !re {
		t.Fatalf("time zone change: recompute %v, err %v; want true, nil", re, err)
	}
	// Until the conversation is evaluated again, reports read the
	// previous numbers, and what they were made with.
	if diff := cmp.Diff([]string{"2026-03-20 conversations"}, days()); diff != "" {
		t.Errorf("while recomputing (-want +got):\n%s", diff)
	}
	set, err := db.Rollups(ctx, ws.ID, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if set.Recompute == nil || *set.Recompute != (parley.Recompute{Done: 0, Total: 1}) || set.Settings == nil || set.Settings.Settings.TimeZone != "UTC" {
		t.Errorf("while recomputing: progress %+v, settings %+v; want 0 of 1, made in UTC", set.Recompute, set.Settings)
	}
	ws, err = db.Workspace(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if ws.Settings.TimeZone != "Asia/Taipei" || ws.Settings.WeekStart != parley.WeekStartSunday {
		t.Errorf("stored settings: %+v", ws.Settings)
	}
	pass(t, w)
	if diff := cmp.Diff([]string{"2026-03-21 conversations"}, days()); diff != "" {
		t.Errorf("in Asia/Taipei (-want +got):\n%s", diff)
	}
	if set, err = db.Rollups(ctx, ws.ID, "", ""); err != nil || set.Recompute != nil || set.Settings != nil {
		t.Errorf("once recomputed: progress %+v, settings %+v (%v); want neither", set.Recompute, set.Settings, err)
	}

	s.Window = 10 * time.Minute
	if _, err := db.UpdateSettings(ctx, ws.ID, s); parley.KindOf(err) != parley.KindInvalid {
		t.Errorf("a 10-minute window: got %v, want an invalid-input error", err)
	} else if p := parley.ProblemsOf(err); len(p) != 1 || p[0].Field != "window" {
		t.Errorf("problems %+v, want one naming window", p)
	}
}

// TestRunWakes checks that a running worker makes a pass at start and
// another when woken, and stops when its context ends.
func TestRunWakes(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	db, ws := acme(t)
	passes := make(chan pipeline.Stats)
	w := pipeline.New(db, pipeline.Options{
		Now: func() time.Time { return end }, Interval: time.Hour,
		OnPass: func(st pipeline.Stats, err error) {
			if err != nil {
				t.Error(err)
			}
			passes <- st
		},
	})
	stopped := make(chan error)
	go func() { stopped <- w.Run(ctx) }()
	if st := <-passes; st.Conversations != 0 {
		t.Errorf("first pass on an empty database evaluated %d", st.Conversations)
	}
	insert(t, db, ws, generate(t, 20, 2, 1))
	w.Wake()
	if st := <-passes; st.Conversations != 20 {
		t.Errorf("pass after waking evaluated %d, want 20", st.Conversations)
	}
	cancel()
	if err := <-stopped; err != nil {
		t.Errorf("Run returned %v", err)
	}
}

// meaningServer is an embeddings endpoint that knows two meanings: texts
// about getting money back and texts about opening hours, whatever their
// words. It stands in for a language model in the contract the service
// speaks (POST /embeddings with model and input).
func meaningServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Input []string }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		type item struct {
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		}
		var data []item
		for i, text := range req.Input {
			v := []float32{0.1, 0.1, float32(len(text)%7) / 100}
			for _, w := range []string{"refund", "money back", "reimburse"} {
				if strings.Contains(strings.ToLower(text), w) {
					v[0] = 1
				}
			}
			for _, w := range []string{"open", "hours", "closing time"} {
				if strings.Contains(strings.ToLower(text), w) {
					v[1] = 1
				}
			}
			data = append(data, item{i, v})
		}
		json.NewEncoder(w).Encode(map[string]any{"data": data})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestGroupingWithEmbeddings: questions that mean the same with no word in
// common form one topic when an embeddings endpoint is configured, and
// grouping still works, by words, when the endpoint fails: the questions
// that share no word with another wait ungrouped.
func TestGroupingWithEmbeddings(t *testing.T) {
	t.Parallel()
	questions := []string{"I want a refund", "when are you open", "can I get my money back", "what are your hours",
		"please reimburse me", "what is your closing time"}
	for _, tt := range []struct {
		name                 string
		url                  string
		minTopics, maxTopics int
		minUngrouped         int
	}{
		{"embeddings", meaningServer(t).URL, 2, 2, 0},
		// By words alone, money back, refund and reimburse cannot meet.
		{"endpoint down", "http://127.0.0.1:1", 0, 2, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db, ws := acme(t)
			var events []parley.Event
			for i, q := range questions {
				conv := fmt.Sprintf("c%d", i)
				at := end.Add(time.Duration(i) * time.Minute)
				events = append(events,
					parley.Event{ID: conv + "-v", Type: parley.EventMessage, ConversationID: conv, OccurredAt: at, Author: parley.AuthorVisitor, Text: q},
					parley.Event{ID: conv + "-a", Type: parley.EventMessage, ConversationID: conv, OccurredAt: at.Add(time.Second), Author: parley.AuthorCustomerAgent, Text: "Sorry.", Unanswered: true})
			}
			insert(t, db, ws, storetest.Items(t, events...))
			w := pipeline.New(db, pipeline.Options{Now: func() time.Time { return end.Add(time.Hour) },
				Embedder: &embeddings.Client{URL: tt.url, Model: "m"}})
			if st := pass(t, w); st.Grouped != len(questions) {
				t.Fatalf("grouped %d questions, want %d", st.Grouped, len(questions))
			}
			topics, err := db.Topics(ctx, ws.ID, store.TopicFilter{})
			if err != nil {
				t.Fatal(err)
			}
			_, ungrouped, err := db.UngroupedQuestions(ctx, ws.ID, store.TopicFilter{}, 10)
			if err != nil {
				t.Fatal(err)
			}
			inTopics := 0
			for _, s := range topics {
				inTopics += s.Questions
			}
			if len(topics) < tt.minTopics || len(topics) > tt.maxTopics || ungrouped < tt.minUngrouped || inTopics+ungrouped != len(questions) {
				var labels []string
				for _, s := range topics {
					labels = append(labels, s.Title())
				}
				t.Errorf("%d topics %q of %d questions and %d ungrouped, want %d to %d topics and at least %d ungrouped of %d",
					len(topics), labels, inTopics, ungrouped, tt.minTopics, tt.maxTopics, tt.minUngrouped, len(questions))
			}
		})
	}
}

// TestRunStopsBetweenBatches: a worker asked to stop finishes the batch in
// flight, commits it, and starts no other.
func TestRunStopsBetweenBatches(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	db, ws := acme(t)
	insert(t, db, ws, generate(t, 50, 2, 3))
	// The stop comes as the pass reads the clock, just before its first
	// batch: that batch must still finish and commit.
	w := pipeline.New(db, pipeline.Options{Now: func() time.Time { cancel(); return end.Add(72 * time.Hour) }, Batch: 10})
	if err := w.Run(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := db.EvaluationProgress(context.Background(), ws.ID, end.Add(72*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if evaluated := p.Conversations - p.Due; evaluated != 10 {
		t.Errorf("a stopping worker evaluated %d conversations, want exactly one batch of 10", evaluated)
	}
}

// TestProcessesShareBackfill runs three "processes" — workers with pools
// of their own — over one backfill at once: together they evaluate every
// conversation once and read each stored event about once (the work is
// claimed before it is read), and the result equals one process's.
// SQLite has a single writer and its worker claims without locking, so
// there several workers would each read what they pass over.
func TestProcessesShareBackfill(t *testing.T) {
	t.Parallel()
	storetest.PostgresOnly(t, "work is shared between processes on PostgreSQL; SQLite runs one")
	ctx := context.Background()
	items := generate(t, 900, 14, 5)
	dsn := storetest.DSN(t)
	var dbs []*store.DB
	for range 3 {
		db, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs = append(dbs, db)
	}
	ws := ensure(t, dbs[0], "acme")
	insert(t, dbs[0], ws, items)
	clk := clocktest.New(end.Add(time.Hour))
	var (
		wg    sync.WaitGroup
		total = make([]int, len(dbs))
	)
	for i, db := range dbs {
		wg.Go(func() {
			st, err := pipeline.New(db, pipeline.Options{Now: clk.Now, Batch: 40}).Pass(ctx)
			if err != nil {
				t.Error(err)
			}
			total[i] = st.Conversations
		})
	}
	wg.Wait()
	var read int64
	evaluated := 0
	for i, db := range dbs {
		read += db.EventRowsRead()
		evaluated += total[i]
	}
	t.Logf("evaluated %v, read %d event rows for %d events", total, read, len(items))
	if evaluated != 900 {
		t.Errorf("the three evaluated %d conversations in all, want 900", evaluated)
	}
	if float64(read) > 1.1*float64(len(items)) {
		t.Errorf("the three read %d event rows for %d events: work was repeated", read, len(items))
	}
	got := snap(t, dbs[0], ws)
	w := pipeline.New(dbs[0], pipeline.Options{Now: clk.Now})
	if _, err := w.Rebuild(ctx, ws, nil); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(snap(t, dbs[0], ws), got); diff != "" {
		t.Errorf("three processes differ from one (-one +three):\n%s", diff)
	}
}

// TestPoisonConversationIsSetAside stores, directly in the database, a
// conversation whose event body cannot be decoded and (on PostgreSQL) one
// whose gap question holds a NUL, which PostgreSQL's text refuses — both
// used to make every evaluation pass fail for good, in every workspace.
// Now each is set aside with its error, every other conversation of both
// workspaces is evaluated, later passes leave them alone, and they are
// evaluated again after a retry (once mended), and after another release
// starts.
func TestPoisonConversationIsSetAside(t *testing.T) {
	ctx := context.Background()
	db, dsn := storetest.NewDSN(t)
	items := generate(t, 60, 7, 3)
	var spaces []parley.Workspace
	for _, slug := range []string{"acme", "beta"} {
		ws := ensure(t, db, slug)
		insert(t, db, ws, items)
		spaces = append(spaces, ws)
	}
	acme := spaces[0]
	poison := map[string]string{"bad-body": `{"id":"pb","type":"message","conversation_id":"bad-body","occurred_at":`}
	if storetest.Postgres() {
		poison["nul-question"] = `{"id":"pn","type":"message","conversation_id":"nul-question","occurred_at":"2026-03-29T10:00:00Z",` +
			`"author":"customer_agent","text":"I cannot help","unanswered":true,"question":"refund\u0000now"}`
	}
	raw := storetest.Raw(t, dsn)
	for conv, body := range poison {
		id := "p" + conv
		insert(t, db, acme, []ingest.Item{{Event: parley.Event{ID: id, Type: parley.EventMessage, ConversationID: conv,
			OccurredAt: end.Add(-time.Hour), Author: parley.AuthorVisitor, Text: "placeholder"},
			Body: []byte(`{"id":"` + id + `","type":"message","conversation_id":"` + conv + `","occurred_at":"2026-03-29T23:00:00Z","author":"visitor","text":"placeholder"}`)}})
		if _, err := raw.ExecContext(ctx, storetest.Rebind(`UPDATE events SET body = ? WHERE event_id = ?`), body, id); err != nil {
			t.Fatal(err)
		}
	}

	clk := clocktest.New(end.Add(time.Hour))
	w := pipeline.New(db, pipeline.Options{Now: clk.Now, Batch: 25})
	st, err := w.Pass(ctx)
	if err != nil {
		t.Fatalf("a pass over a poisoned workspace failed: %v", err)
	}
	if st.Conversations != 2*60 || st.SetAside != len(poison) {
		t.Errorf("evaluated %d, set aside %d; want %d and %d", st.Conversations, st.SetAside, 2*60, len(poison))
	}
	aside, err := db.SetAsideConversations(ctx, acme.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range aside {
		got[a.ConversationID] = a.Error
		if a.Version != parley.Version || !a.At.Equal(clk.Now()) {
			t.Errorf("%s set aside by %q at %v", a.ConversationID, a.Version, a.At)
		}
	}
	for conv := range poison {
		if got[conv] == "" {
			t.Errorf("%s is not set aside with an error: %v", conv, got)
		}
	}
	t.Logf("set aside: %v", got)
	if n, err := db.SetAsideCount(ctx); err != nil || n != int64(len(poison)) {
		t.Errorf("count of set aside: %d, %v", n, err)
	}
	if st := pass(t, w); st.Conversations != 0 || st.SetAside != 0 {
		t.Errorf("the next pass took them again: %+v", st)
	}

	// Another release may have fixed it: it tries again, and sets aside
	// again what still fails, now in its own name.
	defer func(v string) { parley.Version = v }(parley.Version)
	parley.Version = "next"
	if st := pass(t, pipeline.New(db, pipeline.Options{Now: clk.Now})); st.SetAside != len(poison) {
		t.Errorf("another release set aside %d, want %d", st.SetAside, len(poison))
	}

	// Mended by hand, and retried by an admin: evaluated, and no longer aside.
	if _, err := raw.ExecContext(ctx, storetest.Rebind(`UPDATE events SET body = ? WHERE event_id = ?`),
		`{"id":"pbad-body","type":"message","conversation_id":"bad-body","occurred_at":"2026-03-29T23:00:00Z","author":"visitor","text":"placeholder"}`, "pbad-body"); err != nil {
		t.Fatal(err)
	}
	if n, err := db.RetrySetAside(ctx, acme.ID, []string{"bad-body"}); err != nil || n != 1 {
		t.Fatalf("retry: %d, %v", n, err)
	}
	if st := pass(t, w); st.Conversations != 1 || st.SetAside != 0 {
		t.Errorf("after the retry: %+v, want bad-body evaluated", st)
	}
	aside, err = db.SetAsideConversations(ctx, acme.ID, 10)
	if err != nil || len(aside) != len(poison)-1 {
		t.Errorf("still set aside: %+v, %v", aside, err)
	}
}

// TestPoisonQuestionIsSetAside makes grouping fail on one question (the
// placement panics whenever it is among those placed): that question's
// conversation is set aside with the error, every other question is
// grouped, and the process goes on.
func TestPoisonQuestionIsSetAside(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ws := acme(t)
	var events []parley.Event
	for i, q := range []string{"how do I get a refund", "refund my order please", "boom goes the question", "where is my parcel", "my parcel is late"} {
		conv := fmt.Sprintf("c%d", i)
		at := end.Add(-time.Duration(10-i) * time.Hour)
		events = append(events,
			parley.Event{ID: conv + "-s", Type: parley.EventConversationStarted, ConversationID: conv, OccurredAt: at, Channel: "chat"},
			parley.Event{ID: conv + "-v", Type: parley.EventMessage, ConversationID: conv, OccurredAt: at.Add(time.Second), Author: parley.AuthorVisitor, Text: q},
			parley.Event{ID: conv + "-a", Type: parley.EventMessage, ConversationID: conv, OccurredAt: at.Add(2 * time.Second),
				Author: parley.AuthorCustomerAgent, Text: "Sorry, I do not know.", Unanswered: true, Question: q})
	}
	insert(t, db, ws, storetest.Items(t, events...))
	w := pipeline.New(db, pipeline.Options{Now: func() time.Time { return end.Add(time.Hour) }})
	pipeline.SetPlace(w, func(g store.Grouping, vectors map[string][]float32) store.Placement {
		for _, q := range g.Pending {
			if strings.Contains(q.Question, "boom") {
				panic("cannot place " + q.Question)
			}
		}
		return pipeline.Place(g, vectors)
	})
	st := pass(t, w)
	if st.Conversations != 5 || st.SetAside != 1 || st.Grouped != 4 {
		t.Errorf("pass: %d evaluated, %d set aside, %d grouped; want 5, 1, 4", st.Conversations, st.SetAside, st.Grouped)
	}
	aside, err := db.SetAsideConversations(ctx, ws.ID, 10)
	if err != nil || len(aside) != 1 || aside[0].ConversationID != "c2" || !strings.Contains(aside[0].Error, "cannot place boom") {
		t.Fatalf("set aside: %+v, %v; want c2 with the placement's error", aside, err)
	}
	if st := pass(t, w); st.SetAside != 0 || st.Grouped != 0 {
		t.Errorf("the next pass tried the question again: %+v", st)
	}
	// Once placement works, a retry evaluates the conversation again, and
	// its question is grouped.
	pipeline.SetPlace(w, pipeline.Place)
	if _, err := db.RetrySetAside(ctx, ws.ID, nil); err != nil {
		t.Fatal(err)
	}
	if st := pass(t, w); st.Conversations != 1 || st.Grouped != 1 || st.SetAside != 0 {
		t.Errorf("after the retry: %+v", st)
	}
	if aside, err := db.SetAsideConversations(ctx, ws.ID, 10); err != nil || len(aside) != 0 {
		t.Errorf("still set aside: %+v, %v", aside, err)
	}
}

// TestSettingsChangeKeepsPreviousNumbers changes the time zone of an
// evaluated workspace and walks the recompute batch by batch: after every
// batch, reports read exactly the previous numbers, with a progress that
// only grows, while events keep arriving and the settings change again
// half way; once done, the numbers are those of a fresh evaluation with
// the final settings.
func TestSettingsChangeKeepsPreviousNumbers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// What is checked happens batch by batch: 300 conversations in
	// batches of 25 give the recompute the dozen batches it needs.
	items := generate(t, 300, 14, 5)
	// A new conversation and a late event for an early one arrive during
	// the recompute.
	var late []parley.Event
	for _, it := range generate(t, 1, 1, 99) {
		e := it.Event
		e.ID, e.ConversationID = "late-"+e.ID, "late-"+e.ConversationID
		late = append(late, e)
	}
	first := items[0].Event
	late = append(late, parley.Event{ID: "late-close", Type: parley.EventConversationClosed,
		ConversationID: first.ConversationID, OccurredAt: first.OccurredAt.Add(9 * time.Hour)})
	extra := storetest.Items(t, late...)

	db, ws := acme(t)
	insert(t, db, ws, items)
	clk := clocktest.New(end)
	w := pipeline.New(db, pipeline.Options{Now: clk.Now, Batch: 25})
	if st := pass(t, w); st.Conversations != 300 {
		t.Fatalf("evaluated %d conversations, want 300", st.Conversations)
	}
	previous := snap(t, db, ws).Rollups

	s := ws.Settings
	s.TimeZone = "America/New_York"
	if _, err := db.UpdateSettings(ctx, ws.ID, s); err != nil {
		t.Fatal(err)
	}
	// The events and the second change come from other goroutines, as
	// from requests: on PostgreSQL the worker holds its next batch, claimed,
	// while it reports progress, and both wait for that batch's rows.
	var (
		mu                sync.Mutex
		batches, restarts int
		lastDone          = int64(-1)
		arrived, replaced = make(chan struct{}), make(chan struct{})
	)
	progress := func(pipeline.Stats) {
		mu.Lock()
		defer mu.Unlock()
		batches++
		set, err := db.Rollups(ctx, ws.ID, "", "")
		if err != nil {
			t.Error(err)
			return
		}
		if set.Recompute == nil {
			return // done: checked below
		}
		if diff := cmp.Diff(previous, set.Cells); diff != "" {
			t.Errorf("after batch %d of the recompute, reports read other numbers (-previous +now):\n%s", batches, diff)
		}
		if set.Settings == nil || set.Settings.Settings.TimeZone != "UTC" {
			t.Errorf("after batch %d: the numbers say they were made with %+v, want UTC", batches, set.Settings)
		}
		// The count starts over once, at the second change, of every
		// conversation evaluated by then.
		r := set.Recompute
		if r.Done < lastDone {
			restarts++
		}
		if r.Done > r.Total || restarts > 1 {
			t.Errorf("after batch %d: %d of %d done, after %d; %d restarts", batches, r.Done, r.Total, lastDone, restarts)
		}
		lastDone = r.Done
		switch batches {
		case 3:
			go func() {
				defer close(arrived)
				if _, err := db.InsertEvents(ctx, ws.ID, ingest.Batch{Items: extra}); err != nil {
					t.Error(err)
				}
			}()
		case 5:
			// Again, half way: the unfinished generation is dropped and
			// the count starts over, still against the first numbers.
			go func() {
				defer close(replaced)
				<-arrived
				s.Window = 48 * time.Hour
				if _, err := db.UpdateSettings(ctx, ws.ID, s); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	ws, err := db.WorkspaceByID(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	var st pipeline.Stats
	if err := w.Workspace(ctx, ws, &st, progress); err != nil {
		t.Fatal(err)
	}
	<-replaced
	pass(t, w) // what became due behind the walk, or after it ended
	if batches < 12 || restarts != 1 {
		t.Fatalf("the recompute took %d batches and started over %d times; the test wants to see it run and start over once", batches, restarts)
	}
	set, err := db.Rollups(ctx, ws.ID, "", "")
	if err != nil || set.Recompute != nil || set.Settings != nil {
		t.Fatalf("after the recompute: progress %+v, settings %+v (%v); want neither", set.Recompute, set.Settings, err)
	}

	if diff := cmp.Diff(evaluatedOnce(t, s, append(slices.Clone(items), extra...), clk.Now), snap(t, db, ws)); diff != "" {
		t.Errorf("after the recompute (-fresh evaluation +recomputed):\n%s", diff)
	}
}

// TestRecomputeFinishesPastASetAsideConversation corrupts the stored event
// of an evaluated conversation, then changes the settings: the recompute
// sets that conversation aside and still finishes, so that reports switch
// to the new settings rather than wait for it for good.
func TestRecomputeFinishesPastASetAsideConversation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ws, dsn := newWorkspaceDSN(t, "acme")
	items := generate(t, 40, 7, 3)
	insert(t, db, ws, items)
	clk := clocktest.New(end.Add(time.Hour))
	w := pipeline.New(db, pipeline.Options{Now: clk.Now, Batch: 10})
	if st := pass(t, w); st.Conversations != 40 {
		t.Fatalf("evaluated %d, want 40", st.Conversations)
	}
	bad := items[0].Event
	raw := storetest.Raw(t, dsn)
	if _, err := raw.ExecContext(ctx, storetest.Rebind(`UPDATE events SET body = ? WHERE event_id = ?`),
		`{"id":"`+bad.ID+`","type":`, bad.ID); err != nil {
		t.Fatal(err)
	}
	// Without the record its first evaluation kept of its events (as when a
	// release keeps records another way), the recompute reads them again.
	if _, err := raw.ExecContext(ctx, `DELETE FROM conversation_records`); err != nil {
		t.Fatal(err)
	}
	s := ws.Settings
	s.TimeZone = "Asia/Taipei"
	if _, err := db.UpdateSettings(ctx, ws.ID, s); err != nil {
		t.Fatal(err)
	}
	if st := pass(t, w); st.SetAside != 1 {
		t.Errorf("the recompute set aside %d conversations, want 1", st.SetAside)
	}
	set, err := db.Rollups(ctx, ws.ID, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if set.Recompute != nil || set.Settings != nil {
		t.Fatalf("after the recompute: still recomputing, %+v of %+v", set.Recompute, set.Settings)
	}
	var conversations int64
	for _, c := range set.Cells {
		if c.Metric == parley.MetricConversations {
			conversations += c.Value
		}
	}
	if conversations != 39 {
		t.Errorf("the new numbers count %d conversations, want the 39 not set aside", conversations)
	}
}
