package parley

import (
	"strconv"
	"strings"
	"time"
)

// SafeCell returns s so that a spreadsheet shows it as text instead of
// running it. Spreadsheets read a cell that starts with = + - or @ as a
// formula, and some skip a leading tab or carriage return before looking,
// so an id or a question a visitor typed, such as
// =HYPERLINK("http://evil.example","click"), would act in the spreadsheet
// of whoever opens a CSV export. A leading apostrophe makes the cell text;
// every CSV cell that holds text from callers or visitors goes through here.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// ConversationColumns name the cells of ConversationRecord, as the CSV
// header of a conversation list.
var ConversationColumns = []string{"conversation_id", "channel", "started_at", "outcome", "resolution", "reasons",
	"decided_at", "handoff_initiator", "handoff_reason", "reopened", "test", "closed_at", "time_to_close_seconds", "ticket_url"}

// ConversationRecord is c as the cells of ConversationColumns, so that the
// CSV export, the command line's CSV and its table never disagree. Every
// cell goes through cell, which makes it safe for where it is written:
// SafeCell for a spreadsheet, quoting of control characters for a
// terminal.
func ConversationRecord(c Conversation, cell func(string) string) []string {
	when := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	reasons := make([]string, len(c.Reasons))
	for i, r := range c.Reasons {
		reasons[i] = string(r)
	}
	ttc := ""
	if c.TimeToCloseSeconds != nil {
		ttc = strconv.FormatFloat(*c.TimeToCloseSeconds, 'f', -1, 64)
	}
	rec := []string{c.ConversationID, c.Channel, c.StartedAt.UTC().Format(time.RFC3339), string(c.Outcome),
		string(c.Resolution), strings.Join(reasons, " "), when(c.DecidedAt), string(c.HandoffInitiator), c.HandoffReason,
		strconv.FormatBool(c.Reopened), strconv.FormatBool(c.Test), when(c.ClosedAt), ttc, c.TicketURL}
	for i, v := range rec {
		rec[i] = cell(v)
	}
	return rec
}
