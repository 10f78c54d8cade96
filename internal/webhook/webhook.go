// Package webhook sends the deliveries of outbound webhooks: it claims due
// deliveries from the queue the store keeps, posts each one signed to its
// webhook's URL, and records what the receiver answered, retrying on the
// schedule of parley.NextAttempt. Deliveries are queued by the changes that
// cause them, in their own transactions (see store), so a sender that is
// stopped or killed loses nothing: what it had claimed is due again once
// its claim's lease has passed.
//
// Several processes may run a Sender on one database: each attempt is
// claimed by one of them (store.ClaimDeliveries). Delivery is at least
// once — a process killed after the receiver answered and before the
// answer was recorded sends that message again — so receivers deduplicate
// by the webhook-id header, which is the same on every attempt.
package webhook

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"syscall"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/loop"
	"github.com/parleyhq/parley/internal/store"
)

// Headers of every delivery. The first three are those of the Standard
// Webhooks specification, which libraries in most languages verify.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
	HeaderEvent     = "parley-event"
	HeaderAttempt   = "parley-attempt"
	HeaderDelivery  = "parley-delivery"
)

// secretPrefix starts every secret, as the Standard Webhooks libraries
// expect; the rest is the base64 of the 32-byte HMAC key.
const secretPrefix = "whsec_"

// NewSecret makes a webhook's signing secret.
func NewSecret() (string, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("webhook: new secret: %w", err)
	}
	return secretPrefix + base64.StdEncoding.EncodeToString(key), nil
}

// Sign returns the webhook-signature header of a delivery: "v1," and the
// base64 of HMAC-SHA256, keyed by the secret's decoded key, of
// "{webhook-id}.{webhook-timestamp}.{body}".
func Sign(secret, id string, at time.Time, body []byte) (string, error) {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return "", fmt.Errorf("webhook: bad secret: %w", err)
	}
	return wh.Sign(id, at, body)
}

// Options configure a Sender. Zero values take the defaults.
type Options struct {
	// Now is the clock: it stamps attempts and schedules retries.
	Now func() time.Time
	// Policy says which addresses deliveries may connect to.
	Policy parley.WebhookPolicy
	// Timeout bounds one attempt, from connecting to the end of the
	// answer's first KiB.
	Timeout time.Duration
	// Concurrency is how many attempts run at once.
	Concurrency int
	// Interval is how often the queue is looked at when nothing wakes
	// the sender.
	Interval time.Duration
	// Keep is how long ended deliveries stay in the log.
	Keep   time.Duration
	Logger *slog.Logger
	// Transport, if set, replaces the guarded transport (tests of the
	// sender's own logic only).
	Transport http.RoundTripper
}

// Defaults of Options.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultConcurrency = 4
	DefaultInterval    = 5 * time.Second
	DefaultKeep        = 30 * 24 * time.Hour
	// claimBatch is how many deliveries of a workspace one claim takes.
	claimBatch = 32
	// maxResponse is how much of an answer is read and kept.
	maxResponse = 1024
)

// Sender delivers queued webhooks.
type Sender struct {
	db     *store.DB
	opt    Options
	client *http.Client
	loop   *loop.Loop
	// pruned is when ended deliveries were last pruned.
	pruned time.Time
}

