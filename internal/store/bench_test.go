package store_test

import (
	"cmp"
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"
	"time"

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
	dsn := storetest.DSN(b)
	driver, name := "sqlite", strings.TrimPrefix(dsn, "sqlite:")
	if storetest.Postgres() {
		driver, name = "pgx", dsn
	}
	db, err := sql.Open(driver, name)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE raw (workspace_id BIGINT, event_id TEXT, seq BIGINT, conversation_id TEXT,
		type TEXT, occurred_at TEXT, body TEXT, PRIMARY KEY (workspace_id, event_id))`); err != nil {
		b.Fatal(err)
	}
	if driver == "sqlite" {
		for _, p := range []string{"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL"} {
			if _, err := db.Exec(p); err != nil {
				b.Fatal(err)
			}
		}
	}
	query := "INSERT INTO raw VALUES (?, ?, ?, ?, ?, ?, ?)"
	if driver == "pgx" {
		query = "INSERT INTO raw VALUES ($1, $2, $3, $4, $5, $6, $7)"
	}
	items := storetest.BenchEvents(b, b.N, t0)
	b.ResetTimer()
	for start := 0; start < len(items); start += storetest.BenchBatch {
		tx, err := db.Begin()
		if err != nil {
			b.Fatal(err)
		}
		stmt, err := tx.Prepare(query)
		if err != nil {
			b.Fatal(err)
		}
		for i, it := range items[start:min(start+storetest.BenchBatch, len(items))] {
			e := &it.Event
			if _, err := stmt.Exec(1, e.ID, start+i, e.ConversationID, string(e.Type),
				e.OccurredAt.UTC().Format(time.RFC3339Nano), string(it.Body)); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkRawGroupBy is the baseline the report benchmarks are measured
// against: the cheapest query a report without rollups would need — event
// counts per day and type over the report's twelve weeks — on the database
// named by PARLEY_BENCH_DB (made with `parley gen | parley ingest` and
// `parley evaluate`), workspace 1, twelve weeks before PARLEY_BENCH_NOW.
func BenchmarkRawGroupBy(b *testing.B) {
	dsn := os.Getenv("PARLEY_BENCH_DB")
	if dsn == "" {
		b.Skip("PARLEY_BENCH_DB names no database")
	}
	now, err := time.Parse(time.RFC3339, cmp.Or(os.Getenv("PARLEY_BENCH_NOW"), "2026-11-24T00:00:00Z"))
	if err != nil {
		b.Fatal(err)
	}
	driver, name, query := "sqlite", strings.TrimPrefix(dsn, "sqlite:"), `SELECT substr(occurred_at, 1, 10) AS day, type, COUNT(*)
		FROM events WHERE workspace_id = 1 AND occurred_at >= ? AND occurred_at < ? GROUP BY day, type`
	from, to := any(now.AddDate(0, 0, -84).Format("2006-01-02")), any(now.Format("2006-01-02"))
	if strings.HasPrefix(dsn, "postgres") {
		driver, name, query = "pgx", dsn, `SELECT (occurred_at AT TIME ZONE 'UTC')::date AS day, type, COUNT(*)
			FROM events WHERE workspace_id = 1 AND occurred_at >= $1 AND occurred_at < $2 GROUP BY day, type`
		from, to = now.AddDate(0, 0, -84), now
	}
	db, err := sql.Open(driver, name)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
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
