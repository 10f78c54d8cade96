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
	if db.readOnly {
		return ws, parley.Errorf(parley.KindNotFound, "workspace %q not found, and a read-only server creates none: create it on the primary", slug)
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
const workspaceColumns = `w.id, w.slug, w.name, w.time_zone, w.week_start, w.window_seconds, w.counted_channels,
	w.resolution_criterion, w.failed_last_action, w.settings_version, w.generation`

// scanWorkspace reads workspaceColumns, then extra.
func scanWorkspace(row rowScanner, extra ...any) (parley.Workspace, error) {
	var (
		ws        parley.Workspace
		week      string
		window    int64
		channels  string
		criterion string
	)
	if err := row.Scan(append([]any{&ws.ID, &ws.Slug, &ws.Name, &ws.Settings.TimeZone, &week, &window, &channels,
		&criterion, &ws.Settings.FailedLastAction, &ws.SettingsVersion, &ws.Generation}, extra...)...); err != nil {
		return ws, err
	}
	ws.Settings.WeekStart = parley.WeekStart(week)
	ws.Settings.Window = time.Duration(window) * time.Second
	ws.Settings.ResolutionCriterion = parley.Criterion(criterion)
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
	ws, err := scanWorkspace(db.primary.QueryRowContext(ctx, db.dialect.rebind(
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
	rows, err := db.primary.QueryContext(ctx, `SELECT `+workspaceColumns+` FROM workspaces w ORDER BY w.id`)
	return collect(rows, err, "list workspaces", func(r rowScanner) (parley.Workspace, error) { return scanWorkspace(r) })
}

// SettingsChange is what a change of settings did; its JSON is the reply
// to PUT /api/v1/settings.
type SettingsChange struct {
	// VersionedSettings are the workspace's settings after the change.
	parley.VersionedSettings
	// Diff lists the settings changed, as KEY=VALUE (parley.Settings.Diff);
	// empty when the change changed nothing.
	Diff string `json:"changed"`
	// Recompute says the change has every conversation evaluated again
	// from the raw events; reports show the previous numbers, marked, until
	// that is done.
	Recompute bool `json:"recompute"`
}

// ChangeSettings is the one way a workspace's settings change, from the
// Settings page, the API and the command line alike. In one transaction it
// reads the current settings under a lock, lets change make the new ones
// (parley.Settings.Apply or ApplyText: its error, naming the field, is
// returned as is and nothing is written), validates and stores them with
// the next version number, and records the change in the audit log as
// actor (an empty actor records nothing: tests and seeding). When a
// setting the resolution rule reads changes (parley.Settings.Recomputes) —
// the time zone, the window or the resolution definition — a new
// generation of outcomes and rollups starts in the same transaction, which
// evaluation computes while reports go on showing the previous numbers; the
// week start and the counted channels only shape reports, which read them
// afresh. A change that changes nothing writes nothing.
func (db *DB) ChangeSettings(ctx context.Context, workspaceID int64, change func(parley.Settings) (parley.Settings, error), actor string, now time.Time) (SettingsChange, error) {
	var out SettingsChange
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		d := db.dialect
		// A no-op update takes the row lock first (SQLite's single writer
		// needs none), so that two changes of the same workspace apply one
		// after the other, each to what the other wrote.
		if _, err := tx.ExecContext(ctx, d.rebind(`UPDATE workspaces SET settings_version = settings_version WHERE id = ?`), workspaceID); err != nil {
			return fmt.Errorf("store: lock settings: %w", err)
		}
		cur, err := scanWorkspace(tx.QueryRowContext(ctx, d.rebind(`SELECT `+workspaceColumns+` FROM workspaces w WHERE w.id = ?`), workspaceID))
		if errors.Is(err, sql.ErrNoRows) {
			return parley.Errorf(parley.KindNotFound, "workspace %d not found", workspaceID)
		}
		if err != nil {
			return fmt.Errorf("store: read settings: %w", err)
		}
		next, err := change(cur.Settings)
		if err != nil {
			return err
		}
		if err := next.Validate(); err != nil {
			return err
		}
		out = SettingsChange{VersionedSettings: parley.VersionedSettings{Version: cur.SettingsVersion, Settings: next}, Diff: cur.Settings.Diff(next)}
		if out.Diff == "" {
			return nil
		}
		out.Version++
		channels, err := json.Marshal(next.CountedChannels)
		if err != nil {
			return fmt.Errorf("store: encode counted channels: %w", err)
		}
		if next.CountedChannels == nil {
			channels = []byte("[]")
		}
		if _, err := tx.ExecContext(ctx, d.rebind(`
			UPDATE workspaces SET time_zone = ?, week_start = ?, window_seconds = ?, counted_channels = ?,
				resolution_criterion = ?, failed_last_action = ?, settings_version = ?
			WHERE id = ?`), next.TimeZone, string(next.WeekStart), int64(next.Window/time.Second), string(channels),
			string(next.ResolutionCriterion), next.FailedLastAction, out.Version, workspaceID); err != nil {
			return fmt.Errorf("store: update settings: %w", err)
		}
		if actor != "" {
			if err := db.insertAudit(ctx, tx, workspaceID, parley.AuditEntry{Actor: actor, Action: "settings.update", Subject: cur.Slug,
				Detail: fmt.Sprintf("version %d: %s", out.Version, out.Diff), At: now,
				Old: next.Diff(cur.Settings), New: out.Diff}); err != nil {
				return err
			}
		}
		if out.Recompute = next.Recomputes(cur.Settings); !out.Recompute {
			return nil
		}
		return db.startGeneration(ctx, tx, workspaceID, parley.VersionedSettings{Version: cur.SettingsVersion, Settings: cur.Settings})
	})
	return out, err
}

// UpdateSettings replaces a workspace's settings whole, with no audit
// entry: ChangeSettings for tests and seeding. It says whether outcomes are
// recomputed.
func (db *DB) UpdateSettings(ctx context.Context, workspaceID int64, s parley.Settings) (recompute bool, err error) {
	c, err := db.ChangeSettings(ctx, workspaceID, func(parley.Settings) (parley.Settings, error) { return s, nil }, "", time.Time{})
	return c.Recompute, err
}

// workspaceInTx reads a workspace by id inside tx, locking its row on
// PostgreSQL until tx ends. The lock is FOR NO KEY UPDATE, as an UPDATE
// of the row takes: FOR UPDATE would also hold back every insert that
// checks its foreign key to the workspace, such as an evaluation's rollups.
func (db *DB) workspaceInTx(ctx context.Context, tx *sql.Tx, workspaceID int64) (parley.Workspace, error) {
	lock := ""
	if db.dialect == Postgres {
		lock = " FOR NO KEY UPDATE"
	}
	ws, err := scanWorkspace(tx.QueryRowContext(ctx, db.dialect.rebind(`SELECT `+workspaceColumns+` FROM workspaces w WHERE w.id = ?`+lock), workspaceID))
	if errors.Is(err, sql.ErrNoRows) {
		return ws, parley.Errorf(parley.KindNotFound, "workspace %d not found", workspaceID)
	}
	if err != nil {
		return ws, fmt.Errorf("store: read settings: %w", err)
	}
	return ws, nil
}
