package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/parleyhq/parley"
)

// CountUsers counts the people who can sign in; none means first run.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := db.primary.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count users: %w", err)
	}
	return n, nil
}

// AddMember adds a person to a workspace with a role. A new email creates
// the user with the password hash given; a known email keeps its password
// and only gains (or changes) its role in the workspace, so it is held to
// the same rule as SetRole: the workspace's last admin cannot lose the role.
func (db *DB) AddMember(ctx context.Context, workspaceID int64, email, name, passwordHash string, role parley.Role, now time.Time) (parley.Member, error) {
	m := parley.Member{Role: role}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		d := db.dialect
		err := tx.QueryRowContext(ctx, d.rebind(`SELECT id, email, name, created_at FROM users WHERE email = ?`), email).
			Scan(&m.ID, &m.Email, &m.Name, scanInstant(&m.CreatedAt))
		if errors.Is(err, sql.ErrNoRows) {
			m.Email, m.Name, m.CreatedAt = email, name, now.UTC()
			err = tx.QueryRowContext(ctx, d.rebind(`INSERT INTO users (email, name, password_hash, created_at)
				VALUES (?, ?, ?, ?) RETURNING id`), email, name, passwordHash, d.instant(now)).Scan(&m.ID)
		}
		if err != nil {
			return fmt.Errorf("store: add member %s: %w", email, err)
		}
		return db.keepAdmin(ctx, tx, workspaceID, m.ID, func() error {
			if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO memberships (workspace_id, user_id, role) VALUES (?, ?, ?)
				ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = excluded.role`), workspaceID, m.ID, string(role)); err != nil {
				return fmt.Errorf("store: add member %s: %w", email, err)
			}
			return nil
		})
	})
	return m, err
}

// ErrNotFirstRun refuses a first-run setup once someone can sign in.
var ErrNotFirstRun = parley.Errorf(parley.KindForbidden, "this Parley already has an admin; sign in instead")

// CreateFirstAdmin creates the first person, an admin of the workspace,
// and records it in the audit log, in one transaction that does so only
// while nobody can sign in: of any number of first-run setups sent at
// once, one makes the admin and the others get ErrNotFirstRun. On
// PostgreSQL the users table is locked against other writers for the
// transaction, so that the count and the insert are one step; SQLite's
// write transactions already run one at a time.
func (db *DB) CreateFirstAdmin(ctx context.Context, workspaceID int64, email, name, passwordHash string, now time.Time) (parley.Member, error) {
	m := parley.Member{User: parley.User{Email: email, Name: name, CreatedAt: now.UTC()}, Role: parley.RoleAdmin}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		d := db.dialect
		if d == Postgres {
			if _, err := tx.ExecContext(ctx, `LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE`); err != nil {
				return fmt.Errorf("store: lock users: %w", err)
			}
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
			return fmt.Errorf("store: count users: %w", err)
		}
		if n > 0 {
			return ErrNotFirstRun
		}
		if err := tx.QueryRowContext(ctx, d.rebind(`INSERT INTO users (email, name, password_hash, created_at)
			VALUES (?, ?, ?, ?) RETURNING id`), email, name, passwordHash, d.instant(now)).Scan(&m.ID); err != nil {
			return fmt.Errorf("store: first admin: %w", err)
		}
		if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO memberships (workspace_id, user_id, role) VALUES (?, ?, ?)`),
			workspaceID, m.ID, string(parley.RoleAdmin)); err != nil {
			return fmt.Errorf("store: first admin: %w", err)
		}
		if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO audit_log (workspace_id, actor, action, subject, detail, at)
			VALUES (?, ?, ?, ?, ?, ?)`), workspaceID, email, "user.add", email, "first admin", d.instant(now)); err != nil {
			return fmt.Errorf("store: first admin: %w", err)
		}
		return nil
	})
	return m, err
}

// SetRole changes a member's role.
func (db *DB) SetRole(ctx context.Context, workspaceID, userID int64, role parley.Role) error {
	return db.changeMember(ctx, workspaceID, userID, `UPDATE memberships SET role = ? WHERE workspace_id = ? AND user_id = ?`, string(role))
}

// RemoveMember takes a person out of a workspace; they keep their account.
func (db *DB) RemoveMember(ctx context.Context, workspaceID, userID int64) error {
	return db.changeMember(ctx, workspaceID, userID, `DELETE FROM memberships WHERE workspace_id = ? AND user_id = ?`)
}

// changeMember runs a change to one existing membership under keepAdmin.
func (db *DB) changeMember(ctx context.Context, workspaceID, userID int64, q string, args ...any) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		return db.keepAdmin(ctx, tx, workspaceID, userID, func() error {
			res, err := tx.ExecContext(ctx, db.dialect.rebind(q), append(args, workspaceID, userID)...)
			if err != nil {
				return fmt.Errorf("store: change member %d: %w", userID, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return parley.Errorf(parley.KindNotFound, "no member %d in this workspace", userID)
			}
			return nil
		})
	})
}

// ErrLastAdmin is the error of a change that would leave a workspace with
// nobody able to manage its settings, people and tokens.
var ErrLastAdmin = parley.Errorf(parley.KindConflict, "a workspace needs at least one admin: make someone else an admin first")

// keepAdmin runs write, a change to userID's membership of the workspace
// inside tx, and refuses it with ErrLastAdmin when it takes the admin role
// from the workspace's last admin. Every path that changes a membership
// goes through here, so the rule holds for the web, the API and the CLI
// alike. A workspace that never had an admin (one made by the CLI) may
// still gain viewers and editors. On PostgreSQL the workspace row is locked
// first, so that two admins demoting each other at once run one after the
// other and the second sees the first's change; SQLite's write
// transactions already run one at a time.
func (db *DB) keepAdmin(ctx context.Context, tx *sql.Tx, workspaceID, userID int64, write func() error) error {
	d := db.dialect
	if d == Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT id FROM workspaces WHERE id = $1 FOR UPDATE`, workspaceID); err != nil {
			return fmt.Errorf("store: lock workspace %d: %w", workspaceID, err)
		}
	}
	var was string
	err := tx.QueryRowContext(ctx, d.rebind(`SELECT role FROM memberships WHERE workspace_id = ? AND user_id = ?`),
		workspaceID, userID).Scan(&was)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: role of member %d: %w", userID, err)
	}
	if err := write(); err != nil {
		return err
	}
	if parley.Role(was) != parley.RoleAdmin {
		return nil
	}
	var admins int
	if err := tx.QueryRowContext(ctx, d.rebind(`SELECT COUNT(*) FROM memberships WHERE workspace_id = ? AND role = ?`),
		workspaceID, string(parley.RoleAdmin)).Scan(&admins); err != nil {
		return fmt.Errorf("store: count admins: %w", err)
	}
	if admins == 0 {
		return ErrLastAdmin
	}
	return nil
}

