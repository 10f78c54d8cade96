package store_test

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/ingest"
	"github.com/parleyhq/parley/internal/store/storetest"
)

// BenchmarkInsertEvents measures storing events through the store, in
// batches of storetest.BenchBatch per transaction, idempotency checks included.
func BenchmarkInsertEvents(b *testing.B) {
	ctx := context.Background()
	db := storetest.New(b)
	ws, err := db.EnsureWorkspace(ctx, "bench", t0)
	if err != nil {
		b.Fatal(err)
	}
	items := storetest.BenchEvents(b, b.N, t0)
	b.ResetTimer()
	for start := 0; start < len(items); start += storetest.BenchBatch {
		batch := ingest.Batch{Items: items[start:min(start+storetest.BenchBatch, len(items))]}
		if _, err := db.InsertEvents(ctx, ws.ID, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkDriverInsert is the baseline: the same rows written by a plain
// prepared INSERT loop through database/sql, one transaction per batch,
// with no idempotency checks and no conversation bookkeeping.
func BenchmarkDriverInsert(b *testing.B) {
	db, driver := driverDB(b)
	if _, err := db.Exec(`CREATE TABLE raw (workspace_id BIGINT, event_id TEXT, seq BIGINT, conversation_id TEXT,
		type TEXT, occurred_at TEXT, body TEXT, PRIMARY KEY (workspace_id, event_id))`); err != nil {
		b.Fatal(err)
	}
	query := "INSERT INTO raw VALUES (?, ?, ?, ?, ?, ?, ?)"
	if driver == "pgx" {
		query = "INSERT INTO raw VALUES ($1, $2, $3, $4, $5, $6, $7)"
	}
	items := storetest.BenchEvents(b, b.N, t0)
	b.ResetTimer()
	inBatches(b, db, query, len(items), func(stmt *sql.Stmt, start, end int) {
		for i, it := range items[start:end] {
			e := &it.Event
			if _, err := stmt.Exec(1, e.ID, start+i, e.ConversationID, string(e.Type),
				e.OccurredAt.UTC().Format(time.RFC3339Nano), string(it.Body)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// inBatches runs exec over the rows [0, n) in batches of
// storetest.BenchBatch, as the plain driver loops write: each batch in one
// transaction, with query prepared in it for exec to run.
func inBatches(b *testing.B, db *sql.DB, query string, n int, exec func(stmt *sql.Stmt, start, end int)) {
	for start := 0; start < n; start += storetest.BenchBatch {
		tx, err := db.Begin()
		if err != nil {
			b.Fatal(err)
		}
		stmt, err := tx.Prepare(query)
		if err != nil {
			b.Fatal(err)
		}
		exec(stmt, start, min(start+storetest.BenchBatch, n))
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}

// driverDB opens the test database through database/sql alone, one
// connection, with the durability Parley's own SQLite connections have
// (WAL, synchronous=FULL), for the plain driver loops the store is
// measured against; it returns the driver's name, "sqlite" or "pgx".
func driverDB(b *testing.B) (*sql.DB, string) {
	dsn := storetest.DSN(b)
	driver, name := "sqlite", strings.TrimPrefix(dsn, "sqlite:")
	if storetest.Postgres() {
		driver, name = "pgx", dsn
	}
	db, err := sql.Open(driver, name)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	if driver == "sqlite" {
		for _, p := range []string{"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL"} {
			if _, err := db.Exec(p); err != nil {
				b.Fatal(err)
			}
		}
	}
	return db, driver
}

// BenchmarkRawGroupBy is the baseline the report benchmarks are measured
// against: the cheapest query a report without rollups would need — event
// counts per day and type over the report's twelve weeks — on the database
// named by PARLEY_BENCH_DB (made with `parley gen | parley ingest` and
// `parley evaluate`), workspace 1, twelve weeks before PARLEY_BENCH_NOW.
func BenchmarkRawGroupBy(b *testing.B) {
	db, driver := benchDB(b)
	now, err := time.Parse(time.RFC3339, cmp.Or(os.Getenv("PARLEY_BENCH_NOW"), "2026-11-24T00:00:00Z"))
	if err != nil {
		b.Fatal(err)
	}
	query := `SELECT substr(occurred_at, 1, 10) AS day, type, COUNT(*)
		FROM events WHERE workspace_id = 1 AND occurred_at >= ? AND occurred_at < ? GROUP BY day, type`
	from, to := any(now.AddDate(0, 0, -84).Format("2006-01-02")), any(now.Format("2006-01-02"))
	if driver == "pgx" {
		query = `SELECT (occurred_at AT TIME ZONE 'UTC')::date AS day, type, COUNT(*)
			FROM events WHERE workspace_id = 1 AND occurred_at >= $1 AND occurred_at < $2 GROUP BY day, type`
		from, to = now.AddDate(0, 0, -84), now
	}
	for b.Loop() {
		rows, err := db.Query(query, from, to)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rows.Next() {
			n++
		}
		if err := rows.Close(); err != nil || n == 0 {
			b.Fatalf("%d rows: %v", n, err)
		}
	}
}

// benchDB opens the database named by PARLEY_BENCH_DB (made with
// `parley gen | parley ingest` and `parley evaluate`) through database/sql
// alone, and returns the driver's name, "sqlite" or "pgx"; the benchmark
// is skipped when none is named.
func benchDB(b *testing.B) (*sql.DB, string) {
	dsn := os.Getenv("PARLEY_BENCH_DB")
	if dsn == "" {
		b.Skip("PARLEY_BENCH_DB names no database")
	}
	driver, name := "sqlite", strings.TrimPrefix(dsn, "sqlite:")
	if strings.HasPrefix(dsn, "postgres") {
		driver, name = "pgx", dsn
	}
	db, err := sql.Open(driver, name)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db, driver
}

// BenchmarkDriverEventRead is the floor under evaluation's reading: one
// plain query that reads every event of workspace 1 of PARLEY_BENCH_DB in
// conversation order, the cheapest way to visit every conversation's
// events, through database/sql. "scan" only steps the rows; "decode" also
// decodes each body as the store does. Every evaluation of every
// conversation reads and decodes at least this.
func BenchmarkDriverEventRead(b *testing.B) {
	db, driver := benchDB(b)
	query := `SELECT conversation_id, seq, body FROM events WHERE workspace_id = 1 ORDER BY conversation_id, seq`
	if driver == "pgx" {
		// The same index walk; PostgreSQL would rather sort a full scan.
		query = `SELECT conversation_id, seq, body FROM events WHERE workspace_id = 1
			ORDER BY workspace_id, conversation_id, seq`
	}
	for _, decode := range []bool{false, true} {
		b.Run(map[bool]string{false: "scan", true: "decode"}[decode], func(b *testing.B) {
			conversations := 0
			for b.Loop() {
				rows, err := db.Query(query)
				if err != nil {
					b.Fatal(err)
				}
				var (
					conv, last string
					seq        int64
					body       sql.RawBytes
					n          int
				)
				for rows.Next() {
					if err := rows.Scan(&conv, &seq, &body); err != nil {
						b.Fatal(err)
					}
					if conv != last {
						n, last = n+1, conv
					}
					if decode {
						var e parley.Event
						if err := jsonv2.Unmarshal(body, &e); err != nil {
							b.Fatal(err)
						}
					}
				}
				if err := rows.Close(); err != nil || n == 0 {
					b.Fatalf("%d conversations: %v", n, err)
				}
				conversations += n
			}
			b.ReportMetric(float64(conversations)/b.Elapsed().Seconds(), "conversations/s")
		})
	}
}

// outcomeColumns are the conversations table's columns an evaluation
// writes, after its key.
var outcomeColumns = []string{"event_seq", "evaluated_seq", "started_at", "day", "channel", "test", "ticket_url", "outcome",
	"resolution", "reasons", "decided_at", "decision_due_at", "handoff_initiator", "handoff_reason", "reopened",
	"closed_at", "time_to_close_ms", "contributions", "definition_version", "evaluated_at", "due_at"}

// outcomeValues are what a resolved conversation's row holds, its
// contributions included, in the order of outcomeColumns.
func outcomeValues() []any {
	at := t0.UTC().Format(time.RFC3339Nano)
	contributions := strings.Repeat("2026-03-02|chat|resolved||1\n", 8)
	return []any{7, 7, at, "2026-03-02", "chat", false, "", "resolved", "assumed", "", at, at, "", "",
		false, nil, nil, contributions, 1, at, nil}
}

// rawConversations creates a table like conversations, with its key and,
// if indexed, its two indexes, for the plain driver loops to write.
func rawConversations(b *testing.B, db *sql.DB, indexed bool) {
	ddl := []string{`CREATE TABLE raw_conversations (workspace_id BIGINT NOT NULL, conversation_id TEXT NOT NULL,
			event_seq BIGINT NOT NULL, evaluated_seq BIGINT NOT NULL DEFAULT 0, started_at TEXT, day TEXT NOT NULL DEFAULT '',
			channel TEXT NOT NULL DEFAULT '', test BOOLEAN NOT NULL DEFAULT FALSE, ticket_url TEXT NOT NULL DEFAULT '',
			outcome TEXT NOT NULL DEFAULT '', resolution TEXT NOT NULL DEFAULT '', reasons TEXT NOT NULL DEFAULT '',
			decided_at TEXT, decision_due_at TEXT, handoff_initiator TEXT NOT NULL DEFAULT '', handoff_reason TEXT NOT NULL DEFAULT '',
			reopened BOOLEAN NOT NULL DEFAULT FALSE, closed_at TEXT, time_to_close_ms BIGINT, contributions TEXT NOT NULL DEFAULT '',
			definition_version INTEGER NOT NULL DEFAULT 0, evaluated_at TEXT, due_at TEXT,
			PRIMARY KEY (workspace_id, conversation_id))`}
	if indexed {
		ddl = append(ddl,
			`CREATE INDEX raw_conversations_due ON raw_conversations (workspace_id, due_at, conversation_id) WHERE due_at IS NOT NULL`,
			`CREATE INDEX raw_conversations_by_day ON raw_conversations (workspace_id, day, conversation_id)`)
	}
	for _, q := range ddl {
		if _, err := db.Exec(q); err != nil {
			b.Fatal(err)
		}
	}
}

// bindVar is the driver's i-th (from 1) parameter.
func bindVar(driver string, i int) string {
	if driver == "pgx" {
		return fmt.Sprintf("$%d", i)
	}
	return "?"
}

// BenchmarkDriverOutcomeUpdate is the floor under evaluation's writing: a
// plain prepared UPDATE loop through database/sql that gives each of b.N
// conversation rows an outcome, one transaction per batch, on a table with
// the conversations table's key and indexes. Every evaluation writes at
// least this; the first one of a conversation moves it in both indexes
// (its day is set, and it is no longer due), as here.
func BenchmarkDriverOutcomeUpdate(b *testing.B) {
	db, driver := driverDB(b)
	rawConversations(b, db, true)
	ids := make([]string, b.N)
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	for i := range ids {
		ids[i] = fmt.Sprintf("c-%07d", i)
		if _, err := tx.Exec(`INSERT INTO raw_conversations (workspace_id, conversation_id, event_seq, due_at) VALUES (1, `+
			bindVar(driver, 1)+`, 7, '0001-01-01T00:00:00.000000Z')`, ids[i]); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	set := make([]string, len(outcomeColumns))
	for i, c := range outcomeColumns {
		set[i] = c + " = " + bindVar(driver, i+1)
	}
	query := `UPDATE raw_conversations SET ` + strings.Join(set, ", ") + ` WHERE workspace_id = 1 AND conversation_id = ` + bindVar(driver, len(outcomeColumns)+1)
	values := outcomeValues()
	b.ResetTimer()
	inBatches(b, db, query, len(ids), func(stmt *sql.Stmt, start, end int) {
		for _, id := range ids[start:end] {
			if _, err := stmt.Exec(append(values, id)...); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "conversations/s")
}

// BenchmarkDriverOutcomeInsert is the cheapest way there is to write b.N
// outcome rows: multi-row INSERTs of 500 rows, in key order, into an empty
// table with no index but its key, one transaction per batch. No design
// that writes a row per conversation writes faster.
func BenchmarkDriverOutcomeInsert(b *testing.B) {
	db, driver := driverDB(b)
	rawConversations(b, db, false)
	const chunk = 500
	cols := append([]string{"workspace_id", "conversation_id"}, outcomeColumns...)
	rows := make([]string, chunk)
	for r := range rows {
		vars := make([]string, len(cols))
		for c := range vars {
			vars[c] = bindVar(driver, r*len(cols)+c+1)
		}
		rows[r] = "(" + strings.Join(vars, ", ") + ")"
	}
	query := `INSERT INTO raw_conversations (` + strings.Join(cols, ", ") + `) VALUES ` + strings.Join(rows, ", ")
	values := outcomeValues()
	args := make([]any, 0, chunk*len(cols))
	written := 0 // b.N rounded up to whole statements
	b.ResetTimer()
	inBatches(b, db, query, b.N, func(stmt *sql.Stmt, start, end int) {
		for i := start; i < end; i += chunk {
			args = args[:0]
			for j := i; j < i+chunk; j++ {
				args = append(append(args, 1, fmt.Sprintf("c-%08d", j)), values...)
			}
			if _, err := stmt.Exec(args...); err != nil {
				b.Fatal(err)
			}
			written += chunk
		}
	})
	b.ReportMetric(float64(written)/b.Elapsed().Seconds(), "conversations/s")
}
