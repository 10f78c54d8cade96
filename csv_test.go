package parley_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
)

func TestSafeCell(t *testing.T) {
	for _, tt := range []struct {
		in, want string
	}{
		{"", ""},
		{"c1", "c1"},
		{"how do I get a refund", "how do I get a refund"},
		{"https://help.example/t/1", "https://help.example/t/1"},
		{"a=b", "a=b"}, // only the first character counts
		{`=HYPERLINK("http://evil.example","click") refund`, `'=HYPERLINK("http://evil.example","click") refund`},
		{"=cmd|calc", "'=cmd|calc"},
		{"+1+2", "'+1+2"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1"},
		{"'already text", "'already text"},
		{"退款要多久", "退款要多久"},
	} {
		if got := parley.SafeCell(tt.in); got != tt.want {
			t.Errorf("SafeCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestConversationRecordDefusesCallerText checks that every cell made of
// what a caller sent goes through the cell function, and that the record
// has one cell per column.
func TestConversationRecordDefusesCallerText(t *testing.T) {
	started := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	ttc := 90.5
	c := parley.Conversation{
		ConversationID: "=cmd|calc", Channel: "-chat", StartedAt: started,
		Outcome: parley.OutcomeHandedOff, HandoffInitiator: parley.InitiatorRep, HandoffReason: "-billing",
		TicketURL: "@evil", Reasons: []parley.UnresolvedReason{}, TimeToCloseSeconds: &ttc,
	}
	got := parley.ConversationRecord(c, parley.SafeCell)
	if len(got) != len(parley.ConversationColumns) {
		t.Fatalf("%d cells for %d columns", len(got), len(parley.ConversationColumns))
	}
	want := []string{"'=cmd|calc", "'-chat", "2026-11-20T09:00:00Z", "handed_off", "", "", "", "rep", "'-billing",
		"false", "false", "", "90.5", "'@evil"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("record (-want +got):\n%s", d)
	}
}
