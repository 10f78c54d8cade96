package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/store/storetest"
)

// TestStatementsPreparedOnceWanted: opening a database prepares no
// statement; a batch that writes a full chunk of events parses its
// statement and has it prepared for the next transaction, which uses it.
func TestStatementsPreparedOnceWanted(t *testing.T) {
	storetest.SQLiteOnly(t, "statements are prepared on SQLite only")
	t.Parallel()
	db, ws := acme(t)
	if n := db.Prepared(); n != 0 {
		t.Fatalf("%d statements prepared when opened, want 0", n)
	}
	insert(t, db, ws, msg("e-small", "c-small", 0, "hi"))
	if n := db.Prepared(); n != 0 {
		t.Fatalf("%d statements prepared after a small batch, want 0", n)
	}
	big := make([]parley.Event, 600)
	for i := range big {
		big[i] = msg(fmt.Sprintf("e%d", i), fmt.Sprintf("c%d", i%50), time.Duration(i)*time.Second, "hello")
	}
	insert(t, db, ws, big...)
	insert(t, db, ws, msg("e-after", "c-after", 0, "again"))
	if n := db.Prepared(); n == 0 {
		t.Fatal("no statement prepared after a batch of 600 events")
	}
	big = big[:0]
	for i := range 600 {
		big = append(big, msg(fmt.Sprintf("f%d", i), fmt.Sprintf("c%d", i%50), time.Hour+time.Duration(i)*time.Second, "more"))
	}
	insert(t, db, ws, big...) // through the prepared statements
}