// Members lists a workspace's people by email.
func (db *DB) Members(ctx context.Context, workspaceID int64) ([]parley.Member, error) {
	rows, err := db.primary.QueryContext(ctx, db.dialect.rebind(`SELECT u.id, u.email, u.name, u.created_at, m.role
		FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.workspace_id = ? ORDER BY u.email`), workspaceID)
	return collect(rows, err, "members", func(r rowScanner) (m parley.Member, err error) {
		err = r.Scan(&m.ID, &m.Email, &m.Name, scanInstant(&m.CreatedAt), (*string)(&m.Role))
		return m, err
	})
}

// Memberships lists the workspaces a user belongs to, by slug.
func (db *DB) Memberships(ctx context.Context, userID int64) ([]parley.Membership, error) {
	rows, err := db.primary.QueryContext(ctx, db.dialect.rebind(`SELECT `+workspaceColumns+`, m.role FROM memberships m
		JOIN workspaces w ON w.id = m.workspace_id WHERE m.user_id = ? ORDER BY w.slug`), userID)
	return collect(rows, err, "memberships", func(r rowScanner) (m parley.Membership, err error) {
		m.Workspace, err = scanWorkspace(r, (*string)(&m.Role))
		return m, err
	})
}

// Credentials returns a user and their password hash by email.
func (db *DB) Credentials(ctx context.Context, email string) (parley.User, string, error) {
	var (
		u    parley.User
		hash string
	)
	err := db.primary.QueryRowContext(ctx, db.dialect.rebind(`SELECT id, email, name, created_at, password_hash FROM users WHERE email = ?`),
		strings.ToLower(strings.TrimSpace(email))).Scan(&u.ID, &u.Email, &u.Name, scanInstant(&u.CreatedAt), &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return u, "", parley.Errorf(parley.KindNotFound, "no user %q", email)
	}
	if err != nil {
		return u, "", fmt.Errorf("store: user %s: %w", email, err)
	}
	return u, hash, nil
}

// SetPassword replaces a user's password hash and ends their sessions.
func (db *DB) SetPassword(ctx context.Context, userID int64, passwordHash string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		d := db.dialect
		res, err := tx.ExecContext(ctx, d.rebind(`UPDATE users SET password_hash = ? WHERE id = ?`), passwordHash, userID)
		if err != nil {
			return fmt.Errorf("store: set password: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return parley.Errorf(parley.KindNotFound, "no user %d", userID)
		}
		if _, err := tx.ExecContext(ctx, d.rebind(`DELETE FROM sessions WHERE user_id = ?`), userID); err != nil {
			return fmt.Errorf("store: end sessions: %w", err)
		}
		return nil
	})
}

