package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
)

func TestPeople(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ws, other := acmeAndOther(t)
	if n, err := db.CountUsers(ctx); err != nil || n != 0 {
		t.Fatalf("a new database has %d users (%v)", n, err)
	}
	admin, err := db.AddMember(ctx, ws.ID, "lead@example.com", "Lead", "hash-1", parley.RoleAdmin, t0)
	if err != nil {
		t.Fatal(err)
	}
	// The same person joins another workspace and keeps their password.
	if _, err := db.AddMember(ctx, other.ID, "lead@example.com", "ignored", "hash-2", parley.RoleViewer, t0); err != nil {
		t.Fatal(err)
	}
	u, hash, err := db.Credentials(ctx, " LEAD@example.com ")
	if err != nil || u.ID != admin.ID || hash != "hash-1" || u.Name != "Lead" {
		t.Errorf("credentials: %+v %q %v", u, hash, err)
	}
	ms, err := db.Memberships(ctx, admin.ID)
	if err != nil || len(ms) != 2 || ms[0].Workspace.Slug != "acme" || ms[0].Role != parley.RoleAdmin || ms[1].Role != parley.RoleViewer {
		t.Errorf("memberships: %+v %v", ms, err)
	}
	if err := db.SetRole(ctx, ws.ID, admin.ID, parley.RoleViewer); parley.KindOf(err) != parley.KindConflict {
		t.Errorf("demoting the last admin: %v", err)
	}
	if err := db.RemoveMember(ctx, ws.ID, admin.ID); parley.KindOf(err) != parley.KindConflict {
		t.Errorf("removing the last admin: %v", err)
	}
	// Adding a known email again changes its role, and so may not demote
	// the last admin either.
	if _, err := db.AddMember(ctx, ws.ID, "lead@example.com", "", "hash-x", parley.RoleViewer, t0); !errors.Is(err, store.ErrLastAdmin) {
		t.Errorf("demoting the last admin by adding them again: %v", err)
	}
	if ms, _ := db.Members(ctx, ws.ID); len(ms) != 1 || ms[0].Role != parley.RoleAdmin {
		t.Errorf("members after a refused demotion: %+v", ms)
	}
	// A workspace without an admin (as the CLI can make) still takes viewers.
	if _, err := db.AddMember(ctx, other.ID, "viewer@example.com", "", "h", parley.RoleViewer, t0); err != nil {
		t.Errorf("a viewer in a workspace without an admin: %v", err)
	}
	ed, _ := db.AddMember(ctx, ws.ID, "ed@example.com", "", "h", parley.RoleEditor, t0)
	if err := db.RemoveMember(ctx, ws.ID, ed.ID); err != nil {
		t.Errorf("removing an editor: %v", err)
	}
	if members, _ := db.Members(ctx, ws.ID); len(members) != 1 {
		t.Errorf("members after removal: %+v", members)
	}

	// Sessions end at their expiry and on a password change.
	if err := db.CreateSession(ctx, "s1", admin.ID, t0, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, err := db.SessionUser(ctx, "s1", t0.Add(30*time.Minute)); err != nil || got.ID != admin.ID {
		t.Errorf("live session: %+v %v", got, err)
	}
	if _, err := db.SessionUser(ctx, "s1", t0.Add(2*time.Hour)); parley.KindOf(err) != parley.KindUnauthorized {
		t.Errorf("expired session: %v", err)
	}
	db.CreateSession(ctx, "s2", admin.ID, t0, t0.Add(time.Hour))
	if err := db.SetPassword(ctx, admin.ID, "hash-3"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SessionUser(ctx, "s2", t0); parley.KindOf(err) != parley.KindUnauthorized {
		t.Errorf("session after a password change: %v", err)
	}

	// Tokens: found by hash, last use noted at most once a minute, revoked.
	tok, err := db.CreateToken(ctx, ws.ID, "agent", "th", "pk_abcd", []parley.Scope{parley.ScopeIngest, parley.ScopeRead}, t0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.UseToken(ctx, "th", t0.Add(time.Second))
	if err != nil || got.ID != tok.ID || len(got.Scopes) != 2 || got.LastUsedAt == nil {
		t.Fatalf("use token: %+v %v", got, err)
	}
	db.UseToken(ctx, "th", t0.Add(30*time.Second))
	list, _ := db.Tokens(ctx, ws.ID)
	if len(list) != 1 || !list[0].LastUsedAt.Equal(t0.Add(time.Second)) {
		t.Errorf("last used moved within a minute: %+v", list)
	}
	if err := db.RevokeToken(ctx, other.ID, tok.ID, t0); parley.KindOf(err) != parley.KindNotFound {
		t.Errorf("revoking from another workspace: %v", err)
	}
	if err := db.RevokeToken(ctx, ws.ID, tok.ID, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UseToken(ctx, "th", t0); parley.KindOf(err) != parley.KindUnauthorized {
		t.Errorf("a revoked token: %v", err)
	}
	if _, err := db.CreateToken(ctx, ws.ID, " ", "th2", "x", []parley.Scope{parley.ScopeRead}, t0); parley.KindOf(err) != parley.KindInvalid {
		t.Errorf("a token without a name: %v", err)
	}

	// The audit log keeps each workspace's own entries, newest first.
	db.Audit(ctx, ws.ID, parley.AuditEntry{Actor: "lead@example.com", Action: "gap.resolve", Subject: "topic 1", At: t0})
	db.Audit(ctx, ws.ID, parley.AuditEntry{Actor: "cli", Action: "token.create", Subject: "agent", At: t0.Add(time.Minute)})
	db.Audit(ctx, other.ID, parley.AuditEntry{Actor: "x", Action: "y", Subject: "z", At: t0})
	log, err := db.AuditLog(ctx, ws.ID, 10)
	if err != nil || len(log) != 2 || log[0].Action != "token.create" || !log[1].At.Equal(t0) {
		t.Errorf("audit log: %+v %v", log, err)
	}
	if w, err := db.WorkspaceByID(ctx, other.ID); err != nil || w.Slug != "other" {
		t.Errorf("workspace by id: %+v %v", w, err)
	}
}

// TestLastAdminConcurrent: two admins demoting each other at the same time
// must not both succeed, or the workspace would be left without an admin.
func TestLastAdminConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.New(t)
	for round := range 10 {
		ws, err := db.EnsureWorkspace(ctx, fmt.Sprintf("w%d", round), t0)
		if err != nil {
			t.Fatal(err)
		}
		var ids [2]int64
		for i := range ids {
			m, err := db.AddMember(ctx, ws.ID, fmt.Sprintf("admin%d@example.com", i), "", "h", parley.RoleAdmin, t0)
			if err != nil {
				t.Fatal(err)
			}
			ids[i] = m.ID
		}
		var (
			wg   sync.WaitGroup
			errs [2]error
		)
		for i, id := range ids {
			wg.Go(func() {
				if i == 0 {
					errs[i] = db.SetRole(ctx, ws.ID, id, parley.RoleViewer)
				} else {
					_, errs[i] = db.AddMember(ctx, ws.ID, fmt.Sprintf("admin%d@example.com", i), "", "h", parley.RoleEditor, t0)
				}
			})
		}
		wg.Wait()
		ms, err := db.Members(ctx, ws.ID)
		if err != nil {
			t.Fatal(err)
		}
		admins := 0
		for _, m := range ms {
			if m.Role == parley.RoleAdmin {
				admins++
			}
		}
		if admins != 1 || (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("round %d: %d admins left, errors %v", round, admins, errs)
		}
		for _, err := range errs {
			if err != nil && !errors.Is(err, store.ErrLastAdmin) {
				t.Errorf("round %d: %v, want ErrLastAdmin", round, err)
			}
		}
	}
}
