package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley"
)

// Outbound webhooks (see migration 0010): subscriptions, and the queue of
// deliveries, which the change that causes a delivery writes in its own
// transaction — an outcome saved by an evaluation, a topic written by
// grouping — so that a change is never committed without its deliveries,
// nor a delivery queued for a change that was rolled back.

const webhookColumns = `id, url, events, description, paused, created_at, secret`

func scanWebhook(sc rowScanner) (parley.Webhook, error) {
	var (
		w      parley.Webhook
		events string
	)
	if err := sc.Scan(&w.ID, &w.URL, &events, &w.Description, &w.Paused, scanInstant(&w.CreatedAt), &w.Secret); err != nil {
		return w, err
	}
	w.Events = parley.ParseWebhookEvents(events)
	w.SecretHint = secretHint(w.Secret)
	return w, nil
}

// secretHint is the end of a secret, enough to tell two apart.
func secretHint(s string) string {
	if len(s) <= 4 {
		return ""
	}
	return "…" + s[len(s)-4:]
}

func joinEvents(es []parley.WebhookEvent) string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = string(e)
	}
	return strings.Join(s, ",")
}

// CreateWebhook stores a webhook whose input the caller validated, with
// its audit entry, in one transaction.
func (db *DB) CreateWebhook(ctx context.Context, workspaceID int64, url string, events []parley.WebhookEvent, description, secret string, audit parley.AuditEntry) (parley.Webhook, error) {
	d := db.dialect
	var w parley.Webhook
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		row := tx.QueryRowContext(ctx, d.rebind(`INSERT INTO webhooks (workspace_id, url, events, description, secret, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING `+webhookColumns),
			workspaceID, url, joinEvents(events), description, secret, d.instant(audit.At))
		var err error
		if w, err = scanWebhook(row); err != nil {
			return fmt.Errorf("store: create webhook: %w", err)
		}
		audit.Subject = fmt.Sprintf("webhook %d", w.ID)
		return db.insertAudit(ctx, tx, workspaceID, audit)
	})
	return w, err
}

// UpdateWebhook changes a webhook's URL, events, description and pause.
func (db *DB) UpdateWebhook(ctx context.Context, workspaceID, id int64, url string, events []parley.WebhookEvent, description string, paused bool, audit parley.AuditEntry) (parley.Webhook, error) {
	d := db.dialect
	var w parley.Webhook
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		row := tx.QueryRowContext(ctx, d.rebind(`UPDATE webhooks SET url = ?, events = ?, description = ?, paused = ?
			WHERE workspace_id = ? AND id = ? AND deleted_at IS NULL RETURNING `+webhookColumns),
			url, joinEvents(events), description, paused, workspaceID, id)
		var err error
		if w, err = scanWebhook(row); errors.Is(err, sql.ErrNoRows) {
			return parley.Errorf(parley.KindNotFound, "no webhook %d in this workspace", id)
		} else if err != nil {
			return fmt.Errorf("store: update webhook %d: %w", id, err)
		}
		audit.Subject = fmt.Sprintf("webhook %d", id)
		return db.insertAudit(ctx, tx, workspaceID, audit)
	})
	return w, err
}

// RotateWebhookSecret gives a webhook a new signing secret. Attempts made
// from then on, of deliveries queued before too, are signed with it.
func (db *DB) RotateWebhookSecret(ctx context.Context, workspaceID, id int64, secret string, audit parley.AuditEntry) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.dialect.rebind(`UPDATE webhooks SET secret = ?
			WHERE workspace_id = ? AND id = ? AND deleted_at IS NULL`), secret, workspaceID, id)
		if err != nil {
			return fmt.Errorf("store: rotate webhook secret: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return parley.Errorf(parley.KindNotFound, "no webhook %d in this workspace", id)
		}
		audit.Subject = fmt.Sprintf("webhook %d", id)
		return db.insertAudit(ctx, tx, workspaceID, audit)
	})
}

