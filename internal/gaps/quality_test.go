package gaps

import (
	"fmt"
	"slices"
)

// quality is how well a grouping matches gold labels, in the measures the
// README reports.
type quality struct {
	questions, topics int
	// big counts the topics of at least five questions, to set against
	// the gold count: what an editor sees as real topics.
	big, gold     int
	nmi, ari, acc float64
	// purity is the share of the largest topic's questions that carry its
	// most common gold label: a grab-bag topic scores low.
	purity float64
	// ungrouped is the share of questions in no topic.
	ungrouped float64
}

// measure scores pred (topic per question, -1 for ungrouped) against gold.
// An ungrouped question counts as a topic of its own: it is not credited
// with anything it was not grouped with.
func measure(pred, gold []int) quality {
	q := quality{questions: len(pred)}
	flat := make([]int, len(pred))
	next := slices.Max(append([]int{-1}, pred...)) + 1
	size := map[int]int{}
	ungrouped := 0
	for i, p := range pred {
		if p < 0 {
			ungrouped++
			flat[i] = next
			next++
			continue
		}
		flat[i] = p
		size[p]++
	}
	q.topics = len(size)
	for _, n := range size {
		if n >= 5 {
			q.big++
		}
	}
	goldSet := map[int]bool{}
	for _, g := range gold {
		goldSet[g] = true
	}
	q.gold = len(goldSet)
	q.nmi, q.ari, q.acc = NMI(flat, gold), ARI(flat, gold), ACC(flat, gold)
	q.ungrouped = float64(ungrouped) / float64(max(1, len(pred)))
	largest, most := -1, 0
	for t, n := range size {
		if n > most || (n == most && t < largest) {
			largest, most = t, n
		}
	}
	labels := map[int]int{}
	top := 0
	for i, p := range pred {
		if p == largest {
			labels[gold[i]]++
			top = max(top, labels[gold[i]])
		}
	}
	if most > 0 {
		q.purity = float64(top) / float64(most)
	}
	return q
}

func (q quality) String() string {
	return fmt.Sprintf("%d questions → %d topics (%d of ≥ 5 for %d gold), %.1f%% ungrouped: NMI %.3f ARI %.3f ACC %.3f, largest topic's purity %.2f",
		q.questions, q.topics, q.big, q.gold, 100*q.ungrouped, q.nmi, q.ari, q.acc, q.purity)
}

// sameTopicShare is the share of i in [0, n) whose question i and i+n are
// in one topic: for a set given twice, in two scripts, the share of
// questions grouped alike in both.
func sameTopicShare(pred []int, n int) float64 {
	same := 0
	for i := range n {
		if pred[i] >= 0 && pred[i] == pred[i+n] {
			same++
		}
	}
	return float64(same) / float64(n)
}