// New returns a Sender over db.
func New(db *store.DB, opt Options) *Sender {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	if opt.Concurrency <= 0 {
		opt.Concurrency = DefaultConcurrency
	}
	if opt.Interval <= 0 {
		opt.Interval = DefaultInterval
	}
	if opt.Keep <= 0 {
		opt.Keep = DefaultKeep
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	rt := opt.Transport
	if rt == nil {
		rt = Transport(opt.Policy, opt.Timeout)
	}
	return &Sender{db: db, opt: opt, loop: loop.New(), client: &http.Client{
		Transport: rt,
		Timeout:   opt.Timeout,
		// A redirect is an answer, not a place to go: following it could
		// lead a delivery where the URL's check never looked.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// lease is how long a claimed attempt is kept from other senders: longer
// than the attempt can take and its result can be written.
func (s *Sender) lease() time.Duration { return 3 * s.opt.Timeout }

// ErrBlocked is returned by a dial the policy refuses.
var ErrBlocked = errors.New("address not allowed for webhooks")

// Transport returns the HTTP transport deliveries use: no proxy from the
// environment (a proxy would connect on the delivery's behalf, where the
// address check cannot see), and a dialer that checks every address it
// connects to against the policy, after the name was resolved, so that
// neither a literal address nor a name that resolves to an internal one
// reaches the server's own network by surprise.
func Transport(p parley.WebhookPolicy, timeout time.Duration) *http.Transport {
	d := &net.Dialer{
		Timeout: timeout,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", ErrBlocked, address)
			}
			if !p.Reachable(ap.Addr()) {
				return fmt.Errorf("%w: %s is on a private, loopback or link-local network (see --webhook-allow-net)", ErrBlocked, ap.Addr())
			}
			return nil
		},
	}
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
}

// Wake asks a running sender to look at the queue now. It never blocks.
func (s *Sender) Wake() { s.loop.Wake() }

// Run sends due deliveries until ctx ends: at once, after each Wake, when
// the next pending delivery falls due (a retry, or a claim that lapsed
// because the sender that took it stopped) and every Interval. Attempts in
// flight when ctx ends are cut short; their claims lapse and they are sent
// again later.
func (s *Sender) Run(ctx context.Context) error {
	// due wakes the loop when the next delivery falls due, if that is
	// sooner than the interval; the interval still finds what another
	// process queued without a Wake.
	due := time.AfterFunc(time.Hour, s.loop.Wake)
	due.Stop()
	defer due.Stop()
	s.loop.Run(ctx, s.opt.Interval, func(ctx context.Context) {
		_, next, err := s.once(ctx)
		if err != nil && ctx.Err() == nil {
			s.opt.Logger.Error("webhook deliveries failed", "err", err)
		}
		if d := next.Sub(s.opt.Now()); !next.IsZero() && d < s.opt.Interval {
			due.Reset(max(d, 0))
		}
	})
	return nil
}

// Once sends every delivery due now, workspace by workspace, and returns
// how many attempts it made.
func (s *Sender) Once(ctx context.Context) (int, error) {
	n, _, err := s.once(ctx)
	return n, err
}

// once is Once that also returns when the earliest delivery still pending
// falls due (zero when none is).
func (s *Sender) once(ctx context.Context) (int, time.Time, error) {
	var next time.Time
	workspaces, err := s.db.Workspaces(ctx)
	if err != nil {
		return 0, next, err
	}
	now := s.opt.Now()
	prune := now.Sub(s.pruned) > time.Hour
	total := 0
	for _, ws := range workspaces {
		if prune {
			if _, err := s.db.PruneDeliveries(ctx, ws.ID, now.Add(-s.opt.Keep)); err != nil {
				return total, next, err
			}
		}
		for ctx.Err() == nil {
			claims, err := s.db.ClaimDeliveries(ctx, ws.ID, s.opt.Now(), s.lease(), claimBatch)
			if err != nil {
				return total, next, err
			}
			if len(claims) == 0 {
				break
			}
			if err := s.send(ctx, ws.ID, claims); err != nil {
				return total, next, err
			}
			total += len(claims)
		}
		if ctx.Err() != nil {
			break
		}
		due, err := s.db.NextDeliveryDue(ctx, ws.ID)
		if err != nil {
			return total, next, err
		}
		if !due.IsZero() && (next.IsZero() || due.Before(next)) {
			next = due
		}
	}
	if prune {
		s.pruned = now
	}
	return total, next, ctx.Err()
}

// send makes one attempt of each claim, Concurrency at a time, and
// records the results.
func (s *Sender) send(ctx context.Context, workspaceID int64, claims []store.Claim) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		sem  = make(chan struct{}, s.opt.Concurrency)
	)
	for _, c := range claims {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			r := s.attempt(ctx, c)
			if ctx.Err() != nil {
				return // cut short by shutdown: the claim lapses
			}
			if err := s.db.RecordAttempt(context.WithoutCancel(ctx), workspaceID, c, r); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				return
			}
			s.opt.Logger.Info("webhook delivered", "delivery", c.ID, "webhook", c.WebhookID, "event", c.Event,
				"attempt", c.Attempts, "status", r.Status, "error", r.Error)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// attempt posts one delivery and says what came of it.
func (s *Sender) attempt(ctx context.Context, c store.Claim) store.AttemptResult {
	at := s.opt.Now()
	r := store.AttemptResult{At: at}
	body := []byte(c.Payload)
	sig, err := Sign(c.Secret, c.MessageID, at, body)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		r.Error = "bad URL: " + err.Error()
		return r
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "Parley-Webhooks/1")
	h.Set(HeaderID, c.MessageID)
	h.Set(HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
	h.Set(HeaderSignature, sig)
	h.Set(HeaderEvent, string(c.Event))
	h.Set(HeaderAttempt, strconv.Itoa(c.Attempts))
	h.Set(HeaderDelivery, strconv.FormatInt(c.ID, 10))
	start := time.Now()
	res, err := s.client.Do(req)
	if err != nil {
		r.Duration = time.Since(start)
		r.Error = describe(err)
		return r
	}
	defer res.Body.Close()
	excerpt, _ := io.ReadAll(io.LimitReader(res.Body, maxResponse))
	// Drain a little more so the connection can be used again.
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	r.Duration = time.Since(start)
	r.Status, r.Response = res.StatusCode, string(excerpt)
	if !r.Succeeded() {
		r.Error = fmt.Sprintf("HTTP %d", res.StatusCode)
	}
	return r
}

// describe turns a failed request into a short reason for the log.
func describe(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, ErrBlocked):
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Err != nil {
			return oe.Err.Error()
		}
		return ErrBlocked.Error()
	case errors.As(err, &ne) && ne.Timeout():
		return "timed out"
	}
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && ue.Unwrap() != nil {
		return ue.Unwrap().Error()
	}
	return err.Error()
}

