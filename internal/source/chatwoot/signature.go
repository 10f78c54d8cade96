package chatwoot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley"
)

// The headers of a signed delivery. Chatwoot (lib/webhooks/trigger.rb, for
// a webhook, agent bot or API inbox that has a secret) sends the Unix time
// of the delivery, and the hex HMAC-SHA256, keyed by the secret, of that
// time, a dot and the raw body, after "sha256=". It also sends a delivery
// id, which Parley does not need: a delivery's events have ids of their own.
const (
	SignatureHeader = "X-Chatwoot-Signature"
	TimestampHeader = "X-Chatwoot-Timestamp"
	DeliveryHeader  = "X-Chatwoot-Delivery"
)

// MaxAge is how far a signed delivery's timestamp may lie from now, either
// way: a delivery captured and replayed later is refused.
const MaxAge = 5 * time.Minute

// Sign returns the signature Chatwoot sends for body at time ts, for tests
// and for tools that post as Chatwoot does.
func Sign(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(ts, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a delivery's signature and timestamp against secret. Any
// failure is an unauthorized-kind error naming the header at fault.
func Verify(secret, signature, timestamp string, body []byte, now time.Time) error {
	if signature == "" || timestamp == "" {
		return parley.Errorf(parley.KindUnauthorized, "%s and %s: required, as this source has a signing secret", SignatureHeader, TimestampHeader)
	}
	ts, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
	if err != nil {
		return parley.Errorf(parley.KindUnauthorized, "%s: must be a Unix time in seconds", TimestampHeader)
	}
	if age := now.Sub(time.Unix(ts, 0)); age > MaxAge || age < -MaxAge {
		return parley.Errorf(parley.KindUnauthorized, "%s: more than %s from now; the delivery may be a replay, or a clock is wrong", TimestampHeader, MaxAge)
	}
	want := Sign(secret, ts, body)
	if !hmac.Equal([]byte(strings.TrimSpace(signature)), []byte(want)) {
		return parley.Errorf(parley.KindUnauthorized, "%s: does not match the body; check the source's signing secret", SignatureHeader)
	}
	return nil
}