// DeleteWebhook removes a webhook; its pending deliveries fail with the
// reason, and its log stays readable until it is pruned.
func (db *DB) DeleteWebhook(ctx context.Context, workspaceID, id int64, audit parley.AuditEntry) error {
	d := db.dialect
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, d.rebind(`UPDATE webhooks SET deleted_at = ?
			WHERE workspace_id = ? AND id = ? AND deleted_at IS NULL`), d.instant(audit.At), workspaceID, id)
		if err != nil {
			return fmt.Errorf("store: delete webhook: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return parley.Errorf(parley.KindNotFound, "no webhook %d in this workspace", id)
		}
		if _, err := tx.ExecContext(ctx, d.rebind(`UPDATE webhook_deliveries
			SET state = 'failed', next_attempt_at = NULL, last_error = 'webhook deleted'
			WHERE workspace_id = ? AND webhook_id = ? AND state = 'pending'`), workspaceID, id); err != nil {
			return fmt.Errorf("store: delete webhook: %w", err)
		}
		audit.Subject = fmt.Sprintf("webhook %d", id)
		return db.insertAudit(ctx, tx, workspaceID, audit)
	})
}

// Webhooks lists a workspace's webhooks, oldest first, secrets included:
// callers show them only right after they are made.
func (db *DB) Webhooks(ctx context.Context, workspaceID int64) ([]parley.Webhook, error) {
	return db.webhooks(ctx, db.read, workspaceID)
}

func (db *DB) webhooks(ctx context.Context, q queryer, workspaceID int64) ([]parley.Webhook, error) {
	rows, err := q.QueryContext(ctx, db.dialect.rebind(`SELECT `+webhookColumns+` FROM webhooks
		WHERE workspace_id = ? AND deleted_at IS NULL ORDER BY id`), workspaceID)
	return collect(rows, err, "webhooks", scanWebhook)
}

// Webhook returns one webhook of the workspace.
func (db *DB) Webhook(ctx context.Context, workspaceID, id int64) (parley.Webhook, error) {
	w, err := scanWebhook(db.read.QueryRowContext(ctx, db.dialect.rebind(`SELECT `+webhookColumns+` FROM webhooks
		WHERE workspace_id = ? AND id = ? AND deleted_at IS NULL`), workspaceID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return w, parley.Errorf(parley.KindNotFound, "no webhook %d in this workspace", id)
	}
	if err != nil {
		return w, fmt.Errorf("store: webhook %d: %w", id, err)
	}
	return w, nil
}

// subscribers returns the live, unpaused webhooks of the workspace that
// subscribe to e, read through q (the transaction of the change).
func (db *DB) subscribers(ctx context.Context, q queryer, workspaceID int64, e parley.WebhookEvent) ([]parley.Webhook, error) {
	all, err := db.webhooks(ctx, q, workspaceID)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(w parley.Webhook) bool { return !w.Subscribes(e) }), nil
}

// Envelope is the body of every delivery, in the Standard Webhooks shape:
// the event type, when it happened, the workspace, and the event's data.
type Envelope struct {
	Type      parley.WebhookEvent `json:"type"`
	Timestamp time.Time           `json:"timestamp"`
	Workspace string              `json:"workspace"`
	Data      any                 `json:"data"`
}

// Message is one event to queue: its payload's data, and a key that makes
// queueing it again a no-op ("" when every queueing is a new event).
type Message struct {
	Data      any
	DedupeKey string
}

// queueColumns are written by enqueue, in this order.
const queueColumns = 9

