package storetest_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

var at = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// builds counts the runs of workspaces' build.
var builds int

// workspaces is a fixture of two workspaces.
var workspaces = storetest.NewDBFixture("workspaces", func(tb testing.TB, db *store.DB) {
	builds++
	for _, slug := range []string{parley.DefaultWorkspace, "second"} {
		if _, err := db.EnsureWorkspace(context.Background(), slug, at); err != nil {
			tb.Fatal(err)
		}
	}
})

// TestFixtureCopies: the fixture is built once (on Citus, once a copy),
// every copy holds what it built, and a change to one copy is seen in no
// other.
func TestFixtureCopies(t *testing.T) {
	ctx := context.Background()
	once := !storetest.Citus()
	a, b := workspaces.New(t), workspaces.New(t)
	if once && builds != 1 {
		t.Errorf("built %d times for two copies", builds)
	}
	if _, err := a.EnsureWorkspace(ctx, "third", at); err != nil {
		t.Fatal(err)
	}
	for name, db := range map[string]*store.DB{"changed": a, "other": b, "new": workspaces.New(t)} {
		want := map[string]bool{parley.DefaultWorkspace: true, "second": true, "third": name == "changed"}
		for slug, there := range want {
			_, err := db.Workspace(ctx, slug)
			if there && err != nil {
				t.Errorf("%s copy: workspace %s: %v", name, slug, err)
			}
			if !there && err == nil {
				t.Errorf("%s copy has workspace %s", name, slug)
			}
		}
	}
	if once && builds != 1 || !once && builds != 3 {
		t.Errorf("built %d times for three copies", builds)
	}
}
