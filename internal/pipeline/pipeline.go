// Package pipeline keeps derived data current: it evaluates conversations
// that became due — new events arrived, or a decision time passed — and
// saves their outcomes, gap signals and rollup changes in one transaction
// per batch; then it groups the new gap questions into topics.
//
// Several processes may run a Worker against one PostgreSQL database: a
// batch's conversations are claimed before their events are read and stay
// locked until its transaction ends, and other workers skip them, so work
// is shared without being done twice, and an event that arrives during an
// evaluation marks its conversation due again once the batch commits.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/evaluate"
	"github.com/parleyhq/parley/internal/gaps"
	"github.com/parleyhq/parley/internal/loop"
	"github.com/parleyhq/parley/internal/metrics"
	"github.com/parleyhq/parley/internal/store"
)

// Options configure a Worker. Zero values take the defaults.
type Options struct {
	// Now is the clock; evaluation never reads the time any other way.
	Now func() time.Time
	// Batch is how many conversations one transaction evaluates.
	Batch int
	// Interval is how long Run waits between passes when not woken.
	Interval time.Duration
	Logger   *slog.Logger
	// OnPass, if set, learns the outcome of every pass Run makes.
	OnPass func(Stats, error)
	// Embedder, if set, gives gap questions vectors by meaning, and new
	// topics are formed from those (see gaps.GroupVectors). When it fails,
	// grouping goes on by words and the failure is logged.
	Embedder Embedder
	// Metrics, if set, learns each batch's duration and the questions
	// grouped.
	Metrics *metrics.Metrics
	// AfterEvaluate, if set, is called once evaluation of a workspace has
	// caught up: every conversation that was due at now has been
	// evaluated. The weekly report webhook is queued from there. Its
	// failure is logged, and it is called again on the next pass.
	AfterEvaluate func(ctx context.Context, ws parley.Workspace, now time.Time) error
}

// Embedder turns texts into vectors, one per text; embeddings.Client is one.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// Defaults of Options.
const (
	DefaultBatch    = 1000
	DefaultInterval = 10 * time.Second
	// groupBatch is how many new gap questions one transaction groups.
	// Questions grouped together can form topics among themselves, so the
	// batch is large; grouping 20,000 questions takes a few seconds.
	groupBatch = 20000
	// embedBatch is groupBatch with embeddings, whose neighbours are found
	// by comparing every pair.
	embedBatch = 2000
)

// analyzeEvery is how many batches a worker reads before it refreshes the
// planner's statistics again when it finds a full batch due.
const analyzeEvery = 100

// Worker evaluates due conversations.
type Worker struct {
	db   *store.DB
	opt  Options
	loop *loop.Loop
	// stop, while Run makes a pass, is Run's context: batches check it
	// between them. Only Run's goroutine touches it.
	stop context.Context
	// sinceAnalyze counts the batches read since the database's planner
	// statistics were last refreshed (see evaluate).
	sinceAnalyze int
	// retried says the first pass has made due again the conversations
	// another release set aside.
	retried bool
	// place is Place; tests replace it to make grouping fail.
	place func(store.Grouping, map[string][]float32) store.Placement
}

