package store

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/parleyhq/parley"
)

// The uses of cited sources and performed actions (see migration 0016):
// which conversations used each, for the conversation filter, and each
// one's latest title and URL. Their daily counts are rollup cells of
// metric parley.MetricUse, kept in usage_rollups (see applyDelta).

// useColumns are written per conversation use, in this order.
const useColumns = 4

// saveUses replaces the uses of the conversations the batch holds, and
// records each source's title and URL as of the latest conversation that
// cited it (by its start). The uses stored are read first and only the
// difference is written: evaluated again, a conversation mostly cites what
// it cited before, and deleting and inserting those rows again was a fifth
// of a rebuild's writing. Those of the conversations in same are known to
// stand and are not read; their titles and URLs are recorded all the same.
func (ev *Evaluation) saveUses(ctx context.Context, results []Result, same map[string]bool) error {
	d := ev.db.dialect
	var (
		held  []string
		want  []useRow
		wants = map[useRow]bool{}
		items = map[[2]string]itemRow{}
	)
	for i := range results {
		o := &results[i].Outcome
		// A conversation set aside keeps the uses of its last outcome,
		// as it keeps that outcome and its contributions.
		if !ev.Holds(o.ConversationID) || results[i].failure != "" {
			continue
		}
		stands := same[o.ConversationID]
		if !stands {
			held = append(held, o.ConversationID)
		}
		if o.Test {
			continue
		}
		for _, u := range o.Uses {
			h := u.Hash()
			if k := (useRow{string(u.Kind), h, o.ConversationID}); !stands && !wants[k] {
				wants[k] = true
				want = append(want, k)
			}
			k := [2]string{string(u.Kind), h}
			if cur, ok := items[k]; !ok || o.StartedAt.After(cur.seen.StartedAt) {
				items[k] = itemRow{u, o}
			}
		}
	}
	var gone []useRow
	// SQLite would rather scan all of the workspace's uses in the key's
	// index, which holds every column asked for, than look each
	// conversation up.
	hint := ""
	if d == SQLite {
		hint = ` INDEXED BY conversation_uses_by_conversation`
	}
	if err := inChunks([]any{ev.workspaceID}, held, claimChunk, func(in string, args []any) error {
		rows, err := ev.tx.QueryContext(ctx, d.rebind(`SELECT kind, hash, conversation_id FROM conversation_uses`+hint+`
			WHERE workspace_id = ? AND conversation_id IN (`+in+`)`), args...)
		return eachRow(rows, err, "read conversation uses", func(r rowScanner) error {
			var k useRow
			if err := r.Scan(&k.kind, &k.hash, &k.conversationID); err != nil {
				return err
			}
			if wants[k] {
				delete(wants, k) // stored already
			} else {
				gone = append(gone, k)
			}
			return nil
		})
	}); err != nil {
		return err
	}
	for start := 0; start < len(gone); start += saveChunk {
		chunk := gone[start:min(start+saveChunk, len(gone))]
		args := make([]any, 0, 1+3*len(chunk))
		args = append(args, ev.workspaceID)
		for _, k := range chunk {
			args = append(args, k.kind, k.hash, k.conversationID)
		}
		if _, err := ev.tx.ExecContext(ctx, d.rebind(`DELETE FROM conversation_uses
			WHERE workspace_id = ? AND (kind, hash, conversation_id) IN (VALUES `+placeholders(len(chunk), 3)+`)`), args...); err != nil {
			return fmt.Errorf("store: drop conversation uses: %w", err)
		}
	}
	// want keeps the order uses were found in; wants now holds only those
	// not stored yet.
	var rows []any
	n := 0
	for _, k := range want {
		if wants[k] {
			rows = append(rows, ev.workspaceID, k.kind, k.hash, k.conversationID)
			n++
		}
	}
	for start := 0; start < n; start += saveChunk {
		end := min(start+saveChunk, n)
		if _, err := ev.tx.ExecContext(ctx, d.rebind(`INSERT INTO conversation_uses (workspace_id, kind, hash, conversation_id) VALUES `+
			placeholders(end-start, useColumns)+` ON CONFLICT (workspace_id, kind, hash, conversation_id) DO NOTHING`),
			rows[start*useColumns:end*useColumns]...); err != nil {
			return fmt.Errorf("store: save conversation uses: %w", err)
		}
	}
	// usage_items rows are shared by every process evaluating the
	// workspace: they are upserted in key order, as every process does, so
	// that two transactions never wait for each other's rows (PostgreSQL
	// takes the rows' locks in the order of the VALUES).
	keys := slices.SortedFunc(maps.Keys(items), func(a, b [2]string) int {
		return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1]))
	})
	args := make([]any, 0, len(items)*7)
	for _, k := range keys {
		it := items[k]
		args = append(args, ev.workspaceID, string(it.use.Kind), it.use.Hash(), it.use.Key, it.use.Title, it.use.URL, d.instant(it.seen.StartedAt))
	}
	for start := 0; start < len(items); start += saveChunk {
		end := min(start+saveChunk, len(items))
		if _, err := ev.tx.ExecContext(ctx, d.rebind(`INSERT INTO usage_items (workspace_id, kind, hash, item, title, url, seen_at) VALUES `+
			placeholders(end-start, 7)+` ON CONFLICT (workspace_id, kind, hash) DO UPDATE SET item = excluded.item,
			title = CASE WHEN excluded.title <> '' THEN excluded.title ELSE usage_items.title END,
			url = CASE WHEN excluded.url <> '' THEN excluded.url ELSE usage_items.url END, seen_at = excluded.seen_at
			WHERE excluded.seen_at >= usage_items.seen_at`), args[start*7:end*7]...); err != nil {
			return fmt.Errorf("store: save sources and actions: %w", err)
		}
	}
	return nil
}

// useRow is a row of conversation_uses within a workspace.
type useRow struct{ kind, hash, conversationID string }

// itemRow is a use with the outcome of the conversation it was seen in.
type itemRow struct {
	use  parley.Use
	seen *parley.Outcome
}

// UsageItems returns the workspace's sources or actions by hash.
func (db *DB) UsageItems(ctx context.Context, workspaceID int64, kind parley.UseKind) (map[string]parley.UsageItem, error) {
	rows, err := db.reader(ctx).QueryContext(ctx, db.dialect.rebind(`SELECT hash, item, title, url FROM usage_items
		WHERE workspace_id = ? AND kind = ?`), workspaceID, string(kind))
	out := map[string]parley.UsageItem{}
	if err := eachRow(rows, err, "sources and actions", func(r rowScanner) error {
		it := parley.UsageItem{Kind: kind}
		err := r.Scan(&it.Hash, &it.Key, &it.Title, &it.URL)
		out[it.Hash] = it
		return err
	}); err != nil {
		return nil, err
	}
	return out, nil
}
