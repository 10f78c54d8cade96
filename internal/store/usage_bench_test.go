package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/report"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
)

// BenchmarkUsageSaturated reads the sources view of 12 weeks from a
// workspace whose every day, channel (4) and source has each of its six
// counts: the most cells there can be, which a workspace of about
// 1,000,000 conversations in 12 weeks reaches (some 3,000 a day and channel
// cite each of 25 sources many times over). Its cost follows the cells,
// whatever the conversations: 25 and 200 sources (8×) beside each other.
func BenchmarkUsageSaturated(b *testing.B) {
	end := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	stats := []parley.UseStat{parley.StatConversations, parley.StatDecided, parley.StatResolved, parley.StatHandedOff, parley.StatRated, parley.StatNegative}
	for _, sources := range []int{25, 200} {
		ctx := context.Background()
		dsn := storetest.DSN(b)
		db, err := store.Open(ctx, dsn)
		if err != nil {
			b.Fatal(err)
		}
		ws, err := db.EnsureWorkspace(ctx, "default", end)
		if err != nil {
			b.Fatal(err)
		}
		raw := storetest.Raw(b, dsn)
		var rows []string
		var args []any
		flush := func() {
			if len(rows) == 0 {
				return
			}
			if _, err := raw.Exec(storetest.Rebind(`INSERT INTO usage_rollups (workspace_id, generation, day, channel, metric, label, value) VALUES `+
				strings.Join(rows, ", ")), args...); err != nil {
				b.Fatal(err)
			}
			rows, args = rows[:0], args[:0]
		}
		for d := range 84 {
			day := end.AddDate(0, 0, -d).Format(parley.DayLayout)
			for _, ch := range []string{"chat", "email", "sms", "whatsapp"} {
				for s := range sources {
					hash := parley.UseHash(parley.UseSource, fmt.Sprintf("kb-%03d", s))
					for i, st := range stats {
						rows = append(rows, "(?, 1, ?, ?, ?, ?, ?)")
						args = append(args, ws.ID, day, ch, string(parley.MetricUse), parley.UseKey(parley.UseSource, hash, st), 1000-100*i)
					}
					if len(rows) >= 1000 {
						flush()
					}
				}
			}
		}
		flush()
		from, to := end.AddDate(0, 0, -83).Format(parley.DayLayout), end.Format(parley.DayLayout)
		b.Run(fmt.Sprintf("sources/%d", sources), func(b *testing.B) {
			for b.Loop() {
				u, err := report.UsageView(ctx, db, ws, report.UsageRequest{Kind: parley.UseSource, From: from, To: to})
				if err != nil || len(u.Rows) != sources {
					b.Fatalf("%d rows, %v", len(u.Rows), err)
				}
			}
		})
		db.Close()
	}
}
