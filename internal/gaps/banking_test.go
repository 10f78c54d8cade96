package gaps

import (
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/proc"
)

// TestGroupBanking77 guards the grouping quality on real customer questions:
// 13,083 banking questions with 77 gold intents, grouped without being told
// the number. The floors sit below the measured values (see the README) so
// that only a real regression fails.
func TestGroupBanking77(t *testing.T) {
	if testing.Short() {
		t.Skip("groups 13,083 questions")
	}
	texts, gold := loadBanking(t)
	start := time.Now()
	got := Group(texts)
	elapsed := time.Since(start)
	nmi, ari, acc := NMI(got, gold), ARI(got, gold), ACC(got, gold)
	topics := slices.Max(got) + 1
	t.Logf("BANKING77: %d questions → %d topics in %v: NMI %.3f ARI %.3f ACC %.3f", len(texts), topics, elapsed.Round(time.Millisecond), nmi, ari, acc)
	// Measured 0.745, 0.458 and 0.573 with the neighbour search bounded
	// per question, features weighed by their neighbours, the search
	// widened through the neighbours' neighbours, questions that differ by
	// things of one kind kept apart, and loose topics split (0.716, 0.416,
	// 0.523 before things of one kind were kept apart; 0.713, 0.420, 0.527
	// comparing every pair that shares a feature, at a cost that grew with
	// the square of the questions).
	if nmi < 0.74 || ari < 0.45 || acc < 0.56 {
		t.Errorf("grouping regressed: NMI %.3f ARI %.3f ACC %.3f", nmi, ari, acc)
	}
	if topics < 40 || topics > 200 {
		t.Errorf("%d topics for 77 intents", topics)
	}
}

// TestAssignBanking77 measures incremental grouping: half the questions
// (every other one) are grouped into topics, then the other half arrive and
// are assigned with Assign, joining a topic or forming new ones. The result
// should be nearly as good as grouping everything at once.
func TestAssignBanking77(t *testing.T) {
	if testing.Short() {
		t.Skip("groups 13,083 questions")
	}
	texts, gold := loadBanking(t)
	var first, later []string
	var firstGold, laterGold []int
	for i := range texts {
		if i%2 == 0 {
			first, firstGold = append(first, texts[i]), append(firstGold, gold[i])
		} else {
			later, laterGold = append(later, texts[i]), append(laterGold, gold[i])
		}
	}
	firstTopic := Group(first)
	topics := TopicsOf(first, firstTopic)
	start := time.Now()
	plan := NewIndex(topics).Assign(later, nil)
	elapsed := time.Since(start)

	// One prediction per question: first the grouped half (topic IDs are
	// index+1), then the assigned half, new topics numbered after the old.
	pred := append([]int(nil), firstTopic...)
	joined := 0
	for _, id := range plan.Join {
		pred = append(pred, int(id-1))
		if id != 0 {
			joined++
		}
	}
	for n, members := range plan.New {
		for _, q := range members {
			pred[len(first)+q] = len(topics) + n
		}
	}
	all := append(append([]int(nil), firstGold...), laterGold...)
	nmi, ari, acc := NMI(pred, all), ARI(pred, all), ACC(pred, all)
	t.Logf("incremental: %d topics from %d questions; %d later questions: %d joined, %d new topics, in %v: NMI %.3f ARI %.3f ACC %.3f",
		len(topics), len(first), len(later), joined, len(plan.New), elapsed.Round(time.Millisecond), nmi, ari, acc)
	// Measured 0.708, 0.411 and 0.515 (0.688, 0.371, 0.480 before things
	// of one kind were kept apart).
	if nmi < 0.70 || ari < 0.40 || acc < 0.50 {
		t.Errorf("incremental grouping regressed: NMI %.3f ARI %.3f ACC %.3f", nmi, ari, acc)
	}
}

// BenchmarkGroupBanking77 groups all 13,083 questions and reports the
// quality next to the time, so one command shows both.
func BenchmarkGroupBanking77(b *testing.B) {
	texts, gold := loadBanking(b)
	var got []int
	start := proc.CPUTime()
	for b.Loop() {
		got = Group(texts)
	}
	b.ReportMetric(float64((proc.CPUTime()-start).Milliseconds())/float64(b.N), "cpu-ms/op")
	b.ReportMetric(peakRSS(), "peak-MB")
	b.ReportMetric(float64(slices.Max(got)+1), "topics")
	b.ReportMetric(NMI(got, gold), "NMI")
	b.ReportMetric(ARI(got, gold), "ARI")
	b.ReportMetric(ACC(got, gold), "ACC")
}

// BenchmarkAssignOne is the cost of placing one new question among the
// topics of all BANKING77 questions, as the pipeline does when a question
// arrives between batches.
func BenchmarkAssignOne(b *testing.B) {
	texts, _ := loadBanking(b)
	index := NewIndex(TopicsOf(texts, Group(texts)))
	q := []string{"my card still has not arrived after two weeks"}
	for b.Loop() {
		index.Assign(q, nil)
	}
}

// BenchmarkNewIndex is the cost of indexing the topics of all BANKING77
// questions, paid once per grouping pass before new questions are placed.
func BenchmarkNewIndex(b *testing.B) {
	texts, _ := loadBanking(b)
	topics := TopicsOf(texts, Group(texts))
	for b.Loop() {
		NewIndex(topics)
	}
}
