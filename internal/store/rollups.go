package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/parleyhq/parley"
)

// Rollups are the daily cells (workspace-local date × channel × metric ×
// label) that reports read instead of raw events. Evaluation changes them
// by deltas in the transaction that saves outcomes; this file holds their
// key order, their reading and their writing.

// Rollups returns the rollup cells of a workspace's last complete
// generation for local dates from..to (inclusive; empty means unbounded),
// ordered by day, channel, metric, label, with the version, the settings
// and the progress of a recompute that go with them. All of it is read in
// one statement, so that it is one consistent state even while evaluation
// switches generations.
//
// The cells come as one text, a line per cell, joined by the database:
// a report reads tens of thousands of them, and fetching them row by row
// cost twice as much, mostly in the driver's work per row. Every part is a
// date, a slug, a number or a sketch's text, so neither separator occurs
// inside one.
func (db *DB) Rollups(ctx context.Context, workspaceID int64, from, to string) (parley.RollupSet, error) {
	var set parley.RollupSet
	cells, args := cellLines("rollups", "sketch", workspaceID, from, to)
	var (
		text                           sql.NullString
		complete, current, done, total int64
		stored                         string
	)
	err := db.reader(ctx).QueryRowContext(ctx, db.dialect.rebind(`SELECT
		(SELECT string_agg(line, ?) FROM (`+cells+` ORDER BY day, channel, metric, label) cells),
		COALESCE(v.version, 0), COALESCE(v.generation, w.generation), w.generation,
		COALESCE(v.settings, ''), COALESCE(v.recompute_done, 0), COALESCE(v.recompute_total, 0)
		FROM workspaces w LEFT JOIN rollup_versions v ON v.workspace_id = w.id WHERE w.id = ?`), append(args, workspaceID)...).
		Scan(&text, &set.Version, &complete, &current, &stored, &done, &total)
	if errors.Is(err, sql.ErrNoRows) {
		return set, parley.Errorf(parley.KindNotFound, "workspace %d not found", workspaceID)
	}
	if err != nil {
		return set, fmt.Errorf("store: read rollups: %w", err)
	}
	if stored != "" {
		set.Settings = new(parley.VersionedSettings)
		if err := json.Unmarshal([]byte(stored), set.Settings); err != nil {
			return set, fmt.Errorf("store: read rollups: settings of generation %d: %w", complete, err)
		}
	}
	if complete != current {
		set.Recompute = &parley.Recompute{Done: done, Total: total}
	}
	if set.Cells, err = parseRollups(text.String); err != nil {
		return set, fmt.Errorf("store: read rollups: %w", err)
	}
	return set, nil
}

// cellLines is the query of a rollup table's cells of the complete
// generation for local dates from..to (empty means unbounded), one line
// each as parseRollups reads it, the sketch part taken from the column or
// expression sketch; and its arguments, led by the separator that
// string_agg joins the lines with.
func cellLines(table, sketch string, workspaceID int64, from, to string) (string, []any) {
	cells := `SELECT day || '|' || channel || '|' || metric || '|' || label || '|' || value || '|' || ` + sketch + ` AS line
		FROM ` + table + ` WHERE workspace_id = ? AND generation = ` + completeGeneration
	args := []any{"\n", workspaceID, workspaceID, workspaceID}
	if from != "" {
		cells += ` AND day >= ?`
		args = append(args, from)
	}
	if to != "" {
		cells += ` AND day <= ?`
		args = append(args, to)
	}
	return cells, args
}

// completeGeneration is the generation of workspace ? whose rollups
// reports read, its last complete one; it takes the workspace id twice.
const completeGeneration = `COALESCE((SELECT generation FROM rollup_versions WHERE workspace_id = ?),
	(SELECT generation FROM workspaces WHERE id = ?))`

