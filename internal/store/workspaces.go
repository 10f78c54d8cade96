package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/parleyhq/parley"
)

// slugPattern is the shape of a workspace slug: it appears in URLs and
// command lines, so it stays short and plain.
var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// ValidSlug reports whether s can name a workspace.
func ValidSlug(s string) bool { return slugPattern.MatchString(s) }

// EnsureWorkspace returns the workspace with the given slug, creating it with
// default settings if it does not exist yet ("created on first use").
func (db *DB) EnsureWorkspace(ctx context.Context, slug string, now time.Time) (parley.Workspace, error) {
	if !ValidSlug(slug) {
		return parley.Workspace{}, parley.Errorf(parley.KindInvalid,
			"workspace: %q is not a valid slug (lowercase letters, digits, '-' and '_', at most 40)", slug)
	}
	ws, err := db.Workspace(ctx, slug)
	if parley.KindOf(err) != parley.KindNotFound {
		return ws, err
	}
	def := parley.DefaultSettings()
	_, err = db.write.ExecContext(ctx, db.dialect.rebind(`
		INSERT INTO workspaces (slug, name, time_zone, week_start, window_seconds, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (slug) DO NOTHING`),
		slug, slug, def.TimeZone, string(def.WeekStart), int64(def.Window/time.Second), db.dialect.instant(now))
	if err != nil {
		return parley.Workspace{}, fmt.Errorf("store: create workspace %s: %w", slug, err)
	}
	return db.Workspace(ctx, slug)
}

// workspaceColumns are what scanWorkspace reads, from workspaces aliased w.
const workspaceColumns = `w.id, w.slug, w.name, w.time_zone, w.week_start, w.window_seconds, w.counted_channels`

// scanWorkspace reads workspaceColumns, then extra.
func scanWorkspace(row interface{ Scan(...any) error }, extra ...any) (parley.Workspace, error) {
	var (
		ws       parley.Workspace
		week     string
		window   int64
		channels string
	)
	if err := row.Scan(append([]any{&ws.ID, &ws.Slug, &ws.Name, &ws.Settings.TimeZone, &week, &window, &channels}, extra...)...); err != nil {
		return ws, err
	}
	ws.Settings.WeekStart = parley.WeekStart(week)
	ws.Settings.Window = time.Duration(window) * time.Second
	if err := json.Unmarshal([]byte(channels), &ws.Settings.CountedChannels); err != nil {
		return ws, fmt.Errorf("counted_channels: %w", err)
	}
	if len(ws.Settings.CountedChannels) == 0 {
		ws.Settings.CountedChannels = nil // "every channel", as in DefaultSettings
	}
	return ws, nil
}

// Workspace returns the workspace with the given slug.
func (db *DB) Workspace(ctx context.Context, slug string) (parley.Workspace, error) {
	ws, err := scanWorkspace(db.read.QueryRowContext(ctx, db.dialect.rebind(
		`SELECT `+workspaceColumns+` FROM workspaces w WHERE w.slug = ?`), slug))
	if errors.Is(err, sql.ErrNoRows) {
		return ws, parley.Errorf(parley.KindNotFound, "workspace %q not found", slug)
	}
	if err != nil {
		return ws, fmt.Errorf("store: workspace %s: %w", slug, err)
	}
	return ws, nil
}

// Workspaces lists every workspace, by id.
func (db *DB) Workspaces(ctx context.Context) ([]parley.Workspace, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+workspaceColumns+` FROM workspaces w ORDER BY w.id`)
	if err != nil {
		return nil, fmt.Errorf("store: list workspaces: %w", err)
	}
	defer rows.Close()
	var out []parley.Workspace
	for rows.Next() {
		ws, err := scanWorkspace(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list workspaces: %w", err)
		}
		out = append(out, ws)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list workspaces: %w", err)
	}
	return out, nil
}

// UpdateSettings validates and stores a workspace's settings. When the time
// zone or the window changes, every outcome and rollup depends on it, so
// they are reset in the same transaction and recomputed by evaluation; the
// result says whether that happened. The week start and counted channels
// only shape reports, which read them afresh.
func (db *DB) UpdateSettings(ctx context.Context, workspaceID int64, s parley.Settings) (recompute bool, err error) {
	if err := s.Validate(); err != nil {
		return false, err
	}
	channels, err := json.Marshal(s.CountedChannels)
	if err != nil {
		return false, fmt.Errorf("store: encode counted channels: %w", err)
	}
	if s.CountedChannels == nil {
		channels = []byte("[]")
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		var (
			zone   string
			window int64
		)
		if err := tx.QueryRowContext(ctx, db.dialect.rebind(
			`SELECT time_zone, window_seconds FROM workspaces WHERE id = ?`), workspaceID).Scan(&zone, &window); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return parley.Errorf(parley.KindNotFound, "workspace %d not found", workspaceID)
			}
			return fmt.Errorf("store: read settings: %w", err)
		}
		if _, err := tx.ExecContext(ctx, db.dialect.rebind(`
			UPDATE workspaces SET time_zone = ?, week_start = ?, window_seconds = ?, counted_channels = ?
			WHERE id = ?`), s.TimeZone, string(s.WeekStart), int64(s.Window/time.Second), string(channels), workspaceID); err != nil {
			return fmt.Errorf("store: update settings: %w", err)
		}
		recompute = zone != s.TimeZone || time.Duration(window)*time.Second != s.Window
		if !recompute {
			return nil
		}
		return db.resetOutcomes(ctx, tx, workspaceID)
	})
	return recompute, err
}
