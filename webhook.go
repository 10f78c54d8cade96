package parley

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"
)

// WebhookEvent is a kind of change that an outbound webhook can subscribe to.
type WebhookEvent string

// The events Parley sends.
const (
	// WebhookOutcomeDecided: a conversation's outcome became decided
	// (handed_off, resolved or unresolved), or a decided outcome changed
	// (a late event, or a new resolution definition, decided it again).
	WebhookOutcomeDecided WebhookEvent = "outcome.decided"
	// WebhookTopicCreated: grouping started a new knowledge-gap topic.
	WebhookTopicCreated WebhookEvent = "topic.created"
	// WebhookTopicRecurred: questions joined a resolved topic, reopening it.
	WebhookTopicRecurred WebhookEvent = "topic.recurred"
	// WebhookReportWeekly: the last complete week's Impact numbers, sent
	// once that week's outcomes are all decided.
	WebhookReportWeekly WebhookEvent = "report.weekly"
	// WebhookPing is sent by "send a test delivery"; no subscription is
	// needed for it.
	WebhookPing WebhookEvent = "webhook.ping"
)

// WebhookEvents lists the events a webhook may subscribe to.
var WebhookEvents = []WebhookEvent{WebhookOutcomeDecided, WebhookTopicCreated, WebhookTopicRecurred, WebhookReportWeekly}

// Webhook is an outbound subscription: Parley posts each subscribed event
// to URL, signed with Secret (see SignWebhook in internal/webhook).
type Webhook struct {
	ID          int64          `json:"id"`
	URL         string         `json:"url"`
	Events      []WebhookEvent `json:"events"`
	Description string         `json:"description"`
	// Paused webhooks queue nothing new; deliveries already queued wait.
	Paused    bool      `json:"paused"`
	CreatedAt time.Time `json:"created_at"`
	// Secret signs every delivery. It is shown once, when the webhook is
	// created or its secret rotated, and is never in a listing.
	Secret string `json:"-"`
	// SecretHint is the secret's last characters, to tell secrets apart.
	SecretHint string `json:"secret_hint"`
}

// Subscribes reports whether the webhook wants events of kind e.
func (w Webhook) Subscribes(e WebhookEvent) bool {
	return !w.Paused && slices.Contains(w.Events, e)
}

// DeliveryState is where a delivery stands.
type DeliveryState string

// The states of a delivery.
const (
	// DeliveryPending: waiting for its next attempt (or being attempted).
	DeliveryPending DeliveryState = "pending"
	// DeliverySucceeded: the receiver answered 2xx.
	DeliverySucceeded DeliveryState = "succeeded"
	// DeliveryFailed: every attempt for WebhookRetryFor failed; a replay
	// tries again.
	DeliveryFailed DeliveryState = "failed"
)

// DeliveryStates lists them.
var DeliveryStates = []DeliveryState{DeliveryPending, DeliverySucceeded, DeliveryFailed}

// Delivery is one event queued for one webhook, with where its attempts
// stand. Its MessageID is the same on every attempt and replay, so a
// receiver can tell a retry from a new event.
type Delivery struct {
	ID        int64         `json:"id"`
	WebhookID int64         `json:"webhook_id"`
	MessageID string        `json:"message_id"`
	Event     WebhookEvent  `json:"event"`
	State     DeliveryState `json:"state"`
	Attempts  int           `json:"attempts"`
	CreatedAt time.Time     `json:"created_at"`
	// NextAttemptAt is when the next attempt is due, while pending.
	NextAttemptAt *time.Time `json:"next_attempt_at"`
	// GiveUpAt is when retries stop: WebhookRetryFor after the delivery
	// was queued (or replayed).
	GiveUpAt      time.Time  `json:"give_up_at"`
	LastAttemptAt *time.Time `json:"last_attempt_at"`
	// LastStatus is the HTTP status of the last attempt; 0 when it got no
	// answer (refused, timed out), and then LastError says why.
	LastStatus int    `json:"last_status"`
	LastError  string `json:"last_error"`
	// Payload is the exact body sent, as JSON text.
	Payload string `json:"payload,omitempty"`
}

// DeliveryAttempt is one try of a delivery: the delivery log.
type DeliveryAttempt struct {
	Attempt  int       `json:"attempt"`
	At       time.Time `json:"at"`
	Status   int       `json:"status"`
	Error    string    `json:"error"`
	Duration float64   `json:"duration_seconds"`
	// Response is the start of the receiver's answer, for debugging.
	Response string `json:"response"`
}

// WebhookRetryFor is how long a delivery is retried before it fails.
const WebhookRetryFor = 24 * time.Hour

// Backoff bounds: the first retry comes WebhookFirstRetry after the first
// attempt, each later one twice as long after the one before, at most
// WebhookMaxRetryDelay apart.
const (
	WebhookFirstRetry    = 30 * time.Second
	WebhookMaxRetryDelay = 2 * time.Hour
)

// NextAttempt returns when a delivery whose attempt number n (from 1) has
// just failed at now is tried again, and false when it is not, because that
// time falls after giveUpAt. The delays double from WebhookFirstRetry up
// to WebhookMaxRetryDelay: 30 s, 1 min, 2, 4, 8, 16, 32 min, 1 h 4 min, then
// every 2 h, about 19 attempts in 24 h.
func NextAttempt(n int, now, giveUpAt time.Time) (time.Time, bool) {
	d := WebhookFirstRetry
	for i := 1; i < n && d < WebhookMaxRetryDelay; i++ {
		d *= 2
	}
	d = min(d, WebhookMaxRetryDelay)
	next := now.Add(d)
	if next.After(giveUpAt) {
		return time.Time{}, false
	}
	return next, true
}

