package pipeline

import "github.com/parleyhq/parley/internal/store"

// SetPlace replaces the worker's placement of gap questions, so that a test
// can make grouping fail on a question.
func SetPlace(w *Worker, place func(store.Grouping, map[string][]float32) store.Placement) {
	w.place = place
}
