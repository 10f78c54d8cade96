package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
	"github.com/parleyhq/parley/internal/testio"
)

var frozen = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// runAsParley, set in a child's environment, makes this test binary run
// main instead of the tests: the child is parley itself, built with the
// tests, so the tests that need a real process need no go build.
const runAsParley = "PARLEY_TEST_RUN_AS_PARLEY"

func TestMain(m *testing.M) {
	if os.Getenv(runAsParley) == "1" {
		main()
	}
	os.Exit(storetest.Main(m))
}

// parleyProcess is `parley args…` as a child process, not yet started:
// this test binary, running main.
func parleyProcess(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatalf("the test binary's path: %v", err)
	}
	cmd := exec.Command(self, args...)
	// Under -race a process that exits waits a second (GORACE's
	// atexit_sleep_ms) for goroutines still running to report a race; a
	// child here exits once serve or ingest has stopped its goroutines, or
	// is killed, and a race it found still fails its exit status.
	cmd.Env = append(os.Environ(), runAsParley+"=1", "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	return cmd
}

var servingURL = regexp.MustCompile(`"url":"(http://[^"]+)"`)

// startServe starts `parley serve` with args and returns it once it
// listens, with its URL.
func startServe(t *testing.T, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := parleyProcess(t, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	u := ""
	for sc.Scan() {
		if m := servingURL.FindStringSubmatch(sc.Text()); m != nil {
			u = m[1]
			break
		}
	}
	go io.Copy(io.Discard, stderr)
	if u == "" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("serve never said where it listens")
	}
	return cmd, u
}

// serveWith runs args (a serving command) until the test ends and returns
// its base URL and everything it printed.
func serveWith(t *testing.T, args ...string) (string, *testio.Buffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan int, 1)
	var out testio.Buffer
	go func() {
		done <- run(ctx, args, env{stdin: strings.NewReader(""), stdout: &out, stderr: &out,
			now: func() time.Time { return frozen }, listening: func(a string) { addr <- a }})
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("%s exited %d: %s", args[0], code, out.String())
		}
	})
	select {
	case a := <-addr:
		return "http://" + a, &out
	case code := <-done:
		done <- code
		t.Fatalf("%s exited %d before listening: %s", args[0], code, out.String())
	}
	return "", nil
}

// result is what one command run printed and returned.
type result struct {
	code           int
	stdout, stderr string
}

// runParley runs one command line in-process with a frozen clock.
func runParley(t testing.TB, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr testio.Buffer
	code := run(context.Background(), args, env{
		stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr,
		now: func() time.Time { return frozen },
	})
	return result{code, stdout.String(), stderr.String()}
}

