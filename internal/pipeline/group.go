package pipeline

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/gaps"
	"github.com/parleyhq/parley/internal/store"
)

// group puts the workspace's new gap questions into topics, batch by
// batch, adding to st.
//
// When a batch fails on one of its questions — the placement panics, or
// the database refuses what it decided — the batch is halved, down to the
// oldest question alone, then that question without the ones waiting
// ungrouped; a question that fails alone is set aside with its
// conversation (store.SetAsideQuestion), and grouping goes on.
func (w *Worker) group(ctx context.Context, ws parley.Workspace, now time.Time, st *Stats) error {
	batch := groupBatch
	if w.opt.Embedder != nil {
		batch = embedBatch
	}
	limit, alone := batch, false
	for {
		vectors, err := w.embed(ctx, ws, limit)
		if err != nil {
			return fmt.Errorf("pipeline: workspace %s: group gap questions: %w", ws.Slug, err)
		}
		var seen store.Grouping
		n, err := w.db.GroupPending(ctx, ws.ID, limit, now, func(g store.Grouping) (p store.Placement, err error) {
			if alone {
				g.Ungrouped = nil
			}
			seen = g
			defer func() {
				if r := recover(); r != nil {
					err = placeFailed{r}
				}
			}()
			return w.place(g, vectors), nil
		})
		var failed placeFailed
		if err != nil && len(seen.Pending) > 0 && (errors.As(err, &failed) || store.IsDataError(err)) {
			switch {
			case limit > 1:
				limit /= 2
			case !alone:
				alone = true
			default:
				q := seen.Pending[0]
				w.opt.Logger.Warn("gap question set aside", "workspace", ws.Slug, "question", q.EventID, "err", err)
				if err := w.db.SetAsideQuestion(ctx, ws.ID, q.EventID, "grouping failed: "+err.Error(), now); err != nil {
					return fmt.Errorf("pipeline: workspace %s: %w", ws.Slug, err)
				}
				st.SetAside++
				limit, alone = batch, false
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("pipeline: workspace %s: group gap questions: %w", ws.Slug, err)
		}
		st.Grouped += n
		if w.opt.Metrics != nil {
			w.opt.Metrics.Grouped.Add(float64(n))
		}
		if n == 0 || w.stopping() {
			return nil
		}
		if limit < batch {
			limit, alone = batch, false // past the failing question: back to full batches
			continue
		}
		if n < batch {
			return nil
		}
	}
}

// placeFailed is a placement that panicked.
type placeFailed struct{ cause any }

func (p placeFailed) Error() string { return fmt.Sprintf("placing the questions failed: %v", p.cause) }

// Place decides where pending questions go: each joins the closest
// existing topic or, with others like it, starts a new one (see
// gaps.Index.Assign); the questions that waited ungrouped for a similar one
// and find it among the pending start a topic with it; a question with no
// similar one waits ungrouped. A question joining a resolved topic reopens
// it and counts as a recurrence; one joining a dismissed topic is dismissed
// with it (SPEC §6).
//
// vectors, if not nil, holds embeddings by question event ID, fetched
// beforehand so that no network call happens inside the grouping
// transaction; they are used when every question placed has one.
func Place(g store.Grouping, vectors map[string][]float32) store.Placement {
	topics := make([]gaps.Topic, len(g.Topics))
	for i, t := range g.Topics {
		topics[i] = gaps.Topic{ID: t.ID, Size: t.Size, Terms: t.Terms}
	}
	questions := append(slices.Clip(g.Pending), waitingNear(g)...)
	texts := make([]string, len(questions))
	for i, p := range questions {
		texts[i] = p.Question
	}
	var vecs [][]float32
	for _, p := range questions {
		v, ok := vectors[p.EventID]
		if !ok {
			vecs = nil
			break
		}
		vecs = append(vecs, v)
	}
	plan := gaps.NewIndex(topics).Assign(texts, vecs)

	byID := make(map[int64]int, len(topics))
	for i, t := range topics {
		byID[t.ID] = i
	}
	joined := map[int64][]string{} // topic → event IDs
	for i, id := range plan.Join {
		if id == 0 {
			continue
		}
		topics[byID[id]].Add(plan.Features[i])
		joined[id] = append(joined[id], questions[i].EventID)
	}
	var out store.Placement
	for _, id := range slices.Sorted(maps.Keys(joined)) {
		t := topics[byID[id]]
		c := store.TopicChange{ID: id, Size: t.Size, Terms: t.Terms, Questions: joined[id], QuestionState: parley.GapOpen}
		switch g.Topics[byID[id]].State {
		case parley.GapDismissed:
			c.QuestionState = parley.GapDismissed
		case parley.GapResolved:
			c.State, c.Recurrences, c.Recurrence = parley.GapOpen, len(c.Questions), true
		}
		out.Topics = append(out.Topics, c)
	}
	for _, members := range plan.New {
		var t gaps.Topic
		qs := make([]string, len(members))
		feats := make([][]string, len(members))
		events := make([]string, len(members))
		for i, m := range members {
			t.Add(plan.Features[m])
			qs[i], feats[i], events[i] = texts[m], plan.Features[m], questions[m].EventID
		}
		out.Topics = append(out.Topics, store.TopicChange{Label: gaps.LabelOf(qs, feats), Size: t.Size, Terms: t.Terms,
			Questions: events, QuestionState: parley.GapOpen})
	}
	for _, i := range plan.Ungrouped {
		out.Ungrouped = append(out.Ungrouped, questions[i].EventID)
	}
	return out
}

// waitingNear returns the questions waiting ungrouped that are similar to
// a pending one: the ones that may now have found their match. The others
// are not grouped again, so a pass costs what its new questions bring, not
// what has waited.
func waitingNear(g store.Grouping) []store.PendingQuestion {
	if len(g.Ungrouped) == 0 {
		return nil
	}
	alone := make([]gaps.Topic, len(g.Ungrouped))
	for i, q := range g.Ungrouped {
		alone[i] = gaps.Topic{ID: int64(i + 1)}
		alone[i].Add(gaps.Features(q.Question))
	}
	index := gaps.NewIndex(alone)
	near := map[int64]bool{}
	for _, p := range g.Pending {
		for _, id := range index.Near(p.Question) {
			near[id] = true
		}
	}
	var out []store.PendingQuestion
	for i, q := range g.Ungrouped {
		if near[int64(i+1)] {
			out = append(out, q)
		}
	}
	return out
}
