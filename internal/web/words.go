package web

import (
	"strconv"
	"time"
)

// Slugs are the stable names of things in events, settings, CSV and JSON
// (customer_request, whatsapp, 72h). A person reads them as words: these
// give each its words in the page's language, and any slug without words
// of its own (a channel a caller made up) as it is.

// word returns the message for prefix+slug, or the slug when there is none.
func (l Lang) word(prefix, slug string) string {
	if _, ok := messages[prefix+slug]; !ok {
		return slug
	}
	return l.T(prefix + slug)
}

// Channel names a channel: the known ones in words, others as sent.
func (l Lang) Channel(slug string) string { return l.word("channel.", slug) }

// HandoffReason names the reason a handoff gave.
func (l Lang) HandoffReason(slug string) string { return l.word("handoff.", slug) }

// Hours writes a duration of whole or part hours: "72 hours", "72 小時".
func (l Lang) Hours(d time.Duration) string {
	h := strconv.FormatFloat(d.Hours(), 'f', -1, 64)
	if d == time.Hour {
		return l.T("unit.hour")
	}
	return l.T("unit.hours", h)
}
