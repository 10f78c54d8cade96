package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/ingest"
)

// CreateSource stores a new inbound source, found later by the hash of its
// token. The input is validated here, so that every caller gets the same
// answer.
func (db *DB) CreateSource(ctx context.Context, workspaceID int64, in parley.NewSource, tokenHash, hint string, now time.Time) (parley.InboundSource, error) {
	s := parley.InboundSource{WorkspaceID: workspaceID, Kind: in.Kind, Name: in.Name, Hint: hint,
		Signed: in.SigningSecret != "", CreatedAt: now.UTC()}
	if err := in.Validate(); err != nil {
		return s, err
	}
	d := db.dialect
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := addTokenWorkspace(ctx, d, tx, tokenHash, workspaceID); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, d.rebind(`INSERT INTO sources (workspace_id, kind, name, token_hash, hint, signing_secret, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			workspaceID, string(in.Kind), in.Name, tokenHash, hint, in.SigningSecret, d.instant(now)).Scan(&s.ID)
	})
	if err != nil {
		return s, fmt.Errorf("store: create source: %w", err)
	}
	return s, nil
}

const sourceColumns = `id, workspace_id, kind, name, hint, signing_secret <> '', created_at, revoked_at, last_delivery_at,
	deliveries, events, duplicates, ignored, rejected, last_error, last_error_at`

func scanSource(s rowScanner, extra ...any) (parley.InboundSource, error) {
	var src parley.InboundSource
	err := s.Scan(append([]any{&src.ID, &src.WorkspaceID, &src.Kind, &src.Name, &src.Hint, &src.Signed,
		scanInstant(&src.CreatedAt), nullTime{&src.RevokedAt}, nullTime{&src.LastDeliveryAt},
		&src.Deliveries, &src.Events, &src.Duplicates, &src.Ignored, &src.Rejected, &src.LastError, nullTime{&src.LastErrorAt}}, extra...)...)
	return src, err
}

// Sources lists a workspace's sources, revoked ones included, newest first.
func (db *DB) Sources(ctx context.Context, workspaceID int64) ([]parley.InboundSource, error) {
	rows, err := db.read.QueryContext(ctx, db.dialect.rebind(`SELECT `+sourceColumns+` FROM sources
		WHERE workspace_id = ? ORDER BY id DESC`), workspaceID)
	return collect(rows, err, "sources", func(r rowScanner) (parley.InboundSource, error) { return scanSource(r) })
}

// Source returns one source of a workspace.
func (db *DB) Source(ctx context.Context, workspaceID, id int64) (parley.InboundSource, error) {
	s, err := scanSource(db.read.QueryRowContext(ctx, db.dialect.rebind(`SELECT `+sourceColumns+` FROM sources
		WHERE workspace_id = ? AND id = ?`), workspaceID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return s, parley.Errorf(parley.KindNotFound, "no source %d in this workspace", id)
	}
	if err != nil {
		return s, fmt.Errorf("store: source: %w", err)
	}
	return s, nil
}

// SourceByToken returns the source whose token has this hash, with its
// signing secret ("" for none), for authenticating a delivery. A revoked
// source is returned too, so that the caller can tell it from an unknown
// token; it must refuse both.
func (db *DB) SourceByToken(ctx context.Context, tokenHash string) (parley.InboundSource, string, error) {
	var (
		secret string
		s      parley.InboundSource
	)
	workspaceID, err := tokenWorkspace(ctx, db.dialect, db.read, tokenHash)
	if err == nil {
		s, err = scanSource(db.read.QueryRowContext(ctx, db.dialect.rebind(`SELECT `+sourceColumns+`, signing_secret
		FROM sources WHERE workspace_id = ? AND token_hash = ?`), workspaceID, tokenHash), &secret)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return s, "", parley.Errorf(parley.KindUnauthorized, "unknown source token")
	}
	if err != nil {
		return s, "", fmt.Errorf("store: source by token: %w", err)
	}
	return s, secret, nil
}

// RevokeSource stops a source from accepting deliveries. It stays listed,
// with its counts.
func (db *DB) RevokeSource(ctx context.Context, workspaceID, id int64, now time.Time) error {
	return db.revoke(ctx, "sources", "source", workspaceID, id, now)
}

// SetSourceSecret sets (or, with "", removes) a live source's signing
// secret.
func (db *DB) SetSourceSecret(ctx context.Context, workspaceID, id int64, secret string) (parley.InboundSource, error) {
	s, err := db.Source(ctx, workspaceID, id)
	if err != nil {
		return s, err
	}
	if !s.Live() {
		return s, parley.Errorf(parley.KindNotFound, "no live source %d in this workspace", id)
	}
	if err := parley.ValidSigningSecret(secret); err != nil {
		return s, err
	}
	if secret != "" && s.Kind == parley.SourceOTLP {
		return s, parley.NewSource{Kind: s.Kind, Name: s.Name, SigningSecret: secret}.Validate()
	}
	if _, err := db.write.ExecContext(ctx, db.dialect.rebind(`UPDATE sources SET signing_secret = ?
		WHERE workspace_id = ? AND id = ?`), secret, workspaceID, id); err != nil {
		return s, fmt.Errorf("store: set signing secret: %w", err)
	}
	s.Signed = secret != ""
	return s, nil
}

// Delivery is what one authenticated delivery of a source brought.
type Delivery struct {
	Source int64
	Batch  ingest.Batch
	// Ignored reports a delivery that said nothing Parley counts.
	Ignored bool
	At      time.Time
}

// InsertDelivery stores a delivery's events, as InsertEvents does, and
// counts it on its source in the same transaction.
func (db *DB) InsertDelivery(ctx context.Context, workspaceID int64, dl Delivery) (InsertResult, error) {
	w, err := db.BeginEvents(ctx, workspaceID)
	if err != nil {
		return InsertResult{}, err
	}
	if err := w.Insert(ctx, dl.Batch); err != nil {
		w.Rollback()
		return InsertResult{}, err
	}
	ignored := 0
	if dl.Ignored {
		ignored = 1
	}
	d := db.dialect
	if _, err := w.tx.ExecContext(ctx, d.rebind(`UPDATE sources SET last_delivery_at = ?, deliveries = deliveries + 1,
		events = events + ?, duplicates = duplicates + ?, ignored = ignored + ? WHERE workspace_id = ? AND id = ?`),
		d.instant(dl.At), w.res.Accepted, w.res.Duplicates, ignored, workspaceID, dl.Source); err != nil {
		w.Rollback()
		return InsertResult{}, fmt.Errorf("store: count delivery: %w", err)
	}
	return w.Commit()
}

// RejectDelivery counts an authenticated delivery that was refused, and why.
func (db *DB) RejectDelivery(ctx context.Context, workspaceID, sourceID int64, reason string, now time.Time) error {
	d := db.dialect
	if _, err := db.write.ExecContext(ctx, d.rebind(`UPDATE sources SET rejected = rejected + 1, last_error = ?, last_error_at = ?
		WHERE workspace_id = ? AND id = ?`), reason, d.instant(now), workspaceID, sourceID); err != nil {
		return fmt.Errorf("store: count rejected delivery: %w", err)
	}
	return nil
}

// EventTimes returns the times the events with these ids were stored
// with, for those that are stored.
func (db *DB) EventTimes(ctx context.Context, workspaceID int64, ids []string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	if err := inChunks([]any{workspaceID}, ids, insertChunk, func(in string, args []any) error {
		rows, err := db.read.QueryContext(ctx, db.dialect.rebind(
			`SELECT body FROM events WHERE workspace_id = ? AND event_id IN (`+in+`)`), args...)
		return eachRow(rows, err, "event times", func(r rowScanner) error {
			var body []byte
			if err := r.Scan(&body); err != nil {
				return err
			}
			// The time as the body has it, to the nanosecond and in its
			// zone, so that an event given it encodes to the same body.
			var e struct {
				ID         string    `json:"id"`
				OccurredAt time.Time `json:"occurred_at"`
			}
			if err := jsonv2.Unmarshal(body, &e); err != nil {
				return fmt.Errorf("stored body: %w", err)
			}
			out[e.ID] = e.OccurredAt
			return nil
		})
	}); err != nil {
		return nil, err
	}
	return out, nil
}