// enqueue queues the messages for every webhook that subscribes to e,
// through q (the transaction of the change, or the writer). It returns
// how many deliveries it queued.
func (db *DB) enqueue(ctx context.Context, q queryer, workspaceID int64, e parley.WebhookEvent, hooks []parley.Webhook, msgs []Message, now time.Time) (int, error) {
	if len(hooks) == 0 || len(msgs) == 0 {
		return 0, nil
	}
	d := db.dialect
	var slug string
	if err := q.QueryRowContext(ctx, d.rebind(`SELECT slug FROM workspaces WHERE id = ?`), workspaceID).Scan(&slug); err != nil {
		return 0, fmt.Errorf("store: queue webhooks: %w", err)
	}
	type row struct {
		hook    int64
		key     any
		payload string
	}
	rows := make([]row, 0, len(hooks)*len(msgs))
	for _, m := range msgs {
		body, err := json.Marshal(Envelope{Type: e, Timestamp: now.UTC(), Workspace: slug, Data: m.Data})
		if err != nil {
			return 0, fmt.Errorf("store: queue webhooks: encode %s: %w", e, err)
		}
		var key any
		if m.DedupeKey != "" {
			key = m.DedupeKey
		}
		for _, h := range hooks {
			rows = append(rows, row{h.ID, key, string(body)})
		}
	}
	queued := 0
	args := make([]any, 0, saveChunk*queueColumns)
	for start := 0; start < len(rows); start += saveChunk {
		chunk := rows[start:min(start+saveChunk, len(rows))]
		args = args[:0]
		for _, r := range chunk {
			args = append(args, workspaceID, r.hook, newMessageID(), string(e), r.key, r.payload,
				d.instant(now), d.instant(now), d.instant(now.Add(parley.WebhookRetryFor)))
		}
		res, err := q.ExecContext(ctx, d.rebind(`INSERT INTO webhook_deliveries
			(workspace_id, webhook_id, message_id, event, dedupe_key, payload, created_at, next_attempt_at, give_up_at)
			VALUES `+placeholders(len(chunk), queueColumns)+`
			ON CONFLICT (workspace_id, webhook_id, dedupe_key) DO NOTHING`), args...)
		if err != nil {
			return queued, fmt.Errorf("store: queue webhooks: %w", err)
		}
		n, _ := res.RowsAffected()
		queued += int(n)
	}
	return queued, nil
}

// newMessageID makes a delivery's message id: "msg_" and 26 characters of
// base-32 randomness, which a receiver uses to recognise a retry.
func newMessageID() string {
	return "msg_" + strings.ToLower(rand.Text())
}

// Enqueue queues messages for every webhook that subscribes to e, in a
// transaction of its own: for events that are not part of another change
// (the weekly report, whose dedupe key makes queueing it idempotent).
func (db *DB) Enqueue(ctx context.Context, workspaceID int64, e parley.WebhookEvent, msgs []Message, now time.Time) (int, error) {
	n := 0
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		hooks, err := db.subscribers(ctx, tx, workspaceID, e)
		if err != nil {
			return err
		}
		n, err = db.enqueue(ctx, tx, workspaceID, e, hooks, msgs, now)
		return err
	})
	return n, err
}

// Queued reports whether every webhook that subscribes to e already has a
// delivery with the dedupe key, so that a caller can skip building a
// message it would not queue. It is true when no webhook subscribes.
func (db *DB) Queued(ctx context.Context, workspaceID int64, e parley.WebhookEvent, key string) (bool, error) {
	hooks, err := db.subscribers(ctx, db.read, workspaceID, e)
	if err != nil || len(hooks) == 0 {
		return true, err
	}
	var n int
	if err := db.read.QueryRowContext(ctx, db.dialect.rebind(`SELECT COUNT(*) FROM webhook_deliveries d
		JOIN webhooks w ON w.workspace_id = d.workspace_id AND w.id = d.webhook_id
		WHERE d.workspace_id = ? AND d.dedupe_key = ? AND w.deleted_at IS NULL AND w.paused = FALSE`), workspaceID, key).Scan(&n); err != nil {
		return false, fmt.Errorf("store: queued webhooks: %w", err)
	}
	return n >= len(hooks), nil
}

// PingWebhook queues a webhook.ping delivery for one webhook, whatever it
// subscribes to: the "send a test delivery" button.
func (db *DB) PingWebhook(ctx context.Context, workspaceID, webhookID int64, now time.Time) (parley.Delivery, error) {
	w, err := db.Webhook(ctx, workspaceID, webhookID)
	if err != nil {
		return parley.Delivery{}, err
	}
	var id int64
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := db.enqueue(ctx, tx, workspaceID, parley.WebhookPing, []parley.Webhook{w},
			[]Message{{Data: map[string]any{"webhook_id": w.ID, "url": w.URL}}}, now); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, db.dialect.rebind(`SELECT MAX(id) FROM webhook_deliveries
			WHERE workspace_id = ? AND webhook_id = ?`), workspaceID, w.ID).Scan(&id)
	})
	if err != nil {
		return parley.Delivery{}, err
	}
	d, _, err := db.Delivery(ctx, workspaceID, id)
	return d, err
}

