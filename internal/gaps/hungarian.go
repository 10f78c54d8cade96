package gaps

import "math"

// hungarian solves the rectangular assignment problem: it returns, for each
// row of cost, the column assigned to it (or -1), minimising the total cost
// with every row or every column (whichever are fewer) assigned exactly once.
// It is the O(n²m) shortest-augmenting-path form of the Hungarian algorithm
// with row and column potentials.
func hungarian(cost [][]float64) []int {
	n := len(cost)
	if n == 0 {
		return nil
	}
	m := len(cost[0])
	transposed := false
	if n > m {
		// The algorithm needs rows ≤ columns; solve the transpose.
		t := make([][]float64, m)
		for j := range t {
			t[j] = make([]float64, n)
			for i := range n {
				t[j][i] = cost[i][j]
			}
		}
		cost, n, m, transposed = t, m, n, true
	}
	// 1-based potentials u (rows), v (columns); p[j] is the row matched to
	// column j, way[j] the previous column on the augmenting path.
	u := make([]float64, n+1)
	v := make([]float64, m+1)
	p := make([]int, m+1)
	way := make([]int, m+1)
	minv := make([]float64, m+1)
	used := make([]bool, m+1)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		for j := range minv {
			minv[j] = math.Inf(1)
			used[j] = false
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], math.Inf(1), 0
			for j := 1; j <= m; j++ {
				if used[j] {
					continue
				}
				if cur := cost[i0-1][j-1] - u[i0] - v[j]; cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= m; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	if transposed {
		// Rows of the original are the columns here.
		match := make([]int, m)
		for j := range match {
			match[j] = -1
		}
		for j := 1; j <= m; j++ {
			if p[j] > 0 {
				match[j-1] = p[j] - 1
			}
		}
		return match
	}
	match := make([]int, n)
	for j := 1; j <= m; j++ {
		if p[j] > 0 {
			match[p[j]-1] = j - 1
		}
	}
	return match
}
