package gaps

import "slices"

// graph is an undirected weighted graph in adjacency-list form. Self loops
// appear once in their node's list and carry their full weight.
type graph struct {
	adj [][]edge
}

type edge struct {
	to int32
	w  float64
}

// louvain partitions g by greedy modularity optimisation (Blondel et al.,
// 2008): nodes repeatedly move to the neighbouring community with the best
// modularity gain, then communities are collapsed into nodes and the process
// repeats on the smaller graph until nothing moves. The number of
// communities falls out of the optimisation instead of being given.
// gamma is the resolution: 1 is standard modularity, larger values favour
// smaller communities. Nodes are visited in index order so the result is
// deterministic.
func louvain(g graph, gamma float64) []int {
	n := len(g.adj)
	member := make([]int, n) // original node → current community
	for i := range member {
		member[i] = i
	}
	for {
		comm, moved := louvainLevel(g, gamma)
		if !moved {
			break
		}
		// Renumber communities densely.
		ids := map[int]int{}
		for i, c := range comm {
			if _, ok := ids[c]; !ok {
				ids[c] = len(ids)
			}
			comm[i] = ids[c]
		}
		for i := range member {
			member[i] = comm[member[i]]
		}
		g = aggregate(g, comm, len(ids))
	}
	return member
}

// louvainLevel runs local moving on one level and reports whether any node
// changed community.
func louvainLevel(g graph, gamma float64) ([]int, bool) {
	n := len(g.adj)
	comm := make([]int, n)
	k := make([]float64, n)   // weighted degree
	tot := make([]float64, n) // sum of degrees per community
	var m2 float64            // 2m
	for i, es := range g.adj {
		comm[i] = i
		for _, e := range es {
			k[i] += e.w
			if int(e.to) == i {
				k[i] += e.w // a self loop adds twice to the degree
			}
		}
		tot[i] = k[i]
		m2 += k[i]
	}
	if m2 == 0 {
		return comm, false
	}
	wTo := make([]float64, n)
	var touched []int
	movedAny := false
	for {
		moved := false
		for i := range n {
			ci := comm[i]
			touched = touched[:0]
			for _, e := range g.adj[i] {
				if int(e.to) == i {
					continue
				}
				c := comm[e.to]
				if wTo[c] == 0 {
					touched = append(touched, c)
				}
				wTo[c] += e.w
			}
			tot[ci] -= k[i]
			best, bestGain := ci, wTo[ci]-gamma*k[i]*tot[ci]/m2
			for _, c := range touched {
				gain := wTo[c] - gamma*k[i]*tot[c]/m2
				// Equal gains go to the lower community, staying put
				// included: a total order, so moves cannot cycle, and an
				// isolated pair (whose gain is exactly zero at resolution
				// 2) still becomes one community.
				if gain > bestGain+1e-12 || (gain > bestGain-1e-12 && c < best) {
					best, bestGain = c, gain
				}
			}
			tot[best] += k[i]
			comm[i] = best
			for _, c := range touched {
				wTo[c] = 0
			}
			wTo[ci] = 0
			if best != ci {
				moved, movedAny = true, true
			}
		}
		if !moved {
			break
		}
	}
	return comm, movedAny
}

// aggregate collapses each community of g into one node.
func aggregate(g graph, comm []int, nc int) graph {
	acc := make([]map[int32]float64, nc)
	for i := range acc {
		acc[i] = map[int32]float64{}
	}
	for i, es := range g.adj {
		ci := comm[i]
		for _, e := range es {
			cj := int32(comm[e.to])
			if int(e.to) == i {
				acc[ci][cj] += e.w
				continue
			}
			if int(cj) == ci {
				// Each internal edge is seen from both ends; a self loop
				// stores it once.
				acc[ci][cj] += e.w / 2
			} else {
				acc[ci][cj] += e.w
			}
		}
	}
	out := graph{adj: make([][]edge, nc)}
	for c, m := range acc {
		es := make([]edge, 0, len(m))
		for to, w := range m {
			es = append(es, edge{to, w})
		}
		sortEdges(es)
		out.adj[c] = es
	}
	return out
}

func sortEdges(es []edge) {
	slices.SortFunc(es, func(a, b edge) int { return int(a.to) - int(b.to) })
}
