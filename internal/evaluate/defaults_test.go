package evaluate_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/evaluate"
	"github.com/parleyhq/parley/internal/synth"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestDefaultsKeepOutcomes: under the default settings the rule decides the
// synthetic data set exactly as it did before the resolution definition
// became a setting. testdata/synth-outcomes.golden was written by the rule
// of that time; -update rewrites it, which only a deliberate change of the
// rule (and of parley.DefinitionVersion) may do.
func TestDefaultsKeepOutcomes(t *testing.T) {
	t.Parallel()
	end := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	g := synth.New(synth.Options{Conversations: 800, Days: 21, End: end, Seed: 17})
	var b strings.Builder
	var events []parley.Event
	for i := range 800 {
		events = g.Conversation(i, events[:0])
		for j := range events {
			events[j].Seq = int64(j + 1)
		}
		// As of the stream's end, so that the last days are still pending.
		o := evaluate.Outcome(events, parley.DefaultSettings(), end)
		fmt.Fprintf(&b, "%s %s %s %v %s %s %s %v", o.ConversationID, o.Kind, o.Resolution, o.Reasons,
			o.DecidedAt.Format(time.RFC3339), o.HandoffInitiator, o.HandoffReason, o.Reopened)
		for _, c := range o.Explanation {
			fmt.Fprintf(&b, " %s=%v%v", c.Criterion, c.Passed, c.EventIDs)
		}
		b.WriteByte('\n')
	}
	path := filepath.Join("testdata", "synth-outcomes.golden")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("outcomes under the default settings changed (-before +now):\n%s", diff)
	}
}