// WebhookInput is what an admin gives to create or change a webhook.
type WebhookInput struct {
	URL         string         `json:"url"`
	Events      []WebhookEvent `json:"events"`
	Description string         `json:"description,omitempty"`
	Paused      bool           `json:"paused,omitempty"`
}

// Limits of a webhook's fields.
const (
	maxWebhookURL         = 2000
	maxWebhookDescription = 200
)

// Validate checks the input against the server's policy, returning the URL
// in the form it is stored in and the events deduplicated in WebhookEvents
// order. Problems name the fields "url", "events" and "description".
func (in WebhookInput) Validate(p WebhookPolicy) (string, []WebhookEvent, error) {
	var problems []Problem
	u, err := p.CheckURL(in.URL)
	if err != nil {
		problems = append(problems, FieldProblem("url", err.Error()))
	}
	var events []WebhookEvent
	for _, e := range in.Events {
		if !slices.Contains(WebhookEvents, e) {
			problems = append(problems, FieldProblem("events", fmt.Sprintf("%q is not an event; want %s", e, join(WebhookEvents))))
		}
	}
	for _, e := range WebhookEvents {
		if slices.Contains(in.Events, e) {
			events = append(events, e)
		}
	}
	if len(in.Events) == 0 {
		problems = append(problems, FieldProblem("events", "subscribe to at least one of "+join(WebhookEvents)))
	}
	if p, ok := CheckStorable("description", in.Description); !ok {
		problems = append(problems, p)
	} else if len([]rune(in.Description)) > maxWebhookDescription {
		problems = append(problems, FieldProblem("description", fmt.Sprintf("at most %d characters", maxWebhookDescription)))
	}
	if len(problems) > 0 {
		return "", nil, InvalidInput(problems)
	}
	return u, events, nil
}

// ParseWebhookEvents reads a comma-separated list of events, as forms and
// the command line give them.
func ParseWebhookEvents(s string) []WebhookEvent {
	var out []WebhookEvent
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, WebhookEvent(f))
		}
	}
	return out
}

// WebhookPolicy says which addresses deliveries may reach: public ones
// (PublicAddr), and those in Allow, the networks a server's operator
// opened on purpose (--webhook-allow-net), such as a receiver on the same
// private network. The rule is applied to each address a delivery
// connects to, after its name is resolved, so a name that resolves to an
// internal address is refused too.
type WebhookPolicy struct {
	Allow []netip.Prefix
}

// Reachable reports whether a delivery may connect to a.
func (p WebhookPolicy) Reachable(a netip.Addr) bool {
	a = a.Unmap()
	if PublicAddr(a) {
		return true
	}
	for _, n := range p.Allow {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// ParseNetworks reads a comma-separated list of CIDR prefixes or single
// addresses ("127.0.0.1", "10.0.0.0/8", "::1").
func ParseNetworks(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if a, err := netip.ParseAddr(f); err == nil {
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not an address or a network (CIDR)", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// CheckURL is the rule for where a webhook may point: an absolute http or
// https URL with a host, no user name or password (deliveries are signed
// instead), no fragment, at most 2,000 characters. A host written as an
// IP address, or named localhost, must be Reachable; other names are
// checked when they are resolved, at each delivery.
func (p WebhookPolicy) CheckURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if msg := unstorable(raw); msg != "" {
		return "", fmt.Errorf("%s", msg)
	}
	if raw == "" {
		return "", fmt.Errorf("is required")
	}
	if len(raw) > maxWebhookURL {
		return "", fmt.Errorf("at most %d characters", maxWebhookURL)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("is not a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("must be an http or https URL")
	case u.Host == "" || u.Hostname() == "":
		return "", fmt.Errorf("must name a host")
	case u.User != nil:
		return "", fmt.Errorf("must not carry a user name or password; deliveries are signed instead")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "", fmt.Errorf("must not have a fragment (#…)")
	}
	if p := u.Port(); p != "" {
		if n, err := net.LookupPort("tcp", p); err != nil || n == 0 {
			return "", fmt.Errorf("port %q is not a port", p)
		}
	}
	host := strings.ToLower(u.Hostname())
	a, err := netip.ParseAddr(host)
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		a, err = netip.IPv6Loopback(), nil
		if !p.Reachable(a) {
			a = netip.AddrFrom4([4]byte{127, 0, 0, 1})
		}
	}
	if err == nil && !p.Reachable(a) {
		return "", fmt.Errorf("%s is on a private, loopback or link-local network, which webhooks may not reach unless the server allows it (--webhook-allow-net)", u.Hostname())
	}
	return u.String(), nil
}

// PublicAddr reports whether a is an address a webhook may reach without
// the server's leave: a unicast address on the public internet. Loopback,
// private (10/8, 172.16/12, 192.168/16, fc00::/7), shared (100.64/10),
// link-local (169.254/16, where clouds serve instance metadata, and
// fe80::/10), unspecified, multicast, benchmarking and documentation
// ranges are not, nor are IPv4 addresses written as IPv6.
func PublicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsUnspecified() || a.IsMulticast() ||
		a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// nonPublic are the special ranges netip has no predicate for.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("2001:db8::/32"),
}
