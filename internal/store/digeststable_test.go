package store

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
)

// TestDigestStable: the digest of a result is what the rows already stored
// hold for it, whatever the size of its contributions and gap signals; a
// release that changed it would have every row written in full once more
// (see digestFormat). The values are those the code that wrote digests of
// format 1 gave.
func TestDigestStable(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 2, 9, 30, 0, 123456789, time.UTC)
	result := func(lines int, question string) *Result {
		encoded := strings.TrimSuffix(strings.Repeat("2026-03-02|chat|resolved||1\n", lines), "\n")
		r := &Result{LastSeq: 7, day: "2026-03-02", encoded: encoded, Outcome: parley.Outcome{
			ConversationID: "c-1", StartedAt: at, Channel: "chat", Kind: parley.OutcomeResolved,
			Resolution: parley.ResolutionAssumed, DecidedAt: at.Add(time.Hour), DefinitionVersion: 1,
		}}
		r.signals = []gapRow{{"c-1", "chat", parley.GapSignal{EventID: "e-1", Kind: "unanswered", At: at, Question: question}, "2026-03-02"}}
		return r
	}
	for _, tt := range []struct {
		name string
		r    *Result
		want string
	}{
		{"small", result(1, "where?"), "5669b46a57cd4b083f603b2444f85842"},
		{"contributions past a kilobyte", result(100, "where?"), "947eb916b7508510411fff6e001d4f2b"},
		{"a long question", result(3, strings.Repeat("where is my parcel ", 200)), "73eb7413d2653ee84803d27dc1e68487"},
	} {
		if got := hex.EncodeToString(digestOf(tt.r)); got != tt.want {
			t.Errorf("%s: digest %s, want %s", tt.name, got, tt.want)
		}
	}
}