// mustRun runs a command line that must succeed and returns what it wrote
// to standard output.
func mustRun(t testing.TB, stdin string, args ...string) string {
	t.Helper()
	r := runParley(t, stdin, args...)
	if r.code != 0 {
		t.Fatalf("parley %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// openWorkspace opens the database at dsn, until the test ends, and reads
// its default workspace.
func openWorkspace(t testing.TB, dsn string) (*store.DB, parley.Workspace) {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ws, err := db.Workspace(context.Background(), parley.DefaultWorkspace)
	if err != nil {
		t.Fatal(err)
	}
	return db, ws
}

// migratedDB is the address of a new database for the test, migrated and
// empty (on SQLite a copy of one migrated once, see storetest.NewDSN):
// migrating takes a command seconds under -race, and only
// TestVersionAndMigrate and TestServeAnswersAndShutsDown are about a
// database the command migrates itself.
func migratedDB(t testing.TB) string {
	t.Helper()
	_, dsn := storetest.NewDSN(t)
	return dsn
}

// crashSetup readies a test that kills and restarts parley serve: skipped
// under -short, it gets a migrated database (the migrations are not what
// these tests kill) and a generated stream of n conversations over the
// five days up to 2026-11-20.
func crashSetup(t *testing.T, n, seed int) (dsn, stream string) {
	t.Helper()
	if testing.Short() {
		t.Skip("kills and restarts a server many times")
	}
	dsn = migratedDB(t)
	return dsn, mustRun(t, "", "gen", "--conversations", strconv.Itoa(n), "--days", "5", "--seed", strconv.Itoa(seed), "--end", "2026-11-20T00:00:00Z")
}

// evaluated is a generated stream of 400 conversations over the ten days
// up to 2026-11-20, ingested and evaluated a day later through the CLI:
// built once per test run, copied for each test by evaluatedDB.
var evaluated = storetest.NewFixture("evaluated", func(t testing.TB, dsn string) {
	stream := mustRun(t, "", "gen", "--conversations", "400", "--days", "10", "--end", "2026-11-20T00:00:00Z")
	mustRun(t, stream, "ingest", "--db", dsn, "-")
	mustRun(t, "", "evaluate", "--db", dsn, "--now", "2026-11-21T00:00:00Z")
})

// evaluatedDB is the address of a copy of evaluated for the test.
func evaluatedDB(t *testing.T) string {
	t.Helper()
	return evaluated.DSN(t)
}

// readJSONLines decodes what a command printed as one JSON value a line
// (the --format json of a list, written by jsonLines), failing the test on
// a line that is none; nothing printed is no values.
func readJSONLines[T any](t testing.TB, out string) []T {
	t.Helper()
	var vs []T
	for line := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var v T
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		vs = append(vs, v)
	}
	return vs
}

func countLines(s string) int { return strings.Count(strings.TrimSpace(s), "\n") + 1 }

func TestGenIsDeterministic(t *testing.T) {
	t.Parallel()
	a := runParley(t, "", "gen", "--conversations", "50", "--days", "7", "--seed", "3")
	b := runParley(t, "", "gen", "--conversations", "50", "--days", "7", "--seed", "3")
	c := runParley(t, "", "gen", "--conversations", "50", "--days", "7", "--seed", "4")
	if a.code != 0 || a.stdout == "" {
		t.Fatalf("gen: exit %d, stderr %s", a.code, a.stderr)
	}
	if a.stdout != b.stdout {
		t.Error("the same flags gave different streams")
	}
	if a.stdout == c.stdout {
		t.Error("different seeds gave the same stream")
	}
}

func TestGenIngestRoundTrip(t *testing.T) {
	t.Parallel()
	dsn := migratedDB(t)
	file := filepath.Join(t.TempDir(), "events.ndjson")
	mustRun(t, "", "gen", "--conversations", "50", "--days", "14", "--out", file)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := countLines(string(data))

	r := runParley(t, "", "ingest", "--db", dsn, "--format", "json", file)
	if r.code != 0 {
		t.Fatalf("ingest: exit %d: %s", r.code, r.stderr)
	}
	var res store.InsertResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("ingest --format json printed %q: %v", r.stdout, err)
	}
	if res.Accepted != lines || res.Duplicates != 0 {
		t.Errorf("first ingest = %+v, want %d accepted", res, lines)
	}

	// Again, through standard input: everything is a duplicate.
	r = runParley(t, string(data), "ingest", "--db", dsn, "-")
	if r.code != 0 {
		t.Fatalf("second ingest: exit %d: %s", r.code, r.stderr)
	}
	if want := "accepted 0 events, " + itoa(lines) + " duplicates\n"; r.stdout != want {
		t.Errorf("second ingest printed %q, want %q", r.stdout, want)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestIngestRejectsBadFileWhole(t *testing.T) {
	t.Parallel()
	dsn := migratedDB(t)
	good := `{"id":"e1","type":"conversation.started","conversation_id":"c1","occurred_at":"2026-11-20T09:00:00Z","channel":"chat"}`
	// Enough good lines that the bad one falls in the second chunk, after
	// the first chunk was already written inside the transaction.
	var in strings.Builder
	for i := range chunkEvents + 10 {
		in.WriteString(strings.Replace(good, `"e1"`, `"e`+itoa(i)+`"`, 1) + "\n")
	}
	in.WriteString(`{"id":"bad","type":"message","conversation_id":"c1","occurred_at":"2026-11-20T09:00:00Z","author":"robot"}` + "\n")
	r := runParley(t, in.String(), "ingest", "--db", dsn, "-")
	if r.code != exitFailure {
		t.Fatalf("exit %d, want %d; stderr %s", r.code, exitFailure, r.stderr)
	}
	if want := "event " + itoa(chunkEvents+10) + ` (id "bad"): author:`; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr %q does not contain %q", r.stderr, want)
	}
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ws, err := db.EnsureWorkspace(context.Background(), "default", frozen)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := db.Count(context.Background(), ws.ID); err != nil || c.Events != 0 {
		t.Errorf("a rejected file stored %+v (%v)", c, err)
	}
}

func TestIngestJSONArrayFromStdin(t *testing.T) {
	t.Parallel()
	dsn := migratedDB(t)
	in := ` [{"id":"e1","type":"conversation.started","conversation_id":"c1","occurred_at":"2026-11-20T09:00:00Z","channel":"sms"},
	         {"id":"e2","type":"human.requested","conversation_id":"c1","occurred_at":"2026-11-20T09:01:00Z"}]`
	r := runParley(t, in, "ingest", "--db", dsn, "-")
	if r.code != 0 || r.stdout != "accepted 2 events, 0 duplicates\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// TestIngestOneObject: a file holding one event, pretty-printed over several
// lines, is that event, as the API takes it; a first line that is no whole
// object, followed by NDJSON, is still NDJSON, each line checked.
func TestIngestOneObject(t *testing.T) {
	t.Parallel()
	dsn := migratedDB(t)
	in := "{\n  \"id\": \"s1\",\n  \"type\": \"csat\",\n  \"conversation_id\": \"c1\",\n" +
		"  \"occurred_at\": \"2026-11-20T09:00:00Z\",\n  \"rating\": 5\n}\n"
	r := runParley(t, in, "ingest", "--db", dsn, "-")
	if r.code != 0 || r.stdout != "accepted 1 events, 0 duplicates\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	bad := "{\"id\": \"x\",\n" + `{"id":"e2","type":"human.requested","conversation_id":"c1","occurred_at":"2026-11-20T09:01:00Z"}` + "\n{oops\n"
	r = runParley(t, bad, "ingest", "--db", dsn, "--format", "json", "-")
	var out struct {
		Error struct{ Problems []parley.Problem }
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); r.code == 0 || err != nil {
		t.Fatalf("exit %d, stdout %q: %v", r.code, r.stdout, err)
	}
	var lines []int
	for _, p := range out.Error.Problems {
		lines = append(lines, p.Index)
	}
	if !slices.Equal(lines, []int{0, 2}) {
		t.Errorf("problems on lines %v, want [0 2]: %+v", lines, out.Error.Problems)
	}
}

// TestIngestEmptyInput: a file without an event is refused, as an empty
// body is over HTTP, and stores nothing.
func TestIngestEmptyInput(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "\n  \r\n"} {
		r := runParley(t, in, "ingest", "--db", migratedDB(t), "-")
		if r.code != exitFailure || !strings.Contains(r.stderr, "body: is empty") {
			t.Errorf("input %q: exit %d, stderr %q; want a failure saying it is empty", in, r.code, r.stderr)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	tests := [][]string{
		{"no-such-command"},
		{"ingest"},
		{"ingest", "a", "b"},
		{"gen", "--end", "someday"},
		{"ingest", "--format", "xml", "f"},
		{"serve", "--trusted-proxies", "10.0.0.0/33", "--addr", "127.0.0.1:0"},
		// A command that only gathers subcommands prints its usage.
		{}, {"user"}, {"token"}, {"workspace"}, {"source"}, {"webhook"},
		// Ids are whole numbers above zero, as the database numbers them.
		{"token", "revoke", "0"}, {"source", "delete", "0"}, {"gaps", "show", "x"}, {"webhook", "ping", "0"},
		// --now is an RFC 3339 time with an offset.
		{"evaluate", "--now", "yesterday"}, {"rebuild", "--now", "2026-11-21"}, {"report", "--now", "2026-11-21T00:00:00"},
	}
	for _, args := range tests {
		if r := runParley(t, "", args...); r.code != exitUsage || r.stderr == "" {
			t.Errorf("parley %v: exit %d, want %d (stderr %q)", args, r.code, exitUsage, r.stderr)
		}
	}
}

func TestVersionAndMigrate(t *testing.T) {
	t.Parallel()
	if r := runParley(t, "", "version"); r.code != 0 || !strings.HasPrefix(r.stdout, "parley ") {
		t.Errorf("version: exit %d, %q", r.code, r.stdout)
	}
	r := runParley(t, "", "migrate", "--db", storetest.DSN(t))
	if r.code != 0 || !strings.Contains(r.stdout, "schema version") {
		t.Errorf("migrate: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	// --distribute places the tables on Citus (the test databases there
	// are distributed already) and refuses any other database.
	r = runParley(t, "", "migrate", "--db", storetest.DSN(t), "--distribute")
	if storetest.Citus() {
		if r.code != 0 || !strings.Contains(r.stdout, "distributed 0 tables") {
			t.Errorf("migrate --distribute on Citus: exit %d, %q %q", r.code, r.stdout, r.stderr)
		}
	} else if r.code == 0 || !strings.Contains(r.stderr, "citus") {
		t.Errorf("migrate --distribute without Citus: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
}

func TestEnvironmentSetsFlags(t *testing.T) {
	dsn := migratedDB(t)
	t.Setenv("PARLEY_DB", dsn)
	t.Setenv("PARLEY_WORKSPACE", "from-env")
	in := `{"id":"e1","type":"conversation.started","conversation_id":"c1","occurred_at":"2026-11-20T09:00:00Z","channel":"chat"}`
	mustRun(t, in, "ingest", "-")
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ws, err := db.Workspace(context.Background(), "from-env")
	if err != nil {
		t.Fatalf("PARLEY_WORKSPACE was not used: %v", err)
	}
	if c, _ := db.Count(context.Background(), ws.ID); c.Events != 1 {
		t.Errorf("workspace from-env holds %d events, want 1", c.Events)
	}
}

func TestServeAnswersAndShutsDown(t *testing.T) {
	t.Parallel()
	// serveWith stops it when the test ends and checks that it exits 0.
	base, _ := serveWith(t, "serve", "--addr", "127.0.0.1:0", "--db", storetest.DSN(t))
	res, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("/healthz: %d", res.StatusCode)
	}
}
