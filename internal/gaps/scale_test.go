package gaps

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/proc"
)

// scaled makes n questions out of a set's: the set's own first, then
// variants of them as visitors would write them — a greeting before, a
// word of thanks after, a word dropped, two words swapped, a letter
// missing — each carrying its original's gold label. Some variants come
// out the same as others, as real traffic repeats itself; most do not.
func scaled(texts []string, gold []int, n int) ([]string, []int) {
	out, labels := make([]string, 0, n), make([]int, 0, n)
	out, labels = append(out, texts...), append(labels, gold...)
	r := rand.New(rand.NewPCG(7, 77))
	before := []string{"hi, ", "hello ", "hey there, ", "quick question: ", "please help, ", "good morning. "}
	after := []string{" thanks", " please", " thank you!", " asap", "??", " :)"}
	for len(out) < n {
		i := r.IntN(len(texts))
		words := strings.Fields(texts[i])
		for range 1 + r.IntN(2) {
			switch k := r.IntN(5); {
			case k == 0 && len(words) > 3:
				j := r.IntN(len(words))
				words = append(words[:j:j], words[j+1:]...)
			case k == 1 && len(words) > 1:
				j := r.IntN(len(words) - 1)
				words[j], words[j+1] = words[j+1], words[j]
			case k == 2:
				j := r.IntN(len(words))
				if w := []rune(words[j]); len(w) > 3 {
					c := 1 + r.IntN(len(w)-2)
					words[j] = string(append(w[:c:c], w[c+1:]...))
				}
			case k == 3:
				words = append([]string{before[r.IntN(len(before))]}, words...)
			default:
				words = append(words, after[r.IntN(len(after))])
			}
		}
		out, labels = append(out, strings.Join(words, " ")), append(labels, gold[i])
	}
	return out[:n], labels[:n]
}

// peakRSS is proc.PeakRSS of this process, 0 where Linux does not say.
func peakRSS() float64 {
	mb, _ := proc.PeakRSS(0)
	return mb
}

// BenchmarkGroup100k groups 100,000 questions made from BANKING77's (see
// scaled), for the cost's growth against BenchmarkGroupBanking77's 13,083.
// Run it alone: peak-MB is the whole process's.
func BenchmarkGroup100k(b *testing.B) {
	texts, gold := loadBanking(b)
	texts, gold = scaled(texts, gold, 100000)
	var got []int
	start := proc.CPUTime()
	for b.Loop() {
		got = Group(texts)
	}
	b.ReportMetric(float64((proc.CPUTime()-start).Milliseconds())/float64(b.N), "cpu-ms/op")
	q := measure(got, gold)
	b.ReportMetric(float64(q.topics), "topics")
	b.ReportMetric(q.nmi, "NMI")
	b.ReportMetric(q.ari, "ARI")
	b.ReportMetric(q.acc, "ACC")
	b.ReportMetric(peakRSS(), "peak-MB")
}