// CreateSession stores a session by the hash of its cookie value.
func (db *DB) CreateSession(ctx context.Context, idHash string, userID int64, now, expires time.Time) error {
	d := db.dialect
	// Expired sessions are cleared as new ones start, so the table holds
	// only live ones without a janitor.
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, d.rebind(`DELETE FROM sessions WHERE expires_at < ?`), d.instant(now)); err != nil {
			return fmt.Errorf("store: clear sessions: %w", err)
		}
		if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`),
			idHash, userID, d.instant(now), d.instant(expires)); err != nil {
			return fmt.Errorf("store: create session: %w", err)
		}
		return nil
	})
}

// SessionUser returns the user of a live session.
func (db *DB) SessionUser(ctx context.Context, idHash string, now time.Time) (parley.User, error) {
	var u parley.User
	err := db.primary.QueryRowContext(ctx, db.dialect.rebind(`SELECT u.id, u.email, u.name, u.created_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ? AND s.expires_at > ?`),
		idHash, db.dialect.instant(now)).Scan(&u.ID, &u.Email, &u.Name, scanInstant(&u.CreatedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return u, parley.Errorf(parley.KindUnauthorized, "not signed in")
	}
	if err != nil {
		return u, fmt.Errorf("store: session: %w", err)
	}
	return u, nil
}

// DeleteSession ends a session.
func (db *DB) DeleteSession(ctx context.Context, idHash string) error {
	if _, err := db.write.ExecContext(ctx, db.dialect.rebind(`DELETE FROM sessions WHERE id_hash = ?`), idHash); err != nil {
		return fmt.Errorf("store: end session: %w", err)
	}
	return nil
}

// CreateToken stores an API token by the hash of its secret.
func (db *DB) CreateToken(ctx context.Context, workspaceID int64, name, hash, hint string, scopes []parley.Scope, now time.Time) (parley.Token, error) {
	t := parley.Token{WorkspaceID: workspaceID, Name: name, Hint: hint, Scopes: scopes, CreatedAt: now.UTC()}
	if p, ok := parley.CheckText("name", name, 100); !ok {
		return t, parley.InvalidInput([]parley.Problem{p})
	}
	d := db.dialect
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := addTokenWorkspace(ctx, d, tx, hash, workspaceID); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, d.rebind(`INSERT INTO api_tokens (workspace_id, name, hash, hint, scopes, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`), workspaceID, name, hash, hint, parley.FormatScopes(scopes), d.instant(now)).Scan(&t.ID)
	})
	if err != nil {
		return t, fmt.Errorf("store: create token: %w", err)
	}
	return t, nil
}

// addTokenWorkspace records which workspace the token with this hash (an
// API token's or a source's) belongs to, in the transaction that creates it.
func addTokenWorkspace(ctx context.Context, d Dialect, tx *sql.Tx, hash string, workspaceID int64) error {
	if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO token_workspaces (hash, workspace_id) VALUES (?, ?)`), hash, workspaceID); err != nil {
		return fmt.Errorf("store: token workspace: %w", err)
	}
	return nil
}

// tokenWorkspace returns the workspace of the token with this hash, or
// sql.ErrNoRows. A token is looked up before anyone knows its workspace;
// asking token_workspaces first lets the token's own row be read from its
// workspace alone, which on Citus is one shard instead of all of them.
func tokenWorkspace(ctx context.Context, d Dialect, q queryer, hash string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, d.rebind(`SELECT workspace_id FROM token_workspaces WHERE hash = ?`), hash).Scan(&id)
	return id, err
}

const tokenColumns = `id, workspace_id, name, hint, scopes, created_at, last_used_at, revoked_at`

func scanToken(s rowScanner) (parley.Token, error) {
	var (
		t      parley.Token
		scopes string
	)
	err := s.Scan(&t.ID, &t.WorkspaceID, &t.Name, &t.Hint, &scopes, scanInstant(&t.CreatedAt), nullTime{&t.LastUsedAt}, nullTime{&t.RevokedAt})
	for sc := range strings.SplitSeq(scopes, ",") {
		if sc != "" {
			t.Scopes = append(t.Scopes, parley.Scope(sc))
		}
	}
	return t, err
}

// tokenTouchEvery is how stale a token's last-used time may get: writing it
// on every request would put a write behind every read.
const tokenTouchEvery = time.Minute

