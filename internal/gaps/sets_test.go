package gaps

import (
	"slices"
	"testing"
	"time"
)

// The evaluation sets with the least grouping must reach on them: a little
// below what it measured when these were set (see the README), so that
// only a real regression fails.
var setFloors = []struct {
	set           dataset
	nmi, ari, acc float64
}{
	{dstc11, 0.84, 0.59, 0.72},
	{crosswoz, 0.705, 0.43, 0.57},
}

// TestGroupSets guards grouping on the shared evaluation sets beside
// BANKING77 (see TestGroupBanking77): spoken insurance turns in English and
// Chinese questions, the latter also mixed with the same questions in
// Traditional script, where each question must land with its twin.
func TestGroupSets(t *testing.T) {
	for _, f := range setFloors {
		texts, gold := f.set.load(t)
		start := time.Now()
		q := measure(Group(texts), gold)
		t.Logf("%s in %v: %v", f.set.name, time.Since(start).Round(time.Millisecond), q)
		if q.nmi < f.nmi || q.ari < f.ari || q.acc < f.acc {
			t.Errorf("%s: grouping regressed: NMI %.3f ARI %.3f ACC %.3f, floors %.2f %.2f %.2f", f.set.name, q.nmi, q.ari, q.acc, f.nmi, f.ari, f.acc)
		}
	}
	texts, gold, n := mixedScripts(t)
	got := Group(texts)
	share := sameTopicShare(got, n)
	t.Logf("crosswoz-zh in both scripts: %v; the same question in one topic: %.1f%%", measure(got, gold), 100*share)
	if share < 0.98 {
		t.Errorf("the same question in both scripts is in one topic %.1f%% of the time, want 98%%", 100*share)
	}
}

// mixedScripts is crosswoz in Simplified then in Traditional script: n
// questions each, question i and i+n the same.
func mixedScripts(tb testing.TB) (texts []string, gold []int, n int) {
	s, g := crosswoz.load(tb)
	tw, _ := crosswozTW.load(tb)
	return append(slices.Clone(s), tw...), append(slices.Clone(g), g...), len(s)
}

// BenchmarkGroupSets groups each evaluation set and reports its scores,
// for the bench's table: NMI, ARI, ACC, the topics, those of five
// questions or more against the gold count, the largest topic's purity,
// and for the mixed scripts the share of questions grouped with their twin.
func BenchmarkGroupSets(b *testing.B) {
	for _, d := range []dataset{banking77, dstc11, crosswoz, {name: "mixed"}} {
		b.Run(d.name, func(b *testing.B) {
			var (
				texts []string
				gold  []int
				n     int
			)
			if d.name == "mixed" {
				texts, gold, n = mixedScripts(b)
			} else {
				texts, gold = d.load(b)
			}
			var got []int
			for b.Loop() {
				got = Group(texts)
			}
			q := measure(got, gold)
			for _, m := range []struct {
				v    float64
				unit string
			}{{q.nmi, "NMI"}, {q.ari, "ARI"}, {q.acc, "ACC"}, {float64(q.topics), "topics"}, {float64(q.big), "topics≥5"},
				{float64(q.gold), "gold"}, {q.purity, "purity"}, {q.ungrouped, "ungrouped"}} {
				b.ReportMetric(m.v, m.unit)
			}
			if n > 0 {
				b.ReportMetric(sameTopicShare(got, n), "same-topic")
			}
		})
	}
}
