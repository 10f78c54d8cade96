package gaps

import (
	"runtime"
	"slices"
	"sync"
)

// neighbor is one entry of a nearest-neighbour list.
type neighbor struct {
	id  int32
	sim float32
}

// Bounds of the neighbour search (see knn). Each is a count of work per
// question, not a share of the questions, so the search costs the same per
// question at 1,000 questions as at 1,000,000.
const (
	// postingBudget is how many index entries one question's search may
	// walk. Its features are walked rarest first, so what is left out are
	// the commonest, which weigh least and link a question to thousands
	// of others alike. Near questions a common feature would have found
	// are found again through the neighbours (see throughNeighbors): with
	// that, 3,000 did better on BANKING77 than 4,000, over four orders of
	// its questions (mean NMI 0.712 against 0.707), at less cost.
	postingBudget = 3000
	// rescored is how many of the candidates found that way, per
	// neighbour wanted, get their exact similarity computed.
	rescored = 2
)

// knn returns, for every vector, its k most similar other vectors by cosine
// among those at least minSim similar, best first (ties broken by lower
// index so the result is deterministic).
//
// It walks an inverted index from features to the vectors that have them.
// Comparing every pair that shares any feature costs the square of the
// questions for features as common as "card" or a spelling fragment; so a
// question walks its features rarest first until postingBudget entries
// are walked, keeps the rescored×k candidates those gave the most, and
// computes their exact similarity over all features. The nearest share
// rare features almost by definition, so this finds them, at a cost per
// question that does not grow with the number of questions.
func knn(vs []sparse, dim, k int, minSim float32, visit []int32) [][]neighbor {
	// Each posting holds the vector and its weight side by side: walking
	// postings is most of the time, and one stream of memory is faster
	// than two.
	count := make([]int32, dim)
	for _, v := range vs {
		for _, f := range v.idx {
			count[f]++
		}
	}
	post := make([][]posting32, dim)
	for f, n := range count {
		post[f] = make([]posting32, 0, n)
	}
	for i, v := range vs {
		for j, f := range v.idx {
			post[f] = append(post[f], posting32{int32(i), v.val[j]})
		}
	}
	out := make([][]neighbor, len(vs))
	parallelIn(visit, len(vs), func() func(int) {
		acc := make([]float32, len(vs))
		row := make([]float32, dim)
		var (
			touched []int32
			order   []int
			cands   []neighbor
		)
		return func(i int) {
			v := vs[i]
			order = order[:0]
			for j := range v.idx {
				order = append(order, j)
			}
			slices.SortFunc(order, func(a, b int) int { return int(count[v.idx[a]] - count[v.idx[b]]) })
			touched = touched[:0]
			walked, skipped := 0, len(order)
			for n, j := range order {
				f := v.idx[j]
				ps := post[f]
				if walked+len(ps) > postingBudget {
					if n > 0 {
						skipped = n
						break
					}
					ps = ps[:postingBudget] // only common features: a bounded sample
				}
				walked += len(ps)
				x := v.val[j]
				for _, p := range ps {
					if acc[p.doc] == 0 {
						touched = append(touched, p.doc)
					}
					acc[p.doc] += x * p.w
				}
			}
			// With every feature walked, the sums are the similarities;
			// else the best candidates' are computed over all features.
			cands = cands[:0]
			m := k
			if skipped < len(order) {
				m = rescored * k
			}
			for _, d := range touched {
				if int(d) != i {
					cands = pushTop(cands, m, neighbor{d, acc[d]})
				}
				acc[d] = 0
			}
			// A candidate is compared with the question spread over row
			// (see spread): the candidates lie anywhere in memory, and
			// walking one list instead of merging two is cheaper.
			exact := skipped < len(order)
			if exact {
				v.spread(row)
			}
			top := make([]neighbor, 0, k)
			for _, c := range cands {
				sim := c.sim
				if exact {
					sim = vs[c.id].dot(row)
				}
				if sim >= minSim {
					top = pushTop(top, k, neighbor{c.id, sim})
				}
			}
			if exact {
				v.clear(row)
			}
			slices.SortFunc(top, compareNeighbors)
			out[i] = top
		}
	})
	return out
}

// posting32 is one entry of knn's inverted index.
type posting32 struct {
	doc int32
	w   float32
}

// parallel calls the function each worker gets from work for every i in
// [0, n), spreading the indices over all CPUs; each worker's function may
// keep scratch space of its own.
func parallel(n int, work func() func(i int)) {
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			do := work()
			for i := w; i < n; i += workers {
				do(i)
			}
		}()
	}
	wg.Wait()
}

// parallelIn is parallel over the questions in the order visit gives
// them, or in index order when visit is nil (see layOut).
func parallelIn(visit []int32, n int, work func() func(i int)) {
	if visit == nil {
		parallel(n, work)
		return
	}
	parallel(len(visit), func() func(int) {
		do := work()
		return func(i int) { do(int(visit[i])) }
	})
}

// compareNeighbors sorts best first.
func compareNeighbors(a, b neighbor) int {
	if better(a, b) {
		return -1
	}
	return 1
}

// better orders neighbours: more similar first, then lower index, so that
// ties never depend on the order candidates were found in.
func better(a, b neighbor) bool {
	if a.sim != b.sim {
		return a.sim > b.sim
	}
	return a.id < b.id
}

// pushTop keeps the k best neighbours seen so far in top, a min-heap whose
// root is the worst kept one, so finding the k nearest of n candidates costs
// n log k instead of sorting all n.
func pushTop(top []neighbor, k int, c neighbor) []neighbor {
	if len(top) < k {
		top = append(top, c)
		for i := len(top) - 1; i > 0; {
			p := (i - 1) / 2
			if !better(top[p], top[i]) {
				break
			}
			top[p], top[i] = top[i], top[p]
			i = p
		}
		return top
	}
	if !better(c, top[0]) {
		return top
	}
	top[0] = c
	for i := 0; ; {
		l, r, worst := 2*i+1, 2*i+2, i
		if l < len(top) && better(top[worst], top[l]) {
			worst = l
		}
		if r < len(top) && better(top[worst], top[r]) {
			worst = r
		}
		if worst == i {
			return top
		}
		top[i], top[worst] = top[worst], top[i]
		i = worst
	}
}