// Claim is a delivery attempt a sender took: the delivery with the
// webhook's URL and secret as they are now.
type Claim struct {
	parley.Delivery
	URL, Secret string
}

// ClaimDeliveries takes up to limit deliveries of the workspace that are
// due at now, oldest due first, for an attempt each: their attempt count
// goes up by one and their next attempt moves to now+lease, so no other
// sender takes the same attempt, and one that dies leaves them due again
// once the lease has passed. On PostgreSQL rows another sender is claiming
// at the same moment are skipped; SQLite has one writer.
func (db *DB) ClaimDeliveries(ctx context.Context, workspaceID int64, now time.Time, lease time.Duration, limit int) ([]Claim, error) {
	d := db.dialect
	lock := ""
	if d == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var out []Claim
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, d.rebind(`UPDATE webhook_deliveries
			SET attempts = attempts + 1, next_attempt_at = ?
			WHERE workspace_id = ? AND id IN (
				SELECT id FROM webhook_deliveries
				WHERE workspace_id = ? AND state = 'pending' AND next_attempt_at <= ?
				  AND webhook_id IN (SELECT id FROM webhooks WHERE workspace_id = ? AND deleted_at IS NULL AND paused = FALSE)
				ORDER BY next_attempt_at, id LIMIT ?`+lock+`)
			RETURNING id, webhook_id, message_id, event, payload, attempts, created_at, give_up_at`),
			d.instant(now.Add(lease)), workspaceID, workspaceID, d.instant(now), workspaceID, limit)
		if err := eachRow(rows, err, "claim deliveries", func(r rowScanner) error {
			c := Claim{Delivery: parley.Delivery{State: parley.DeliveryPending}}
			if err := r.Scan(&c.ID, &c.WebhookID, &c.MessageID, (*string)(&c.Event), &c.Payload, &c.Attempts,
				scanInstant(&c.CreatedAt), scanInstant(&c.GiveUpAt)); err != nil {
				return err
			}
			out = append(out, c)
			return nil
		}); err != nil {
			return err
		}
		if len(out) == 0 {
			return nil
		}
		hooks, err := db.webhooks(ctx, tx, workspaceID)
		if err != nil {
			return err
		}
		for i := range out {
			for _, h := range hooks {
				if h.ID == out[i].WebhookID {
					out[i].URL, out[i].Secret = h.URL, h.Secret
				}
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b Claim) int { return int(a.ID - b.ID) })
	return out, err
}

// NextDeliveryDue returns when the earliest pending delivery of the
// workspace's active webhooks falls due: its next attempt, or the lapse of
// a claim on it (a claim moves next_attempt_at to the end of its lease), so
// that a sender can look again at that moment instead of at its next
// interval. It is zero when nothing is pending.
func (db *DB) NextDeliveryDue(ctx context.Context, workspaceID int64) (time.Time, error) {
	var t time.Time
	err := db.primary.QueryRowContext(ctx, db.dialect.rebind(`SELECT MIN(next_attempt_at) FROM webhook_deliveries
		WHERE workspace_id = ? AND state = 'pending'
		  AND webhook_id IN (SELECT id FROM webhooks WHERE workspace_id = ? AND deleted_at IS NULL AND paused = FALSE)`),
		workspaceID, workspaceID).Scan(scanInstant(&t))
	if err != nil {
		return t, fmt.Errorf("store: next delivery due: %w", err)
	}
	return t, nil
}

// AttemptResult is what one attempt got.
type AttemptResult struct {
	At       time.Time
	Status   int // 0: no answer
	Error    string
	Duration time.Duration
	Response string
}

// Succeeded reports whether the receiver took the delivery: any 2xx.
func (r AttemptResult) Succeeded() bool { return r.Status >= 200 && r.Status < 300 }

// maxAttemptText bounds the error and response text kept per attempt.
const maxAttemptText = 1000