// Create validates a new webhook against the policy, makes its secret and
// stores it with its audit entry: the one way the Settings page, the API
// and the command line create a webhook. The returned webhook carries its
// secret, to be shown once.
func Create(ctx context.Context, db *store.DB, workspaceID int64, p parley.WebhookPolicy, in parley.WebhookInput, actor string, now time.Time) (parley.Webhook, error) {
	u, events, err := in.Validate(p)
	if err != nil {
		return parley.Webhook{}, err
	}
	secret, err := NewSecret()
	if err != nil {
		return parley.Webhook{}, err
	}
	return db.CreateWebhook(ctx, workspaceID, u, events, in.Description, secret,
		parley.AuditEntry{Actor: actor, Action: "webhook.create", Detail: u + " " + eventList(events), At: now})
}

// Update validates and applies a change of a webhook's URL, events,
// description or pause.
func Update(ctx context.Context, db *store.DB, workspaceID, id int64, p parley.WebhookPolicy, in parley.WebhookInput, actor string, now time.Time) (parley.Webhook, error) {
	u, events, err := in.Validate(p)
	if err != nil {
		return parley.Webhook{}, err
	}
	detail := u + " " + eventList(events)
	if in.Paused {
		detail += " paused"
	}
	return db.UpdateWebhook(ctx, workspaceID, id, u, events, in.Description, in.Paused,
		parley.AuditEntry{Actor: actor, Action: "webhook.update", Detail: detail, At: now})
}

// RotateSecret gives a webhook a new secret and returns it, to be shown
// once.
func RotateSecret(ctx context.Context, db *store.DB, workspaceID, id int64, actor string, now time.Time) (string, error) {
	secret, err := NewSecret()
	if err != nil {
		return "", err
	}
	err = db.RotateWebhookSecret(ctx, workspaceID, id, secret, parley.AuditEntry{Actor: actor, Action: "webhook.rotate_secret", At: now})
	return secret, err
}

func eventList(es []parley.WebhookEvent) string {
	var b bytes.Buffer
	for i, e := range es {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(string(e))
	}
	return b.String()
}

// WithSecret is a webhook with its signing secret, as it is answered once:
// when it is created or its secret rotated.
type WithSecret struct {
	parley.Webhook
	Secret string `json:"secret"`
}
