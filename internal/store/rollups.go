package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/parleyhq/parley"
)

// Rollups are the daily cells (workspace-local date × channel × metric ×
// label) that reports read instead of raw events. Evaluation changes them
// by deltas in the transaction that saves outcomes; this file holds their
// key order, their reading and their writing.

// Rollups returns the rollup cells of a workspace for local dates from..to
// (inclusive; empty means unbounded), ordered by day, channel, metric, label.
//
// The cells come as one text, a line per cell, joined by the database:
// a report reads tens of thousands of them, and fetching them row by row
// cost twice as much, mostly in the driver's work per row. Every part is a
// date, a slug or a number, so neither separator occurs inside one.
func (db *DB) Rollups(ctx context.Context, workspaceID int64, from, to string) ([]parley.Rollup, error) {
	q := `SELECT day || '|' || channel || '|' || metric || '|' || label || '|' || value AS line FROM rollups WHERE workspace_id = ?`
	args := []any{workspaceID}
	if from != "" {
		q += ` AND day >= ?`
		args = append(args, from)
	}
	if to != "" {
		q += ` AND day <= ?`
		args = append(args, to)
	}
	var text sql.NullString
	if err := db.reader(ctx).QueryRowContext(ctx, db.dialect.rebind(`SELECT string_agg(line, ?) FROM (`+q+` ORDER BY day, channel, metric, label) cells`),
		append([]any{"\n"}, args...)...).Scan(&text); err != nil {
		return nil, fmt.Errorf("store: read rollups: %w", err)
	}
	out, err := parseRollups(text.String)
	if err != nil {
		return nil, fmt.Errorf("store: read rollups: %w", err)
	}
	return out, nil
}

// parseRollups reads the lines Rollups asks for. Days, channels, metrics
// and labels repeat, so each distinct one is kept once, copied out of the
// text, which may then be freed although reports built from the cells are
// kept. The cells are sorted if the database joined them out of order.
func parseRollups(text string) ([]parley.Rollup, error) {
	if text == "" {
		return nil, nil
	}
	seen := map[string]string{}
	intern := func(s string) string {
		if v, ok := seen[s]; ok {
			return v
		}
		v := strings.Clone(s)
		seen[v] = v
		return v
	}
	out := make([]parley.Rollup, 0, strings.Count(text, "\n")+1)
	for line := range strings.SplitSeq(text, "\n") {
		var parts [5]string
		rest := line
		for i := range 4 {
			var ok bool
			if parts[i], rest, ok = strings.Cut(rest, "|"); !ok {
				return nil, fmt.Errorf("malformed cell %q", line)
			}
		}
		n, err := strconv.ParseInt(rest, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("cell %q: %w", line, err)
		}
		out = append(out, parley.Rollup{Day: intern(parts[0]), Channel: intern(parts[1]),
			Metric: parley.Metric(intern(parts[2])), Label: intern(parts[3]), Value: n})
	}
	cmpRollups := func(a, b parley.Rollup) int { return rollupCell(a).compare(rollupCell(b)) }
	if !slices.IsSortedFunc(out, cmpRollups) {
		slices.SortFunc(out, cmpRollups)
	}
	return out, nil
}

// RollupVersion returns a number that changes whenever the workspace's
// rollups change: a report built at one version stays right until then.
func (db *DB) RollupVersion(ctx context.Context, workspaceID int64) (int64, error) {
	var v int64
	err := db.reader(ctx).QueryRowContext(ctx, db.dialect.rebind(`SELECT version FROM rollup_versions WHERE workspace_id = ?`), workspaceID).Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("store: rollup version: %w", err)
	}
	return v, nil
}

// cell is one rollup row's key within a workspace.
type cell struct {
	day, channel string
	metric       parley.Metric
	label        string
}

func cellOf(c parley.Contribution) cell { return cell{c.Day, c.Channel, c.Metric, c.Key} }

func rollupCell(r parley.Rollup) cell { return cell{r.Day, r.Channel, r.Metric, r.Label} }

