package gaps

import "math"

// contingency counts how often each (pred, gold) pair occurs. Labels may be
// any non-negative integers; they are compacted first so sparse label ids do
// not blow up the table.
func contingency(pred, gold []int) (table [][]int, rows, cols []int) {
	if len(pred) != len(gold) {
		panic("gaps: pred and gold differ in length")
	}
	pi, gi := map[int]int{}, map[int]int{}
	for i := range pred {
		if _, ok := pi[pred[i]]; !ok {
			pi[pred[i]] = len(pi)
		}
		if _, ok := gi[gold[i]]; !ok {
			gi[gold[i]] = len(gi)
		}
	}
	table = make([][]int, len(pi))
	for r := range table {
		table[r] = make([]int, len(gi))
	}
	rows, cols = make([]int, len(pi)), make([]int, len(gi))
	for i := range pred {
		r, c := pi[pred[i]], gi[gold[i]]
		table[r][c]++
		rows[r]++
		cols[c]++
	}
	return table, rows, cols
}

func entropy(counts []int, n float64) float64 {
	var h float64
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log(p)
		}
	}
	return h
}

// NMI is the normalised mutual information between a clustering and gold
// labels, I(P;G) / ((H(P)+H(G))/2) — the arithmetic-mean normalisation that
// scikit-learn uses by default and that published clustering results report.
// It is 1 for identical partitions (up to renaming) and 0 for independent
// ones. Two single-cluster partitions count as identical.
func NMI(pred, gold []int) float64 {
	if len(pred) == 0 {
		return 1
	}
	table, rows, cols := contingency(pred, gold)
	n := float64(len(pred))
	hp, hg := entropy(rows, n), entropy(cols, n)
	if hp == 0 && hg == 0 {
		return 1
	}
	var mi float64
	for r, row := range table {
		for c, nij := range row {
			if nij > 0 {
				mi += float64(nij) / n * math.Log(n*float64(nij)/(float64(rows[r])*float64(cols[c])))
			}
		}
	}
	return mi / ((hp + hg) / 2)
}

func choose2(x int) float64 { return float64(x) * float64(x-1) / 2 }

// ARI is the adjusted Rand index of Hubert and Arabie: the fraction of
// agreeing pairs corrected for chance, so a random clustering scores about 0
// whatever its number of clusters. Unlike NMI it is not inflated by
// over-splitting, which is why both are reported.
func ARI(pred, gold []int) float64 {
	table, rows, cols := contingency(pred, gold)
	var index, a, b float64
	for _, row := range table {
		for _, nij := range row {
			index += choose2(nij)
		}
	}
	for _, x := range rows {
		a += choose2(x)
	}
	for _, x := range cols {
		b += choose2(x)
	}
	expected := a * b / choose2(len(pred))
	maxIndex := (a + b) / 2
	if maxIndex == expected {
		return 1
	}
	return (index - expected) / (maxIndex - expected)
}

// ACC is clustering accuracy: the fraction of items whose cluster is mapped
// to their gold label under the best one-to-one mapping of clusters to labels
// (found with the Hungarian algorithm). When there are more clusters than
// labels, the unmatched clusters count as wrong, so over-splitting is paid
// for.
func ACC(pred, gold []int) float64 {
	if len(pred) == 0 {
		return 1
	}
	table, _, _ := contingency(pred, gold)
	cost := make([][]float64, len(table))
	for r, row := range table {
		cost[r] = make([]float64, len(row))
		for c, nij := range row {
			cost[r][c] = -float64(nij)
		}
	}
	match := hungarian(cost)
	correct := 0
	for r, c := range match {
		if c >= 0 {
			correct += table[r][c]
		}
	}
	return float64(correct) / float64(len(pred))
}
