package parley

import (
	"fmt"
	"slices"
	"time"
)

// SourceKind is the platform an inbound source receives from.
type SourceKind string

// The kinds of source.
const (
	// SourceChatwoot receives Chatwoot's webhooks, at a URL that carries
	// the source's token (webhook senders cannot set headers).
	SourceChatwoot SourceKind = "chatwoot"
	// SourceOTLP receives OpenTelemetry traces at /otlp/v1/traces, with
	// the source's token as a Bearer header.
	SourceOTLP SourceKind = "otlp"
)

// SourceKinds lists every kind of source.
var SourceKinds = []SourceKind{SourceChatwoot, SourceOTLP}

// InboundSource is one of a workspace's inbound integrations, a "source" on
// the Settings › Sources page and for `parley source`: a platform that
// sends what happens in conversations, in its own format, authenticated by
// a token of its own (stored as a hash, shown once) and, for Chatwoot, by
// the platform's signature when a signing secret is set. Its counts say
// what its deliveries did.
type InboundSource struct {
	ID          int64      `json:"id"`
	WorkspaceID int64      `json:"workspace_id"`
	Kind        SourceKind `json:"kind"`
	Name        string     `json:"name"`
	// Hint is the first characters of the token, to tell sources apart.
	Hint string `json:"hint"`
	// Signed reports that deliveries must carry the platform's signature
	// made with the source's signing secret. The secret itself is never
	// shown again.
	Signed    bool       `json:"signed"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	// LastDeliveryAt is when a delivery last stored its events.
	LastDeliveryAt *time.Time `json:"last_delivery_at,omitempty"`
	// Deliveries counts the accepted deliveries, Events the events they
	// stored and Duplicates those already stored; Ignored counts accepted
	// deliveries that said nothing Parley counts (contact_updated, a
	// typing indicator, spans of no conversation).
	Deliveries int64 `json:"deliveries"`
	Events     int64 `json:"events"`
	Duplicates int64 `json:"duplicates"`
	Ignored    int64 `json:"ignored"`
	// Rejected counts deliveries refused after they were authenticated
	// (a body that is not the platform's, events Parley cannot store),
	// and LastError says why the latest one was.
	Rejected    int64      `json:"rejected"`
	LastError   string     `json:"last_error,omitempty"`
	LastErrorAt *time.Time `json:"last_error_at,omitempty"`
}

// Live reports whether the source still accepts deliveries.
func (s InboundSource) Live() bool { return s.RevokedAt == nil }

// NewSource is what creating a source needs.
type NewSource struct {
	Kind SourceKind
	Name string
	// SigningSecret, if set, is the secret the platform signs its
	// deliveries with (Chatwoot shows it beside the webhook's URL).
	SigningSecret string
}

// MaxSigningSecret is the longest signing secret accepted.
const MaxSigningSecret = 500

// Validate checks the input, naming each bad field.
func (in NewSource) Validate() error {
	var problems []Problem
	if !slices.Contains(SourceKinds, in.Kind) {
		problems = append(problems, FieldProblem("kind", "must be chatwoot or otlp"))
	}
	if p, ok := CheckText("name", in.Name, 100); !ok {
		problems = append(problems, p)
	}
	if err := ValidSigningSecret(in.SigningSecret); err != nil {
		problems = append(problems, ProblemsOf(err)...)
	}
	if in.SigningSecret != "" && in.Kind == SourceOTLP {
		problems = append(problems, FieldProblem("signing_secret", "OpenTelemetry exporters do not sign; an otlp source is authenticated by its token alone"))
	}
	if len(problems) > 0 {
		return InvalidInput(problems)
	}
	return nil
}

// ValidSigningSecret checks a signing secret ("" is none): printable
// ASCII, as the platforms make them, at most MaxSigningSecret characters.
func ValidSigningSecret(secret string) error {
	bad := len(secret) > MaxSigningSecret
	for _, c := range []byte(secret) {
		bad = bad || c <= ' ' || c > '~'
	}
	if bad {
		return InvalidInput([]Problem{FieldProblem("signing_secret",
			fmt.Sprintf("must be at most %d printable characters without spaces", MaxSigningSecret))})
	}
	return nil
}

// Where sources send, under Parley's address.
const (
	// ChatwootHookPath, followed by the source's token, is a Chatwoot
	// source's webhook URL: the token authenticates the delivery, as
	// Chatwoot's webhooks carry no Authorization header.
	ChatwootHookPath = "/hooks/chatwoot/"
	// OTLPPath is an OpenTelemetry exporter's endpoint: it posts traces
	// to OTLPPath + "/v1/traces".
	OTLPPath = "/otlp"
)

// SourcePath is the path a source's platform sends to. A Chatwoot
// source's holds its token, which is known only when the source is made:
// with token "", it is "".
func SourcePath(kind SourceKind, token string) string {
	switch {
	case kind == SourceOTLP:
		return OTLPPath
	case token != "":
		return ChatwootHookPath + token
	}
	return ""
}