// UseToken returns the live token with this hash and notes that it was used.
func (db *DB) UseToken(ctx context.Context, hash string, now time.Time) (parley.Token, error) {
	var t parley.Token
	workspaceID, err := tokenWorkspace(ctx, db.dialect, db.primary, hash)
	if err == nil {
		t, err = scanToken(db.primary.QueryRowContext(ctx, db.dialect.rebind(`SELECT `+tokenColumns+`
		FROM api_tokens WHERE workspace_id = ? AND hash = ? AND revoked_at IS NULL`), workspaceID, hash))
	}
	if errors.Is(err, sql.ErrNoRows) {
		return t, parley.Errorf(parley.KindUnauthorized, "unknown or revoked token")
	}
	if err != nil {
		return t, fmt.Errorf("store: token: %w", err)
	}
	// A standby cannot write: its tokens' last use is noted by the
	// processes on the primary only.
	if !db.standby && (t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= tokenTouchEvery) {
		d := db.dialect
		if _, err := db.write.ExecContext(ctx, d.rebind(`UPDATE api_tokens SET last_used_at = ? WHERE workspace_id = ? AND id = ?`), d.instant(now), t.WorkspaceID, t.ID); err != nil {
			return t, fmt.Errorf("store: token last used: %w", err)
		}
		u := now.UTC()
		t.LastUsedAt = &u
	}
	return t, nil
}

// Tokens lists a workspace's tokens, revoked ones included, newest first.
func (db *DB) Tokens(ctx context.Context, workspaceID int64) ([]parley.Token, error) {
	rows, err := db.primary.QueryContext(ctx, db.dialect.rebind(`SELECT `+tokenColumns+` FROM api_tokens
		WHERE workspace_id = ? ORDER BY id DESC`), workspaceID)
	return collect(rows, err, "tokens", scanToken)
}

// RevokeToken stops a token from working.
func (db *DB) RevokeToken(ctx context.Context, workspaceID, id int64, now time.Time) error {
	return db.revoke(ctx, "api_tokens", "token", workspaceID, id, now)
}

// revoke marks the live row id of table (api_tokens, sources: rows with a
// revoked_at) revoked at now; what names it in errors. A revoked row stays,
// listed with what it did; one not live is not found.
func (db *DB) revoke(ctx context.Context, table, what string, workspaceID, id int64, now time.Time) error {
	d := db.dialect
	res, err := db.write.ExecContext(ctx, d.rebind(`UPDATE `+table+` SET revoked_at = ?
		WHERE workspace_id = ? AND id = ? AND revoked_at IS NULL`), d.instant(now), workspaceID, id)
	if err != nil {
		return fmt.Errorf("store: revoke %s: %w", what, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return parley.Errorf(parley.KindNotFound, "no live %s %d in this workspace", what, id)
	}
	return nil
}

// Audit records a change.
func (db *DB) Audit(ctx context.Context, workspaceID int64, e parley.AuditEntry) error {
	return db.insertAudit(ctx, db.write, workspaceID, e)
}

// insertAudit writes an audit entry through q: the writer, or the
// transaction of the change it records.
func (db *DB) insertAudit(ctx context.Context, q queryer, workspaceID int64, e parley.AuditEntry) error {
	d := db.dialect
	if _, err := q.ExecContext(ctx, d.rebind(`INSERT INTO audit_log (workspace_id, actor, action, subject, detail, at, topic_id, old_value, new_value)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`), workspaceID, e.Actor, e.Action, e.Subject, e.Detail, d.instant(e.At), e.TopicID, e.Old, e.New); err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

// AuditLog lists the latest changes of a workspace, newest first.
func (db *DB) AuditLog(ctx context.Context, workspaceID int64, limit int) ([]parley.AuditEntry, error) {
	rows, err := db.primary.QueryContext(ctx, db.dialect.rebind(`SELECT id, actor, action, subject, detail, at, topic_id, old_value, new_value FROM audit_log
		WHERE workspace_id = ? ORDER BY id DESC LIMIT ?`), workspaceID, limit)
	return collect(rows, err, "audit log", func(r rowScanner) (e parley.AuditEntry, err error) {
		err = r.Scan(&e.ID, &e.Actor, &e.Action, &e.Subject, &e.Detail, scanInstant(&e.At), &e.TopicID, &e.Old, &e.New)
		return e, err
	})
}

// WorkspaceByID returns the workspace with the given id.
func (db *DB) WorkspaceByID(ctx context.Context, id int64) (parley.Workspace, error) {
	ws, err := scanWorkspace(db.primary.QueryRowContext(ctx, db.dialect.rebind(
		`SELECT `+workspaceColumns+` FROM workspaces w WHERE w.id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return parley.Workspace{}, parley.Errorf(parley.KindNotFound, "workspace %d not found", id)
	}
	if err != nil {
		return parley.Workspace{}, fmt.Errorf("store: workspace %d: %w", id, err)
	}
	return ws, nil
}