// UsageRollups returns the cells that count the uses of sources and
// actions (parley.MetricUse) of the generation Rollups reads, for local
// dates from..to (inclusive; empty means unbounded), in its order.
func (db *DB) UsageRollups(ctx context.Context, workspaceID int64, from, to string) ([]parley.Rollup, error) {
	cells, args := cellLines("usage_rollups", "''", workspaceID, from, to)
	var text sql.NullString
	if err := db.reader(ctx).QueryRowContext(ctx, db.dialect.rebind(`SELECT string_agg(line, ?) FROM (`+cells+` ORDER BY day, channel, metric, label) cells`),
		args...).Scan(&text); err != nil {
		return nil, fmt.Errorf("store: read usage rollups: %w", err)
	}
	out, err := parseRollups(text.String)
	if err != nil {
		return nil, fmt.Errorf("store: read usage rollups: %w", err)
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
		var parts [6]string
		rest := line
		for i := range 5 {
			var ok bool
			if parts[i], rest, ok = strings.Cut(rest, "|"); !ok {
				return nil, fmt.Errorf("malformed cell %q", line)
			}
		}
		n, err := strconv.ParseInt(parts[4], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("cell %q: %w", line, err)
		}
		r := parley.Rollup{Day: intern(parts[0]), Channel: intern(parts[1]),
			Metric: parley.Metric(intern(parts[2])), Label: intern(parts[3]), Value: n}
		if rest != "" {
			r.Sketch = strings.Clone(rest)
		}
		out = append(out, r)
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

// compare orders cells as the rollups table's key does. Each part is
// compared only when the ones before are equal: cmp.Or would compare all
// four first, and sorting a batch's cells took a sixth of writing them.
func (a cell) compare(b cell) int {
	if c := strings.Compare(a.day, b.day); c != 0 {
		return c
	}
	if c := strings.Compare(a.channel, b.channel); c != 0 {
		return c
	}
	if c := strings.Compare(string(a.metric), string(b.metric)); c != 0 {
		return c
	}
	return strings.Compare(a.label, b.label)
}

// applyDelta adds the changes of an evaluation to the rollups of its
// generation: the uses of sources and actions (parley.MetricUse) to
// usage_rollups, the report's counts and sketches to rollups.
func (ev *Evaluation) applyDelta(ctx context.Context, counts map[cell]int64, sketches map[cell]*parley.DurationSketch) error {
	report, usage := make(map[cell]int64, len(counts)), map[cell]int64{}
	for c, n := range counts {
		if c.metric == parley.MetricUse {
			usage[c] = n
		} else {
			report[c] = n
		}
	}
	if err := ev.applyReportDelta(ctx, report, sketches); err != nil {
		return err
	}
	return ev.applyUsageDelta(ctx, usage)
}

// applyReportDelta adds counts to their cells and durations to their
// cells' sketches, counts first (see addCells).
func (ev *Evaluation) applyReportDelta(ctx context.Context, counts map[cell]int64, sketches map[cell]*parley.DurationSketch) error {
	emptied, err := ev.addCells(ctx, "rollups", addRollupsSQL, counts)
	if err != nil {
		return err
	}
	if err := ev.applySketches(ctx, sketches, emptied); err != nil {
		return err
	}
	return ev.pruneCells(ctx, "rollups", emptied)
}

// applyUsageDelta adds counts to the cells of usage_rollups.
func (ev *Evaluation) applyUsageDelta(ctx context.Context, counts map[cell]int64) error {
	emptied, err := ev.addCells(ctx, "usage_rollups", addUsageSQL, counts)
	if err != nil {
		return err
	}
	return ev.pruneCells(ctx, "usage_rollups", emptied)
}

// addCells adds counts to the cells of the evaluation's generation in a
// rollup table, with the statement insert makes for a number of rows. Cells
// are written in key order, so that concurrent evaluations on PostgreSQL
// lock rollup rows in one order and cannot deadlock. It returns the days
// whose cells may have fallen to zero.
func (ev *Evaluation) addCells(ctx context.Context, table string, insert func(rows int) string, counts map[cell]int64) (map[string]bool, error) {
	cells := make([]cell, 0, len(counts))
	emptied := map[string]bool{}
	for c, n := range counts {
		if n != 0 {
			cells = append(cells, c)
		}
		if n < 0 {
			emptied[c.day] = true
		}
	}
	slices.SortFunc(cells, cell.compare)
	ev.rollupsChanged = ev.rollupsChanged || len(cells) > 0
	args := make([]any, 0, saveChunk*7)
	for start := 0; start < len(cells); start += saveChunk {
		chunk := cells[start:min(start+saveChunk, len(cells))]
		args = args[:0]
		for _, c := range chunk {
			args = append(args, ev.workspaceID, ev.generation, c.day, c.channel, string(c.metric), c.label, counts[c])
		}
		if _, err := ev.db.execTx(ctx, ev.tx, insert(len(chunk)), args...); err != nil {
			return nil, fmt.Errorf("store: update %s: %w", table, err)
		}
	}
	return emptied, nil
}

// pruneCells deletes the cells of the evaluation's generation in a rollup
// table that fell to zero on the days given, so that the rollups after any
// history of updates equal those of a rebuild.
func (ev *Evaluation) pruneCells(ctx context.Context, table string, emptied map[string]bool) error {
	if len(emptied) == 0 {
		return nil
	}
	days := slices.Sorted(maps.Keys(emptied))
	args := []any{ev.workspaceID, ev.generation}
	for _, day := range days {
		args = append(args, day)
	}
	if _, err := ev.tx.ExecContext(ctx, ev.db.dialect.rebind(
		`DELETE FROM `+table+` WHERE workspace_id = ? AND generation = ? AND day IN (`+list(len(days))+`) AND value = 0`), args...); err != nil {
		return fmt.Errorf("store: prune %s: %w", table, err)
	}
	return nil
}

// applySketches merges the durations an evaluation added and took away
// into the sketches of their cells: each cell is read, merged in Go and
// written back whole, since neither database can merge a sketch's text.
// On PostgreSQL the cells are first made to exist and then locked, in key
// order, so that two evaluations changing one sketch wait for each other
// instead of one overwriting the other. Days whose sketch emptied are
// added to emptied.
func (ev *Evaluation) applySketches(ctx context.Context, deltas map[cell]*parley.DurationSketch, emptied map[string]bool) error {
	cells := make([]cell, 0, len(deltas))
	for c, d := range deltas {
		if !d.Empty() {
			cells = append(cells, c)
		}
	}
	if len(cells) == 0 {
		return nil
	}
	slices.SortFunc(cells, cell.compare)
	ev.rollupsChanged = true
	d := ev.db.dialect
	args := make([]any, 0, sketchChunk*8)
	for start := 0; start < len(cells); start += sketchChunk {
		chunk := cells[start:min(start+sketchChunk, len(cells))]
		// keys are the chunk's cells as arguments: after the workspace and
		// generation, or as whole empty rows.
		keys := func(rows bool) []any {
			args = args[:0]
			if !rows {
				args = append(args, ev.workspaceID, ev.generation)
			}
			for _, c := range chunk {
				if rows {
					args = append(args, ev.workspaceID, ev.generation)
				}
				args = append(args, c.day, c.channel, string(c.metric), c.label)
				if rows {
					args = append(args, 0, "")
				}
			}
			return args
		}
		lock := ""
		if d == Postgres {
			// Rows are inserted, and so locked, in the order given.
			if _, err := ev.tx.ExecContext(ctx, d.rebind(`INSERT INTO rollups (workspace_id, generation, day, channel, metric, label, value, sketch)
				VALUES `+placeholders(len(chunk), 8)+`
				ON CONFLICT (workspace_id, generation, day, channel, metric, label) DO NOTHING`), keys(true)...); err != nil {
				return fmt.Errorf("store: update rollup sketches: %w", err)
			}
			lock = ` ORDER BY day, channel, metric, label FOR UPDATE`
		}
		rows, err := ev.tx.QueryContext(ctx, d.rebind(`SELECT day, channel, metric, label, sketch FROM rollups
			WHERE workspace_id = ? AND generation = ? AND (day, channel, metric, label) IN (VALUES `+placeholders(len(chunk), 4)+`)`+lock), keys(false)...)
		if err := eachRow(rows, err, "read rollup sketches", func(r rowScanner) error {
			var (
				c    cell
				text string
			)
			if err := r.Scan(&c.day, &c.channel, &c.metric, &c.label, &text); err != nil {
				return err
			}
			if text == "" {
				return nil // made just now, to be locked
			}
			if err := deltas[c].MergeText(text); err != nil {
				return fmt.Errorf("sketch %s %s %s %s: %w", c.day, c.channel, c.metric, c.label, err)
			}
			return nil
		}); err != nil {
			return err
		}
		args = args[:0]
		for _, c := range chunk {
			merged := deltas[c]
			if !merged.Valid() {
				return fmt.Errorf("store: rollup sketch %s %s %s %s: a duration was taken away that it does not hold", c.day, c.channel, c.metric, c.label)
			}
			n := merged.Count()
			if n == 0 {
				emptied[c.day] = true
			}
			args = append(args, ev.workspaceID, ev.generation, c.day, c.channel, string(c.metric), c.label, n, merged.String())
		}
		if _, err := ev.tx.ExecContext(ctx, d.rebind(`INSERT INTO rollups (workspace_id, generation, day, channel, metric, label, value, sketch) VALUES `+
			placeholders(len(chunk), 8)+` ON CONFLICT (workspace_id, generation, day, channel, metric, label)
			DO UPDATE SET value = excluded.value, sketch = excluded.sketch`), args...); err != nil {
			return fmt.Errorf("store: update rollup sketches: %w", err)
		}
	}
	return nil
}

// sketchChunk bounds the sketch cells one statement reads or writes.
const sketchChunk = 500

// encodeContributions writes contributions compactly, one per line as
// day|channel|metric|label|n. Every part is a date, a slug or a number, so
// neither separator can occur inside one.
func encodeContributions(cs []parley.Contribution) string {
	// Sized up front, exactly, so that the line is built in one allocation
	// rather than grown a step at a time.
	var (
		b     strings.Builder
		count [20]byte
	)
	size := 0
	for _, c := range cs {
		size += len(c.Day) + len(c.Channel) + len(c.Metric) + len(c.Key) + decimalLen(c.N) + 5
	}
	b.Grow(size)
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
		b.Write(strconv.AppendInt(count[:0], c.N, 10))
	}
	return b.String()
}

// decimalLen is how many bytes strconv.AppendInt writes for n in base 10:
// counted, not written, since encodeContributions writes every count once.
func decimalLen(n int64) int {
	l := 1
	if n < 0 {
		l++
	}
	for n /= 10; n != 0; n /= 10 {
		l++
	}
	return l
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

// commitRollups records, inside an evaluation's transaction, that it
// changed the rollups of generation and evaluated moved conversations of an
// older generation again: the version moves on and, when that was the last
// conversation a recompute waited for, reports switch to the new
// generation and the old one is dropped.
func (ev *Evaluation) commitRollups(ctx context.Context) error {
	d := ev.db.dialect
	var complete, done, total int64
	if err := ev.tx.QueryRowContext(ctx, d.rebind(`INSERT INTO rollup_versions (workspace_id, version, generation) VALUES (?, 1, ?)
		ON CONFLICT (workspace_id) DO UPDATE SET version = rollup_versions.version + 1, recompute_done = rollup_versions.recompute_done + ?
		RETURNING generation, recompute_done, recompute_total`), ev.workspaceID, ev.generation, ev.moved).Scan(&complete, &done, &total); err != nil {
		return fmt.Errorf("store: bump rollup version: %w", err)
	}
	if complete == ev.generation || done < total {
		return nil
	}
	// The count says every conversation has been evaluated again; the
	// rows are asked too, once, so that a count gone wrong can only delay
	// the switch, never make it early.
	var left int64
	if err := ev.tx.QueryRowContext(ctx, d.rebind(`SELECT COUNT(*) FROM conversations
		WHERE workspace_id = ? AND generation <> ? AND contributions <> ''`), ev.workspaceID, ev.generation).Scan(&left); err != nil {
		return fmt.Errorf("store: finish recompute: %w", err)
	}
	if left > 0 {
		if _, err := ev.tx.ExecContext(ctx, d.rebind(`UPDATE rollup_versions SET recompute_total = recompute_done + ? WHERE workspace_id = ?`),
			left, ev.workspaceID); err != nil {
			return fmt.Errorf("store: finish recompute: %w", err)
		}
		return nil
	}
	return switchGeneration(ctx, ev.tx, d, ev.workspaceID, ev.generation)
}

// switchGeneration makes generation the one reports read. The cells of
// the generation it replaces stay, never read again, until the next
// recompute starts (see startGeneration): dropping them here made the
// last batch of every recompute delete as many cells as the reports hold,
// about a fifth of a rebuild's evaluation at 2,000 conversations, while
// holding the write lock; the start of a recompute deletes them in the
// transaction it needs anyway.
func switchGeneration(ctx context.Context, tx *sql.Tx, d Dialect, workspaceID, generation int64) error {
	if _, err := tx.ExecContext(ctx, d.rebind(`UPDATE rollup_versions SET generation = ?, settings = '', recompute_total = 0, recompute_done = 0, seed = 0
		WHERE workspace_id = ?`), generation, workspaceID); err != nil {
		return fmt.Errorf("store: switch rollups to generation %d: %w", generation, err)
	}
	return nil
}

// dropGenerations deletes the rollups, the report's and the usage ones, of
// every generation but keep.
func dropGenerations(ctx context.Context, tx *sql.Tx, d Dialect, workspaceID, keep int64) error {
	for _, table := range []string{"rollups", "usage_rollups"} {
		if _, err := tx.ExecContext(ctx, d.rebind(`DELETE FROM `+table+` WHERE workspace_id = ? AND generation <> ?`), workspaceID, keep); err != nil {
			return fmt.Errorf("store: drop other generations of %s: %w", table, err)
		}
	}
	return nil
}

// generationLock keys the PostgreSQL advisory lock, one per workspace,
// that evaluation batches hold shared from their claim to their commit and
// a settings change takes exclusively ("gen" in ASCII). Advisory locks are
// per database, not per schema, so the workspace's half of the key is a
// hash of the schema and the workspace: deployments (and tests) that share
// a database in schemas of their own do not wait for each other.
const generationLock int32 = 0x67656e

// generationLockSQL takes the lock of workspace ?, shared or not.
func generationLockSQL(shared bool) string {
	fn := "pg_advisory_xact_lock"
	if shared {
		fn += "_shared"
	}
	return `SELECT ` + fn + `($1, hashtext(current_schema() || ':' || $2::bigint::text))`
}

// startGeneration makes every conversation of a workspace be evaluated
// again into a new generation of rollups, in tx, after a settings change
// (previous are the settings before it) or for a rebuild. Reports go on
// reading the last complete generation, and say so, until it is done. The
// cells of every other generation are dropped: one left unfinished by
// another change, and the one the last switch replaced (see
// switchGeneration).
//
// Rows are locked in the order evaluation locks them: the workspace, its
// conversations (all of them, so that an evaluation in flight with the
// old settings commits first, and is then due again), rollups, then
// rollup_versions.
func (db *DB) startGeneration(ctx context.Context, tx *sql.Tx, workspaceID int64, previous parley.VersionedSettings) error {
	d := db.dialect
	if d == Postgres {
		// Marking every conversation due takes as long as it takes.
		if err := longStatements(ctx, tx); err != nil {
			return err
		}
		// Batches claimed before this point are waited for, and no new
		// one is claimed until this transaction ends: else the update of
		// every conversation would queue behind one claimed batch after
		// another for a whole backfill.
		if _, err := tx.ExecContext(ctx, generationLockSQL(false), generationLock, workspaceID); err != nil {
			return fmt.Errorf("store: new generation: %w", err)
		}
	}
	var generation int64
	if err := tx.QueryRowContext(ctx, d.rebind(`UPDATE workspaces SET generation = generation + 1 WHERE id = ? RETURNING generation`),
		workspaceID).Scan(&generation); err != nil {
		return fmt.Errorf("store: new generation: %w", err)
	}
	if _, err := tx.ExecContext(ctx, d.rebind(`UPDATE conversations SET due_at = ? WHERE workspace_id = ?`),
		d.instant(earliest), workspaceID); err != nil {
		return fmt.Errorf("store: new generation: %w", err)
	}
	complete, stored := generation-1, ""
	err := tx.QueryRowContext(ctx, d.rebind(`SELECT generation, settings FROM rollup_versions WHERE workspace_id = ?`), workspaceID).Scan(&complete, &stored)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: new generation: %w", err)
	}
	// elsewhere counts the conversations whose contributions were added to
	// another generation than the complete one: a recompute in progress
	// has moved them.
	var total, elsewhere int64
	if err := tx.QueryRowContext(ctx, d.rebind(`SELECT COUNT(*), COALESCE(SUM(CASE WHEN generation <> ? THEN 1 ELSE 0 END), 0)
		FROM conversations WHERE workspace_id = ? AND contributions <> ''`),
		complete, workspaceID).Scan(&total, &elsewhere); err != nil {
		return fmt.Errorf("store: new generation: %w", err)
	}
	if total == 0 {
		// Nothing to compute again: the new generation is complete.
		if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO rollup_versions (workspace_id, version, generation) VALUES (?, 1, ?)
			ON CONFLICT (workspace_id) DO UPDATE SET version = rollup_versions.version + 1`), workspaceID, generation); err != nil {
			return fmt.Errorf("store: new generation: %w", err)
		}
		if err := switchGeneration(ctx, tx, d, workspaceID, generation); err != nil {
			return err
		}
		return dropGenerations(ctx, tx, d, workspaceID, generation)
	}
	if stored == "" {
		// The complete generation was computed with the settings until
		// now; once they change, they must be kept to say so.
		b, err := json.Marshal(previous)
		if err != nil {
			return fmt.Errorf("store: new generation: %w", err)
		}
		stored = string(b)
	}
	if err := dropGenerations(ctx, tx, d, workspaceID, complete); err != nil {
		return err
	}
	// When every evaluated conversation's contributions are in the
	// complete generation, the new one begins as its copy (see
	// Evaluation.seed): a conversation evaluated again into it then writes
	// only what changed, mostly nothing.
	var seed int64
	if elsewhere == 0 {
		// Every evaluated conversation counts once in the cells of its
		// conversations or of its test traffic: a copy whose count differs
		// carries a fault forward, so the generation begins empty instead.
		var counted int64
		if err := tx.QueryRowContext(ctx, d.rebind(`SELECT COALESCE(SUM(value), 0) FROM rollups
			WHERE workspace_id = ? AND generation = ? AND metric IN (?, ?)`),
			workspaceID, complete, string(parley.MetricConversations), string(parley.MetricTest)).Scan(&counted); err != nil {
			return fmt.Errorf("store: new generation: %w", err)
		}
		if counted == total {
			seed = complete
		}
	}
	if seed != 0 {
		for _, table := range []string{"rollups", "usage_rollups"} {
			cols := "day, channel, metric, label, value"
			if table == "rollups" {
				cols += ", sketch"
			}
			if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO `+table+` (workspace_id, generation, `+cols+`)
				SELECT workspace_id, ?, `+cols+` FROM `+table+` WHERE workspace_id = ? AND generation = ?`),
				generation, workspaceID, complete); err != nil {
				return fmt.Errorf("store: new generation: copy %s: %w", table, err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO rollup_versions (workspace_id, version, generation, settings, recompute_total, recompute_done, seed)
		VALUES (?, 1, ?, ?, ?, 0, ?)
		ON CONFLICT (workspace_id) DO UPDATE SET version = rollup_versions.version + 1, settings = excluded.settings,
		  recompute_total = excluded.recompute_total, recompute_done = 0, seed = excluded.seed`), workspaceID, complete, stored, total, seed); err != nil {
		return fmt.Errorf("store: new generation: %w", err)
	}
	return nil
}