// New returns a Worker over db.
func New(db *store.DB, opt Options) *Worker {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Batch <= 0 {
		opt.Batch = DefaultBatch
	}
	if opt.Interval <= 0 {
		opt.Interval = DefaultInterval
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	return &Worker{db: db, opt: opt, loop: loop.New(), sinceAnalyze: analyzeEvery, place: Place}
}

// Stats count what a pass did.
type Stats struct {
	Conversations int                        `json:"conversations"`
	Outcomes      map[parley.OutcomeKind]int `json:"outcomes"`
	// Grouped counts gap questions placed in topics.
	Grouped int `json:"grouped"`
	// Evaluating and Grouping are the wall time spent on each, apart,
	// because grouping a large backlog of questions takes a while of its
	// own.
	Evaluating time.Duration `json:"evaluating_ns"`
	Grouping   time.Duration `json:"grouping_ns"`
	// SetAside counts the conversations whose evaluation failed and that
	// were set aside (see store.NewSetAside).
	SetAside int `json:"set_aside"`
	// Unchanged counts the conversations evaluated as they had been, whose
	// stored outcome, contributions and gap signals stood: only when they
	// were evaluated was written (see store.Evaluation.Unchanged).
	Unchanged int `json:"unchanged"`
}

func (s *Stats) add(o parley.OutcomeKind) {
	if s.Outcomes == nil {
		s.Outcomes = map[parley.OutcomeKind]int{}
	}
	s.Conversations++
	s.Outcomes[o]++
}

// Pass evaluates every conversation of every workspace that is due at the
// clock's current time, batch by batch, and returns what it did.
func (w *Worker) Pass(ctx context.Context) (Stats, error) {
	var st Stats
	if !w.retried {
		// This release may have fixed what made another set a
		// conversation aside.
		n, err := w.db.RetryAfterUpgrade(ctx, parley.Version)
		if err != nil {
			return st, err
		}
		if n > 0 {
			w.opt.Logger.Info("retrying conversations set aside by another release", "conversations", n)
		}
		w.retried = true
	}
	workspaces, err := w.db.Workspaces(ctx)
	if err != nil {
		return st, err
	}
	// A workspace that fails does not stop the others: its error is
	// returned with theirs once every workspace has had its turn.
	var errs []error
	for _, ws := range workspaces {
		if w.stopping() {
			break
		}
		if err := w.Workspace(ctx, ws, &st, nil); err != nil {
			errs = append(errs, err)
		}
	}
	return st, errors.Join(errs...)
}

// Workspace evaluates every conversation of one workspace that is due at
// the clock's current time, adding to st, and calls progress (if not nil)
// after each batch; then it groups the gap questions found into topics.
func (w *Worker) Workspace(ctx context.Context, ws parley.Workspace, st *Stats, progress func(Stats)) error {
	loc, err := ws.Settings.Location()
	if err != nil {
		return fmt.Errorf("pipeline: workspace %s: %w", ws.Slug, err)
	}
	// Both databases keep instants to the microsecond; the conversation
	// page evaluates again at the stored evaluated_at, which must be
	// exactly the now the outcome was computed at.
	now := w.opt.Now().Truncate(time.Microsecond)
	start := time.Now()
	for {
		var changed bool
		changed, err = w.evaluate(ctx, ws, loc, now, st, progress)
		if err != nil || !changed || w.stopping() {
			break
		}
		// The settings changed during the walk, and the batches read
		// with the old ones were not saved: start again with the new.
		if ws, err = w.db.WorkspaceByID(ctx, ws.ID); err != nil {
			break
		}
		if loc, err = ws.Settings.Location(); err != nil {
			break
		}
	}
	st.Evaluating += time.Since(start)
	if err != nil {
		return fmt.Errorf("pipeline: workspace %s: %w", ws.Slug, err)
	}
	if w.stopping() {
		return nil
	}
	if w.opt.AfterEvaluate != nil {
		if err := w.opt.AfterEvaluate(ctx, ws, now); err != nil {
			w.opt.Logger.Warn("after evaluation", "workspace", ws.Slug, "err", err)
		}
	}
	start = time.Now()
	err = w.group(ctx, ws, now, st)
	st.Grouping += time.Since(start)
	return err
}

// embed fetches the vectors of the questions the next grouping batch will
// take, before its transaction starts. It returns nil without an Embedder,
// or when the embeddings service fails: grouping then goes by words.
func (w *Worker) embed(ctx context.Context, ws parley.Workspace, batch int) (map[string][]float32, error) {
	if w.opt.Embedder == nil {
		return nil, nil
	}
	pending, err := w.db.PendingQuestions(ctx, ws.ID, batch)
	if err != nil || len(pending) == 0 {
		return nil, err
	}
	texts := make([]string, len(pending))
	for i, p := range pending {
		texts[i] = gaps.Budget(p.Question) // what grouping reads of it
	}
	vecs, err := w.opt.Embedder.Embed(ctx, texts)
	if err != nil {
		w.opt.Logger.Warn("embeddings unavailable; grouping gap questions by their words", "workspace", ws.Slug, "err", err)
		return nil, nil
	}
	out := make(map[string][]float32, len(pending))
	for i, p := range pending {
		out[p.EventID] = vecs[i]
	}
	return out, nil
}

// evaluate walks the workspace's due conversations once, in two stages
// that run side by side: one goroutine claims a batch, reads it and
// computes its outcomes while this one writes the previous batch. Reading,
// decoding and deciding take about as long as writing, so on two cores a
// batch costs about half of what it would in turn. It stops early,
// reporting changed, when the workspace's settings changed since ws was
// read.
func (w *Worker) evaluate(ctx context.Context, ws parley.Workspace, loc *time.Location, now time.Time, st *Stats, progress func(Stats)) (changed bool, err error) {
	readCtx, cancel := context.WithCancel(ctx)
	// One batch decided may wait for the writer while the reader goes on
	// with the next: some batches take the reader longer than others (a
	// collection, long conversations), and a reader that could only be one
	// batch ahead left the writer waiting after each of them. On
	// PostgreSQL the waiting batch holds a third evaluation connection if
	// the pool has one; with two, the reader waits for it instead.
	batches := make(chan batch, 1)
	// spare brings the results of a batch saved back to the reader, which
	// decides the next batch into them: made anew, they were 70 MB of the
	// 1,029 MB a rebuild of 100,000 allocated.
	spare := make(chan []store.Result, 1)
	var (
		readErr     error
		readChanged bool
	)
	go func() {
		defer close(batches)
		var at store.DueCursor
		for limit := firstBatch(w.opt.Batch); ; limit = w.opt.Batch {
			var ev *store.Evaluation
			ev, readErr = w.db.ClaimDue(readCtx, ws, now, at, limit)
			if readErr != nil {
				return
			}
			if readChanged = ev.SettingsChanged(); readChanged {
				ev.Rollback()
				return
			}
			due := ev.Due()
			if len(due) == 0 {
				ev.Rollback()
				return
			}
			at = ev.Next()
			// A full batch means a backlog, as after a bulk load, which
			// the planner may not know of yet: PostgreSQL planned the
			// backfill of 100,000 freshly loaded conversations 3×
			// slower before its statistics were refreshed.
			if w.sinceAnalyze++; len(due) == w.opt.Batch && w.sinceAnalyze > analyzeEvery {
				if readErr = w.db.Analyze(readCtx); readErr != nil {
					ev.Rollback()
					return
				}
				w.sinceAnalyze = 0
			}
			var results []store.Result
			select {
			case results = <-spare:
			default:
			}
			results = decideAll(results, due, ws.Settings, now, loc)
			ev.Decided()
			select {
			case batches <- batch{ev, results}:
			case <-readCtx.Done():
				ev.Rollback()
				return
			}
		}
	}()
	// Whatever ends the loop, the reader is stopped and waited for, and
	// a batch it claimed but this loop did not take is given back.
	defer func() {
		cancel()
		for b := range batches {
			b.ev.Rollback()
		}
	}()
	for b := range batches {
		changed, err := w.save(ctx, now, b, st)
		if err != nil || changed {
			return changed, err
		}
		clear(b.results)
		select {
		case spare <- b.results:
		default:
		}
		if progress != nil {
			progress(*st)
		}
		if w.stopping() {
			return false, nil
		}
	}
	return readChanged, readErr
}

// firstBatch is how many conversations the first batch of a walk claims:
// an eighth of a batch, when that is still worth a goroutine (decidePart).
// Until it is claimed and decided the writer has nothing to write: at
// 2,000 conversations a whole first batch kept it idle for a fifth of the
// evaluation. Smaller, the writer starts at once, and the next batch is
// read and decided while it writes.
func firstBatch(batch int) int {
	if batch/8 < decidePart {
		return batch
	}
	return batch / 8
}

// decide applies the rule to one conversation. A conversation whose events
// could not be read, or on which the rule fails, is set aside: one bad
// conversation never stops the others.
func decide(c store.Due, s parley.Settings, now time.Time, loc *time.Location) (r store.Result) {
	if c.Err != nil {
		return store.NewSetAside(c, c.Err)
	}
	defer func() {
		if p := recover(); p != nil {
			r = store.NewSetAside(c, fmt.Errorf("evaluation failed: %v", p))
		}
	}()
	o := evaluate.Outcome(c.Events, s, now)
	return store.NewResult(c, o, evaluate.Next(o, c.Events, now), loc)
}

// decideAll decides a batch's conversations on as many goroutines as
// there are processors, in parts of at least decidePart: deciding is most
// of the reading side of a batch, and while the first batch of a walk is
// decided, the writer has nothing to write yet. The results go into
// into's memory when it has room for them.
func decideAll(into []store.Result, due []store.Due, s parley.Settings, now time.Time, loc *time.Location) []store.Result {
	results := slices.Grow(into[:0], len(due))[:len(due)]
	parts := max(1, min(runtime.GOMAXPROCS(0), len(due)/decidePart))
	var wg sync.WaitGroup
	for p := range parts {
		wg.Go(func() {
			for i := p * len(due) / parts; i < (p+1)*len(due)/parts; i++ {
				results[i] = decide(due[i], s, now, loc)
			}
		})
	}
	wg.Wait()
	return results
}

// decidePart is the fewest conversations worth a goroutine of their own.
const decidePart = 100

// batch is a claimed batch of conversations with their results.
type batch struct {
	ev      *store.Evaluation
	results []store.Result
}

// save writes one batch of results and commits it, unless the workspace's
// settings changed since the batch's were read (changed).
func (w *Worker) save(ctx context.Context, now time.Time, b batch, st *Stats) (changed bool, err error) {
	start := time.Now()
	defer b.ev.Rollback()
	if err := b.ev.Save(ctx, b.results, now); err != nil {
		return false, err
	}
	if b.ev.SettingsChanged() {
		return true, nil
	}
	if err := b.ev.Commit(); err != nil {
		return false, err
	}
	st.Unchanged += b.ev.Unchanged()
	for i := range b.results {
		o := &b.results[i].Outcome
		if !b.ev.Holds(o.ConversationID) {
			continue
		}
		if why, aside := b.ev.SetAside(o.ConversationID); aside {
			st.SetAside++
			w.opt.Logger.Warn("conversation set aside", "conversation", o.ConversationID, "err", why)
			continue
		}
		st.add(o.Kind)
	}
	if w.opt.Metrics != nil {
		w.opt.Metrics.BatchDuration.Observe(time.Since(start).Seconds())
	}
	return false, nil
}

// SetMetrics makes the worker report to m; call it before Run.
func (w *Worker) SetMetrics(m *metrics.Metrics) { w.opt.Metrics = m }

// SetOnPass sets Options.OnPass; call it before Run.
func (w *Worker) SetOnPass(f func(Stats, error)) { w.opt.OnPass = f }

// Wake asks a running worker to start a pass now, as after an ingest. It
// never blocks.
func (w *Worker) Wake() { w.loop.Wake() }

// Run makes passes until ctx ends: one at once, then one after each Wake
// or Interval. A failed pass is logged and retried at the next turn, since
// its batches were rolled back and their conversations are still due.
//
// When ctx ends during a pass, the batch in flight still finishes and
// commits (it runs on a context that is not cancelled), and Run returns
// before the next batch: stopping never wastes work already done. The
// caller bounds how long it waits for that.
func (w *Worker) Run(ctx context.Context) error {
	w.loop.Run(ctx, w.opt.Interval, func(ctx context.Context) {
		start := time.Now()
		st, err := w.pass(ctx)
		if w.opt.OnPass != nil && ctx.Err() == nil {
			w.opt.OnPass(st, err)
		}
		switch {
		case ctx.Err() != nil:
		case err != nil:
			w.opt.Logger.Error("evaluation pass failed", "err", err)
		case st.Conversations > 0 || st.Grouped > 0 || st.SetAside > 0:
			w.opt.Logger.Info("evaluated", "conversations", st.Conversations, "set_aside", st.SetAside, "grouped", st.Grouped, "duration", time.Since(start).Round(time.Millisecond))
		}
	})
	return nil
}

// pass is Pass for Run: each batch runs to its end even if stop ends, and
// no batch starts after stop ended.
func (w *Worker) pass(stop context.Context) (Stats, error) {
	ctx := context.WithoutCancel(stop)
	w.stop = stop
	defer func() { w.stop = nil }()
	return w.Pass(ctx)
}

// stopping reports whether Run was asked to stop.
func (w *Worker) stopping() bool { return w.stop != nil && w.stop.Err() != nil }

// Rebuild recomputes every outcome and rollup of a workspace from its raw
// events at the clock's current time, calling progress after each batch.
// Reports show the previous numbers until it is done.
func (w *Worker) Rebuild(ctx context.Context, ws parley.Workspace, progress func(Stats)) (Stats, error) {
	var st Stats
	if err := w.db.ResetOutcomes(ctx, ws.ID); err != nil {
		return st, err
	}
	ws, err := w.db.WorkspaceByID(ctx, ws.ID)
	if err != nil {
		return st, err
	}
	err = w.Workspace(ctx, ws, &st, progress)
	return st, err
}
