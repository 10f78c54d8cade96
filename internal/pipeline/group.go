package pipeline

import (
	"context"
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
func (w *Worker) group(ctx context.Context, ws parley.Workspace, now time.Time, st *Stats) error {
	batch := groupBatch
	if w.opt.Embedder != nil {
		batch = embedBatch
	}
	for {
		vectors, err := w.embed(ctx, ws, batch)
		if err != nil {
			return fmt.Errorf("pipeline: workspace %s: group gap questions: %w", ws.Slug, err)
		}
		n, err := w.db.GroupPending(ctx, ws.ID, batch, now, func(g store.Grouping) ([]store.TopicChange, error) {
			return Place(g, vectors), nil
		})
		if err != nil {
			return fmt.Errorf("pipeline: workspace %s: group gap questions: %w", ws.Slug, err)
		}
		st.Grouped += n
		if w.opt.Metrics != nil {
			w.opt.Metrics.Grouped.Add(float64(n))
		}
		if n < batch || w.stopping() {
			return nil
		}
	}
}

// Place decides where pending questions go: each joins the closest
// existing topic or, with others like it, starts a new one (see
// gaps.Index.Assign). A question joining a resolved topic reopens it and
// counts as a recurrence; one joining a dismissed topic is dismissed with
// it (SPEC §6).
//
// vectors, if not nil, holds embeddings by question event ID, fetched
// beforehand so that no network call happens inside the grouping
// transaction; they are used when every pending question has one.
func Place(g store.Grouping, vectors map[string][]float32) []store.TopicChange {
	topics := make([]gaps.Topic, len(g.Topics))
	for i, t := range g.Topics {
		topics[i] = gaps.Topic{ID: t.ID, Size: t.Size, Terms: t.Terms}
	}
	texts := make([]string, len(g.Pending))
	for i, p := range g.Pending {
		texts[i] = p.Question
	}
	var vecs [][]float32
	for _, p := range g.Pending {
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
		joined[id] = append(joined[id], g.Pending[i].EventID)
	}
	var changes []store.TopicChange
	for _, id := range slices.Sorted(maps.Keys(joined)) {
		t := topics[byID[id]]
		c := store.TopicChange{ID: id, Size: t.Size, Terms: t.Terms, Questions: joined[id], QuestionState: parley.GapOpen}
		switch g.Topics[byID[id]].State {
		case parley.GapDismissed:
			c.QuestionState = parley.GapDismissed
		case parley.GapResolved:
			c.State, c.Recurrences, c.Recurrence = parley.GapOpen, len(c.Questions), true
		}
		changes = append(changes, c)
	}
	for _, members := range plan.New {
		var t gaps.Topic
		qs := make([]string, len(members))
		events := make([]string, len(members))
		for i, m := range members {
			t.Add(plan.Features[m])
			qs[i], events[i] = texts[m], g.Pending[m].EventID
		}
		changes = append(changes, store.TopicChange{Label: gaps.Label(qs), Size: t.Size, Terms: t.Terms,
			Questions: events, QuestionState: parley.GapOpen})
	}
	return changes
}
