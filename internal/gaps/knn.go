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

// knn returns, for every vector, its k most similar other vectors by cosine
// among those at least minSim similar,
// best first (ties broken by lower index so the result is deterministic).
// It walks an inverted index, so the cost is the number of co-occurring
// feature pairs rather than n², and splits the rows across CPUs.
func knn(vs []sparse, dim, k int, minSim float32) [][]neighbor {
	// Each posting holds the vector and its weight side by side: walking
	// postings is most of the time, and one stream of memory is faster
	// than two.
	post := make([][]posting32, dim)
	for i, v := range vs {
		for j, f := range v.idx {
			post[f] = append(post[f], posting32{int32(i), v.val[j]})
		}
	}
	// Each pair is scored once, by its later vector, and offered to both
	// vectors' lists: half the postings walked. Every worker keeps a list
	// for every vector, merged at the end.
	var (
		mu    sync.Mutex
		lists [][][]neighbor // per worker, per vector: a heap of the best
	)
	parallel(len(vs), func() func(int) {
		acc := make([]float32, len(vs))
		heaps := make([][]neighbor, len(vs))
		mu.Lock()
		lists = append(lists, heaps)
		mu.Unlock()
		var touched []int32
		return func(i int) {
			v := vs[i]
			touched = touched[:0]
			for j, f := range v.idx {
				x := v.val[j]
				// Postings are in vector order: stop at this one.
				for _, p := range post[f] {
					if int(p.doc) >= i {
						break
					}
					if acc[p.doc] == 0 {
						touched = append(touched, p.doc)
					}
					acc[p.doc] += x * p.w
				}
			}
			for _, d := range touched {
				if sim := acc[d]; sim >= minSim {
					heaps[i] = pushTop(heaps[i], k, neighbor{d, sim})
					heaps[d] = pushTop(heaps[d], k, neighbor{int32(i), sim})
				}
				acc[d] = 0
			}
		}
	})
	out := make([][]neighbor, len(vs))
	for i := range out {
		top := make([]neighbor, 0, k)
		for _, heaps := range lists {
			for _, n := range heaps[i] {
				top = pushTop(top, k, n)
			}
		}
		slices.SortFunc(top, compareNeighbors)
		out[i] = top
	}
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
