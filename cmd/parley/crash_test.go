package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/store/storetest"
	"github.com/parleyhq/parley/internal/testio"
)

// crashKills is how many times the crash test kills the server.
const crashKills = 20

// TestCrashSafety starts `parley serve` as a child process (this test
// binary, see parleyProcess), sends event batches from several goroutines,
// kills the process with SIGKILL at random moments and restarts it, many
// times. Then it proves the promises of SPEC §3: every event whose batch
// got a 2xx is stored, exactly once, and the outcomes after a final
// evaluation equal those of a clean run over the same events. It runs on
// SQLite, or on PostgreSQL with PARLEY_TEST_DB.
//
// Batches are handed out in order until the last kill; after it, only the
// batches already tried are sent again, until each is acknowledged. The
// batches no sender took would meet a server that is never killed again:
// they would test nothing this test is for, and under -race they were most
// of its time. So the stream only has to be long enough not to run out
// before the last kill, which the test checks.
func TestCrashSafety(t *testing.T) {
	t.Parallel()
	dsn, stream := crashSetup(t, 1500, 11)
	lines := strings.Split(strings.TrimSpace(stream), "\n")
	var batches []string
	for i := 0; i < len(lines); i += 25 {
		batches = append(batches, strings.Join(lines[i:min(i+25, len(lines))], "\n")+"\n")
	}
	secret := strings.TrimSpace(mustRun(t, "", "token", "create", "--db", dsn, "--name", "crash", "--scopes", "ingest"))

	var (
		mu      sync.Mutex
		base    string // the live server's URL, "" while it is down
		acked   = make([]atomic.Bool, len(batches))
		tried   int  // batches handed out: batches[:tried]
		closed  bool // no batch is handed out for the first time any more
		retries = make(chan int, len(batches))
	)
	// take hands out the next batch never tried, while there is one and
	// the kills go on.
	take := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if closed || tried == len(batches) {
			return 0, false
		}
		tried++
		return tried - 1, true
	}
	start := func() *exec.Cmd {
		t.Helper()
		cmd, u := startServe(t, "--db", dsn)
		mu.Lock()
		base = u
		mu.Unlock()
		return cmd
	}
	send := func(i int) bool {
		mu.Lock()
		u := base
		mu.Unlock()
		if u == "" {
			return false
		}
		// No answer (status 0) is a server killed or not up yet: try again.
		code, _, _ := testio.PostEvents(http.DefaultClient, u, secret, strings.NewReader(batches[i]))
		if code/100 == 2 {
			return true
		}
		if code != 0 && code != http.StatusServiceUnavailable {
			t.Errorf("batch %d: status %d", i, code)
		}
		return false
	}
	attempt := func(i int) {
		if send(i) {
			acked[i].Store(true)
			return
		}
		retries <- i // not acknowledged: retry, as a client would
		time.Sleep(5 * time.Millisecond)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var senders sync.WaitGroup
	for range 4 {
		senders.Add(1)
		go func() {
			defer senders.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case i := <-retries:
					attempt(i)
					continue
				default:
				}
				if i, ok := take(); ok {
					attempt(i)
					continue
				}
				select {
				case <-ctx.Done():
					return
				case i := <-retries:
					attempt(i)
				}
			}
		}()
	}

	// Each kill comes a random few milliseconds after the restarted server
	// acknowledged its first batch, so that batches are in flight.
	rng := rand.New(rand.NewPCG(7, 11))
	cmd := start()
	kills := 0
	for ; kills < crashKills && countAcked(acked) < len(batches); kills++ {
		before := countAcked(acked)
		for countAcked(acked) == before {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(time.Duration(1+rng.IntN(20)) * time.Millisecond)
		mu.Lock()
		base = ""
		mu.Unlock()
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		cmd = start()
	}
	mu.Lock()
	closed = true
	sent := tried
	mu.Unlock()
	// Let every batch tried through, then stop the server politely. The
	// limit is only there to end a broken run.
	deadline := time.Now().Add(10 * time.Minute)
	for countAcked(acked) < sent && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	senders.Wait()
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("serve after SIGTERM: %v", err)
	}
	if n := countAcked(acked[:sent]); n != sent {
		t.Fatalf("only %d of the %d batches tried were ever acknowledged", n, sent)
	}
	if kills < crashKills || sent == len(batches) {
		t.Fatalf("every batch was tried after %d kills: the stream is too short to test %d", kills, crashKills)
	}
	events := strings.Join(batches[:sent], "")
	want := strings.Count(events, "\n")

	// Every acknowledged event is stored exactly once.
	db, ws := openWorkspace(t, dsn)
	counts, err := db.Count(context.Background(), ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if counts.Events != int64(want) {
		t.Errorf("stored %d events, acknowledged %d", counts.Events, want)
	}

	// Outcomes equal those of a clean run over the same events.
	clean := migratedDB(t)
	mustRun(t, events, "ingest", "--db", clean, "-")
	// The child evaluated in the background at the real time, so both runs
	// are evaluated as of a time after it: every conversation is decided.
	at := time.Now().UTC().Add(time.Hour).Format(time.RFC3339)
	outcomes := func(dsn string) string {
		mustRun(t, "", "evaluate", "--db", dsn, "--now", at)
		return mustRun(t, "", "conversations", "--db", dsn, "--format", "json", "--test", "include")
	}
	crashed, fresh := outcomes(dsn), outcomes(clean)
	if crashed != fresh {
		t.Errorf("outcomes after the crashes differ from a clean run:\n%s", firstDiff(crashed, fresh))
	}
	t.Logf("crash test on %s: %d kills survived, %d events in %d batches acknowledged (of %d), %d stored, %d lost, %d conversations",
		map[bool]string{true: "PostgreSQL", false: "SQLite"}[storetest.Postgres()], kills, want, sent, len(batches),
		counts.Events, int64(want)-counts.Events, countLines(crashed))
}

func countAcked(acked []atomic.Bool) int {
	n := 0
	for i := range acked {
		if acked[i].Load() {
			n++
		}
	}
	return n
}

// firstDiff shows the first differing line of two outputs.
func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			var x, y bytes.Buffer
			json.Indent(&x, []byte(la[i]), "", " ")
			json.Indent(&y, []byte(lb[i]), "", " ")
			return fmt.Sprintf("line %d:\n%s\nclean:\n%s", i+1, x.String(), y.String())
		}
	}
	return fmt.Sprintf("%d lines against %d", len(la), len(lb))
}