// compare orders cells as the rollups table's key does.
func (a cell) compare(b cell) int {
	return cmp.Or(strings.Compare(a.day, b.day), strings.Compare(a.channel, b.channel),
		strings.Compare(string(a.metric), string(b.metric)), strings.Compare(a.label, b.label))
}

// applyDelta adds delta to the rollups. Cells are written in key order, so
// that concurrent evaluations on PostgreSQL lock rollup rows in one order
// and cannot deadlock; cells that fall to zero are deleted, so that the
// rollups after any history of updates equal those of a rebuild.
func (ev *Evaluation) applyDelta(ctx context.Context, delta map[cell]int64) error {
	cells := make([]cell, 0, len(delta))
	emptied := map[string]bool{}
	for c, n := range delta {
		if n != 0 {
			cells = append(cells, c)
		}
		if n < 0 {
			emptied[c.day] = true
		}
	}
	slices.SortFunc(cells, cell.compare)
	d := ev.db.dialect
	ev.rollupsChanged = ev.rollupsChanged || len(cells) > 0
	args := make([]any, 0, saveChunk*6)
	for start := 0; start < len(cells); start += saveChunk {
		chunk := cells[start:min(start+saveChunk, len(cells))]
		args = args[:0]
		for _, c := range chunk {
			args = append(args, ev.workspaceID, c.day, c.channel, string(c.metric), c.label, delta[c])
		}
		if _, err := ev.db.execTx(ctx, ev.tx, addRollupsSQL(len(chunk)), args...); err != nil {
			return fmt.Errorf("store: update rollups: %w", err)
		}
	}
	if len(emptied) == 0 {
		return nil
	}
	days := slices.Sorted(func(yield func(string) bool) {
		for day := range emptied {
			if !yield(day) {
				return
			}
		}
	})
	args = append(args[:0], ev.workspaceID)
	for _, day := range days {
		args = append(args, day)
	}
	if _, err := ev.tx.ExecContext(ctx, d.rebind(
		`DELETE FROM rollups WHERE workspace_id = ? AND day IN (`+list(len(days))+`) AND value = 0`), args...); err != nil {
		return fmt.Errorf("store: prune rollups: %w", err)
	}
	return nil
}

// encodeContributions writes contributions compactly, one per line as
// day|channel|metric|label|n. Every part is a date, a slug or a number, so
// neither separator can occur inside one.
func encodeContributions(cs []parley.Contribution) string {
	var b strings.Builder
	for i, c := range cs {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(c.Day)
		b.WriteByte('|')
		b.WriteString(c.Channel)
		b.WriteByte('|')
		b.WriteString(string(c.Metric))
		b.WriteByte('|')
		b.WriteString(c.Key)
		b.WriteByte('|')
		b.WriteString(strconv.FormatInt(c.N, 10))
	}
	return b.String()
}

// decodeContributions reads what encodeContributions wrote.
func decodeContributions(s string) ([]parley.Contribution, error) {
	if s == "" {
		return nil, nil
	}
	out := make([]parley.Contribution, 0, strings.Count(s, "\n")+1)
	for line := range strings.SplitSeq(s, "\n") {
		parts := strings.Split(line, "|")
		if len(parts) != 5 {
			return nil, fmt.Errorf("stored contributions: malformed line %q", line)
		}
		n, err := strconv.ParseInt(parts[4], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("stored contributions: line %q: %w", line, err)
		}
		out = append(out, parley.Contribution{Day: parts[0], Channel: parts[1], Metric: parley.Metric(parts[2]), Key: parts[3], N: n})
	}
	return out, nil
}

// bumpRollupVersion changes the workspace's rollup version inside tx.
func bumpRollupVersion(tx *sql.Tx, d Dialect, workspaceID int64) error {
	if _, err := tx.Exec(d.rebind(`INSERT INTO rollup_versions (workspace_id, version) VALUES (?, 1)
		ON CONFLICT (workspace_id) DO UPDATE SET version = rollup_versions.version + 1`), workspaceID); err != nil {
		return fmt.Errorf("store: bump rollup version: %w", err)
	}
	return nil
}