// storableText cuts s to at most n bytes of valid UTF-8 without NUL, as
// a receiver's answer may be anything.
func storableText(s string, n int) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
	if len(s) <= n {
		return s
	}
	// Cutting may split the last character: ToValidUTF8 drops its part.
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// RecordAttempt writes an attempt's result to the log and decides what
// comes next: done on a 2xx; else another attempt on the backoff schedule
// (parley.NextAttempt), or failed once that would fall after the delivery's
// give-up time. The delivery changes only if its attempt count is still the
// claim's, so a sender whose lease ran out cannot undo a later attempt.
func (db *DB) RecordAttempt(ctx context.Context, workspaceID int64, c Claim, r AttemptResult) error {
	d := db.dialect
	r.Error, r.Response = storableText(r.Error, maxAttemptText), storableText(r.Response, maxAttemptText)
	state, next := parley.DeliverySucceeded, time.Time{}
	if !r.Succeeded() {
		var ok bool
		if next, ok = parley.NextAttempt(c.Attempts, r.At, c.GiveUpAt); ok {
			state = parley.DeliveryPending
		} else {
			state = parley.DeliveryFailed
		}
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO webhook_attempts
			(workspace_id, delivery_id, attempt, at, status, error, duration_ms, response)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (workspace_id, delivery_id, attempt) DO NOTHING`),
			workspaceID, c.ID, c.Attempts, d.instant(r.At), r.Status, r.Error, r.Duration.Milliseconds(), r.Response); err != nil {
			return fmt.Errorf("store: log delivery attempt: %w", err)
		}
		if _, err := tx.ExecContext(ctx, d.rebind(`UPDATE webhook_deliveries
			SET state = ?, next_attempt_at = ?, last_attempt_at = ?, last_status = ?, last_error = ?
			WHERE workspace_id = ? AND id = ? AND attempts = ? AND state = 'pending'`),
			string(state), d.nullInstant(next), d.instant(r.At), r.Status, r.Error, workspaceID, c.ID, c.Attempts); err != nil {
			return fmt.Errorf("store: record delivery attempt: %w", err)
		}
		return nil
	})
}

// DeliveryFilter selects deliveries for the log.
type DeliveryFilter struct {
	WebhookID int64 // 0: every webhook
	State     parley.DeliveryState
	Event     parley.WebhookEvent
	// Before is a delivery id: only older ones (the next page).
	Before int64
	Limit  int
}

// Validate checks the state and event a log is filtered by.
func (f DeliveryFilter) Validate() error {
	var problems []parley.Problem
	if f.State != "" && !slices.Contains(parley.DeliveryStates, f.State) {
		problems = append(problems, parley.FieldProblem("state", "must be pending, succeeded or failed"))
	}
	if f.Event != "" && f.Event != parley.WebhookPing && !slices.Contains(parley.WebhookEvents, f.Event) {
		problems = append(problems, parley.FieldProblem("event", "must be an event a webhook sends"))
	}
	if len(problems) > 0 {
		return parley.InvalidInput(problems)
	}
	return nil
}

const deliveryColumns = `id, webhook_id, message_id, event, state, attempts, created_at, next_attempt_at, give_up_at,
	last_attempt_at, last_status, last_error`

func scanDelivery(sc rowScanner, extra ...any) (parley.Delivery, error) {
	var (
		dl             parley.Delivery
		next, lastTime time.Time
	)
	err := sc.Scan(append([]any{&dl.ID, &dl.WebhookID, &dl.MessageID, (*string)(&dl.Event), (*string)(&dl.State), &dl.Attempts,
		scanInstant(&dl.CreatedAt), scanInstant(&next), scanInstant(&dl.GiveUpAt), scanInstant(&lastTime),
		&dl.LastStatus, &dl.LastError}, extra...)...)
	if !next.IsZero() && dl.State == parley.DeliveryPending {
		dl.NextAttemptAt = &next
	}
	if !lastTime.IsZero() {
		dl.LastAttemptAt = &lastTime
	}
	return dl, err
}

// Deliveries lists a workspace's deliveries, newest first.
func (db *DB) Deliveries(ctx context.Context, workspaceID int64, f DeliveryFilter) ([]parley.Delivery, error) {
	q := `SELECT ` + deliveryColumns + ` FROM webhook_deliveries WHERE workspace_id = ?`
	args := []any{workspaceID}
	if f.WebhookID != 0 {
		q += ` AND webhook_id = ?`
		args = append(args, f.WebhookID)
	}
	if f.State != "" {
		q += ` AND state = ?`
		args = append(args, string(f.State))
	}
	if f.Event != "" {
		q += ` AND event = ?`
		args = append(args, string(f.Event))
	}
	if f.Before > 0 {
		q += ` AND id < ?`
		args = append(args, f.Before)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	rows, err := db.read.QueryContext(ctx, db.dialect.rebind(q+` ORDER BY id DESC LIMIT ?`), append(args, f.Limit)...)
	return collect(rows, err, "deliveries", func(r rowScanner) (parley.Delivery, error) { return scanDelivery(r) })
}

// Delivery returns one delivery with its payload and every attempt.
func (db *DB) Delivery(ctx context.Context, workspaceID, id int64) (parley.Delivery, []parley.DeliveryAttempt, error) {
	d := db.dialect
	var payload string
	dl, err := scanDelivery(db.read.QueryRowContext(ctx, d.rebind(`SELECT `+deliveryColumns+`, payload FROM webhook_deliveries
		WHERE workspace_id = ? AND id = ?`), workspaceID, id), &payload)
	if errors.Is(err, sql.ErrNoRows) {
		return dl, nil, parley.Errorf(parley.KindNotFound, "no delivery %d in this workspace", id)
	}
	if err != nil {
		return dl, nil, fmt.Errorf("store: delivery %d: %w", id, err)
	}
	dl.Payload = payload
	rows, err := db.read.QueryContext(ctx, d.rebind(`SELECT attempt, at, status, error, duration_ms, response FROM webhook_attempts
		WHERE workspace_id = ? AND delivery_id = ? ORDER BY attempt`), workspaceID, id)
	attempts, err := collect(rows, err, fmt.Sprintf("delivery %d attempts", id), func(r rowScanner) (a parley.DeliveryAttempt, err error) {
		var ms int64
		err = r.Scan(&a.Attempt, scanInstant(&a.At), &a.Status, &a.Error, &ms, &a.Response)
		a.Duration = float64(ms) / 1000
		return a, err
	})
	return dl, attempts, err
}

// WebhookDelivery is Delivery for a delivery of one webhook: one of
// another webhook is not found.
func (db *DB) WebhookDelivery(ctx context.Context, workspaceID, webhookID, id int64) (parley.Delivery, []parley.DeliveryAttempt, error) {
	d, attempts, err := db.Delivery(ctx, workspaceID, id)
	if err == nil && d.WebhookID != webhookID {
		err = parley.Errorf(parley.KindNotFound, "no delivery %d of webhook %d", id, webhookID)
	}
	return d, attempts, err
}

// ReplayDelivery sends a delivery again: it is due at once, with the same
// message id and payload, and retried for another WebhookRetryFor.
func (db *DB) ReplayDelivery(ctx context.Context, workspaceID, id int64, audit parley.AuditEntry) error {
	d := db.dialect
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, d.rebind(`UPDATE webhook_deliveries
			SET state = 'pending', next_attempt_at = ?, give_up_at = ?
			WHERE workspace_id = ? AND id = ?
			  AND webhook_id IN (SELECT id FROM webhooks WHERE workspace_id = ? AND deleted_at IS NULL)`),
			d.instant(audit.At), d.instant(audit.At.Add(parley.WebhookRetryFor)), workspaceID, id, workspaceID)
		if err != nil {
			return fmt.Errorf("store: replay delivery %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return parley.Errorf(parley.KindNotFound, "no delivery %d of a live webhook in this workspace", id)
		}
		audit.Subject = fmt.Sprintf("delivery %d", id)
		return db.insertAudit(ctx, tx, workspaceID, audit)
	})
}

// PruneDeliveries removes the deliveries that ended (succeeded or failed)
// before cutoff, with their attempts, and returns how many it removed.
func (db *DB) PruneDeliveries(ctx context.Context, workspaceID int64, cutoff time.Time) (int64, error) {
	d := db.dialect
	var n int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		old := `SELECT id FROM webhook_deliveries WHERE workspace_id = ? AND state <> 'pending' AND last_attempt_at < ?`
		if _, err := tx.ExecContext(ctx, d.rebind(`DELETE FROM webhook_attempts WHERE workspace_id = ? AND delivery_id IN (`+old+`)`),
			workspaceID, workspaceID, d.instant(cutoff)); err != nil {
			return fmt.Errorf("store: prune delivery attempts: %w", err)
		}
		res, err := tx.ExecContext(ctx, d.rebind(`DELETE FROM webhook_deliveries
			WHERE workspace_id = ? AND state <> 'pending' AND last_attempt_at < ?`), workspaceID, d.instant(cutoff))
		if err != nil {
			return fmt.Errorf("store: prune deliveries: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// OutcomeDecided is the data of an outcome.decided delivery: the
// conversation's outcome as `parley conversations --format json` prints
// it, and the outcome it had before ("" if none was decided).
type OutcomeDecided struct {
	ConversationID    string                    `json:"conversation_id"`
	Channel           string                    `json:"channel"`
	StartedAt         time.Time                 `json:"started_at"`
	Outcome           parley.OutcomeKind        `json:"outcome"`
	Resolution        parley.Resolution         `json:"resolution"`
	Reasons           []parley.UnresolvedReason `json:"reasons"`
	DecidedAt         time.Time                 `json:"decided_at"`
	HandoffInitiator  parley.Initiator          `json:"handoff_initiator"`
	HandoffReason     string                    `json:"handoff_reason"`
	Reopened          bool                      `json:"reopened"`
	TicketURL         string                    `json:"ticket_url"`
	DefinitionVersion int                       `json:"definition_version"`
	Previous          parley.OutcomeKind        `json:"previous_outcome"`
}

// decided reports whether an outcome kind is a decision.
func decided(k parley.OutcomeKind) bool {
	return k == parley.OutcomeHandedOff || k == parley.OutcomeResolved || k == parley.OutcomeUnresolved
}

// queueDecided queues outcome.decided for each result whose outcome is
// decided and differs (in outcome, resolution or reasons) from the one
// stored: it runs in the evaluation's transaction before the results are
// written. A conversation evaluated again to the same decision, as every
// one is after a settings change, sends nothing.
func (ev *Evaluation) queueDecided(ctx context.Context, results []Result, now time.Time) error {
	hooks, err := ev.db.subscribers(ctx, ev.tx, ev.workspaceID, parley.WebhookOutcomeDecided)
	if err != nil || len(hooks) == 0 {
		return err
	}
	var ids []string
	for i := range results {
		o := &results[i].Outcome
		if ev.Holds(o.ConversationID) && !o.Test && decided(o.Kind) {
			ids = append(ids, o.ConversationID)
		}
	}
	type stored struct{ outcome, resolution, reasons string }
	before := make(map[string]stored, len(ids))
	d := ev.db.dialect
	if err := inChunks([]any{ev.workspaceID}, ids, claimChunk, func(in string, args []any) error {
		rows, err := ev.tx.QueryContext(ctx, d.rebind(`SELECT conversation_id, outcome, resolution, reasons FROM conversations
			WHERE workspace_id = ? AND conversation_id IN (`+in+`)`), args...)
		return eachRow(rows, err, "outcomes before", func(r rowScanner) error {
			var (
				id string
				s  stored
			)
			if err := r.Scan(&id, &s.outcome, &s.resolution, &s.reasons); err != nil {
				return err
			}
			before[id] = s
			return nil
		})
	}); err != nil {
		return err
	}
	var msgs []Message
	for i := range results {
		o := &results[i].Outcome
		s, ok := before[o.ConversationID]
		if !ok {
			continue
		}
		reasons := make([]string, len(o.Reasons))
		for i, r := range o.Reasons {
			reasons[i] = string(r)
		}
		if s.outcome == string(o.Kind) && s.resolution == string(o.Resolution) && s.reasons == strings.Join(reasons, ",") {
			continue
		}
		prev := parley.OutcomeKind(s.outcome)
		if !decided(prev) {
			prev = ""
		}
		msgs = append(msgs, Message{Data: OutcomeDecided{
			ConversationID: o.ConversationID, Channel: o.Channel, StartedAt: o.StartedAt, Outcome: o.Kind,
			Resolution: o.Resolution, Reasons: slices.Concat([]parley.UnresolvedReason{}, o.Reasons), DecidedAt: o.DecidedAt,
			HandoffInitiator: o.HandoffInitiator, HandoffReason: o.HandoffReason, Reopened: o.Reopened,
			TicketURL: o.TicketURL, DefinitionVersion: o.DefinitionVersion, Previous: prev,
		}})
	}
	_, err = ev.db.enqueue(ctx, ev.tx, ev.workspaceID, parley.WebhookOutcomeDecided, hooks, msgs, now)
	return err
}

// TopicEvent is the data of topic.created and topic.recurred deliveries:
// the topic and the questions that created it or came back to it (at most
// 50 of them; Questions counts them all).
type TopicEvent struct {
	Topic struct {
		ID            int64           `json:"id"`
		Label         string          `json:"label"`
		State         parley.GapState `json:"state"`
		ShortAnswerID *int64          `json:"short_answer_id"`
		Recurrences   int64           `json:"recurrences"`
	} `json:"topic"`
	Questions     int                  `json:"question_count"`
	QuestionsSeen []TopicEventQuestion `json:"questions"`
}

// TopicEventQuestion is one question of a topic event.
type TopicEventQuestion struct {
	EventID        string    `json:"event_id"`
	ConversationID string    `json:"conversation_id"`
	Question       string    `json:"question"`
	At             time.Time `json:"at"`
	Channel        string    `json:"channel"`
}

// maxTopicEventQuestions bounds the questions one topic event carries.
const maxTopicEventQuestions = 50

// queueTopicChange queues topic.created for a topic grouping just made and
// topic.recurred for questions that joined a resolved topic, in the
// grouping's transaction, after the change is written.
func (db *DB) queueTopicChange(ctx context.Context, tx *sql.Tx, workspaceID int64, c *TopicChange, created bool, now time.Time) error {
	var e parley.WebhookEvent
	switch {
	case created:
		e = parley.WebhookTopicCreated
	case c.Recurrences > 0:
		e = parley.WebhookTopicRecurred
	default:
		return nil
	}
	hooks, err := db.subscribers(ctx, tx, workspaceID, e)
	if err != nil || len(hooks) == 0 {
		return err
	}
	d := db.dialect
	var (
		te  TopicEvent
		sa  sql.NullInt64
		lbl string
	)
	if err := tx.QueryRowContext(ctx, d.rebind(`SELECT id, label, name, state, short_answer_id, recurrences FROM topics
		WHERE workspace_id = ? AND id = ?`), workspaceID, c.ID).Scan(&te.Topic.ID, &lbl, &te.Topic.Label, (*string)(&te.Topic.State), &sa, &te.Topic.Recurrences); err != nil {
		return fmt.Errorf("store: topic %d for webhooks: %w", c.ID, err)
	}
	if te.Topic.Label == "" {
		te.Topic.Label = lbl
	}
	if sa.Valid {
		te.Topic.ShortAnswerID = &sa.Int64
	}
	te.Questions = len(c.Questions)
	shown := c.Questions[:min(len(c.Questions), maxTopicEventQuestions)]
	te.QuestionsSeen = []TopicEventQuestion{}
	if len(shown) > 0 {
		args := []any{workspaceID}
		for _, id := range shown {
			args = append(args, id)
		}
		rows, err := tx.QueryContext(ctx, d.rebind(`SELECT event_id, conversation_id, question, occurred_at, channel FROM gap_signals
			WHERE workspace_id = ? AND event_id IN (`+list(len(shown))+`) ORDER BY occurred_at, event_id`), args...)
		if te.QuestionsSeen, err = collect(rows, err, fmt.Sprintf("topic %d questions for webhooks", c.ID), func(r rowScanner) (q TopicEventQuestion, err error) {
			return q, r.Scan(&q.EventID, &q.ConversationID, &q.Question, scanInstant(&q.At), &q.Channel)
		}); err != nil {
			return err
		}
	}
	_, err = db.enqueue(ctx, tx, workspaceID, e, hooks, []Message{{Data: te}}, now)
	return err
}
