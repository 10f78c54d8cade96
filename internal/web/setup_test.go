package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/parleyhq/parley/internal/store/storetest"
)

// TestFirstRunSetupMakesOneAdmin sends eight first-run setups at once:
// exactly one makes an admin, the others are refused.
func TestFirstRunSetupMakesOneAdmin(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	srv := serveAt(t, db, now)
	const n = 8
	statuses := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			body := url.Values{"email": {fmt.Sprintf("admin%d@example.com", i)}, "password": {testPassword}}.Encode()
			req, _ := http.NewRequest("POST", srv.URL+"/setup", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			<-start
			res, err := noRedirects.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			statuses[i] = res.StatusCode
		})
	}
	close(start)
	wg.Wait()
	made := 0
	for _, s := range statuses {
		switch s {
		case http.StatusSeeOther:
			made++
		case http.StatusForbidden:
		default:
			t.Errorf("a setup answered %d, want 303 or 403", s)
		}
	}
	users, err := db.CountUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if made != 1 || users != 1 {
		t.Errorf("%d setups succeeded and %d people exist (statuses %v), want exactly one", made, users, statuses)
	}
}
