package pipeline_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/clocktest"
	"github.com/parleyhq/parley/internal/ingest"
	"github.com/parleyhq/parley/internal/pipeline"
	"github.com/parleyhq/parley/internal/store/storetest"
)

// storedRows returns the rows of the conversations and gap signals of the
// database at dsn, as storetest.Snapshot writes them, but the generation
// (numbered per database): what any history of the same events evaluated
// at the same instant must leave.
func storedRows(t *testing.T, dsn string) []string {
	t.Helper()
	tables := storetest.Snapshot(t, dsn)
	generation := regexp.MustCompile(`\bgeneration=\d+ `)
	var out []string
	for _, row := range append(tables["conversations"], tables["gap_signals"]...) {
		out = append(out, generation.ReplaceAllString(row, ""))
	}
	return out
}

// onceRows evaluates items in one pass at now in a new database with
// settings s, and returns its storedRows.
func onceRows(t *testing.T, s parley.Settings, items []ingest.Item, now time.Time) []string {
	t.Helper()
	db, ws, dsn := newWorkspaceDSN(t, "acme")
	if _, err := db.UpdateSettings(context.Background(), ws.ID, s); err != nil {
		t.Fatal(err)
	}
	insert(t, db, ws, items)
	pass(t, pipeline.New(db, pipeline.Options{Now: func() time.Time { return now }}))
	return storedRows(t, dsn)
}

// TestUnchangedOutcomesAreOnlyStamped evaluates conversations, then
// evaluates them again three ways — a rebuild that changes nothing, a
// settings change that changes many outcomes, and the retry of a
// conversation set aside in a rebuild — and checks that each leaves
// exactly the rows a single evaluation of the same events with the same
// settings leaves, while the rebuild writes no more than the evaluation
// stamp of the conversations that came out as they were.
func TestUnchangedOutcomesAreOnlyStamped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ws, dsn := newWorkspaceDSN(t, "acme")
	items := generate(t, 120, 7, 5)
	insert(t, db, ws, items)
	raw := storetest.Raw(t, dsn)
	clk := clocktest.New(settled)
	w := pipeline.New(db, pipeline.Options{Now: clk.Now, Batch: 25})
	if st := pass(t, w); st.Conversations != 120 || st.Unchanged != 0 {
		t.Fatalf("first evaluation: %d conversations, %d unchanged; want 120 and 0", st.Conversations, st.Unchanged)
	}
	want := onceRows(t, ws.Settings, items, clk.Now())
	if diff := cmp.Diff(want, storedRows(t, dsn)); diff != "" {
		t.Fatalf("first evaluation (-once +here):\n%s", diff)
	}

	// A rebuild an hour later: every conversation is decided, so every
	// one comes out as it was and takes only the new evaluation time.
	clk.Add(time.Hour)
	st, err := w.Rebuild(ctx, ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Conversations != 120 || st.Unchanged != 120 {
		t.Errorf("rebuild: %d conversations, %d unchanged; want 120 and 120", st.Conversations, st.Unchanged)
	}
	if diff := cmp.Diff(onceRows(t, ws.Settings, items, clk.Now()), storedRows(t, dsn)); diff != "" {
		t.Errorf("after the rebuild (-once +here):\n%s", diff)
	}

	// Any agent reply resolves: many outcomes change, and are written.
	ws, err = db.WorkspaceByID(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	s := ws.Settings
	s.ResolutionCriterion = parley.CriterionAnyAgentReply
	if _, err := db.UpdateSettings(ctx, ws.ID, s); err != nil {
		t.Fatal(err)
	}
	st = pass(t, w)
	if st.Conversations != 120 || st.Unchanged == 0 || st.Unchanged == 120 {
		t.Errorf("settings change: %d conversations, %d unchanged; want 120, some but not all", st.Conversations, st.Unchanged)
	}
	// The retry below is evaluated at the same instant with the same
	// settings, so it must leave these rows too.
	want = onceRows(t, s, items, clk.Now())
	if diff := cmp.Diff(want, storedRows(t, dsn)); diff != "" {
		t.Errorf("after the settings change (-once +here):\n%s", diff)
	}

	// A conversation whose stored event turns unreadable is set aside by
	// a rebuild (its contributions leave the old generation); once the
	// event reads again, its retry comes out as it was before, and must
	// be written in full all the same.
	bad := items[0].Event
	var body string
	if err := raw.QueryRow(storetest.Rebind(`SELECT body FROM events WHERE event_id = ?`), bad.ID).Scan(&body); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(storetest.Rebind(`UPDATE events SET body = ? WHERE event_id = ?`), `{"id":"`+bad.ID+`","type":`, bad.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`DELETE FROM conversation_records`); err != nil {
		t.Fatal(err)
	}
	if st, err = w.Rebuild(ctx, ws, nil); err != nil {
		t.Fatal(err)
	}
	if st.SetAside != 1 {
		t.Fatalf("rebuild with an unreadable event set aside %d, want 1", st.SetAside)
	}
	if _, err := raw.Exec(storetest.Rebind(`UPDATE events SET body = ? WHERE event_id = ?`), body, bad.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RetrySetAside(ctx, ws.ID, nil); err != nil {
		t.Fatal(err)
	}
	if st = pass(t, w); st.Conversations != 1 {
		t.Errorf("retry evaluated %d conversations, want 1", st.Conversations)
	}
	if diff := cmp.Diff(want, storedRows(t, dsn)); diff != "" {
		t.Errorf("after the retry (-once +here):\n%s", diff)
	}
}
