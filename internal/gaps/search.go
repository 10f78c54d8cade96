package gaps

import (
	"math"
	"slices"
)

// Match is one search result: the index of a document and its score.
type Match struct {
	Index int
	Score float64
}

// BM25 parameters, the usual defaults: k1 limits how much repeating a
// feature helps, b how much long documents are penalised.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// Search ranks documents for a query with BM25 over the same features
// grouping uses, so it works for English and for Chinese in either script
// without word segmentation. Query and documents are read to their first
// QuestionBudget characters, as grouping reads questions, so a query of
// any length costs what a question does. It returns the documents that share at least
// one feature with the query, best first (ties by index), at most limit.
func Search(query string, docs []string, limit int) []Match {
	q := Features(query)
	if len(q) == 0 || len(docs) == 0 {
		return nil
	}
	tfs := make([]map[string]int, len(docs))
	df := map[string]int{}
	var total float64
	for i, d := range docs {
		fs := features(Normalize(Budget(d)))
		tf := make(map[string]int, len(fs))
		for _, f := range fs {
			tf[f]++
		}
		for f := range tf {
			df[f]++
		}
		tfs[i] = tf
		total += float64(len(fs))
	}
	avg := total / float64(len(docs))
	n := float64(len(docs))
	var out []Match
	for i, tf := range tfs {
		length := 0
		for _, c := range tf {
			length += c
		}
		var score float64
		for _, f := range q {
			c := float64(tf[f])
			if c == 0 {
				continue
			}
			idf := math.Log(1 + (n-float64(df[f])+0.5)/(float64(df[f])+0.5))
			score += idf * c * (bm25K1 + 1) / (c + bm25K1*(1-bm25B+bm25B*float64(length)/avg))
		}
		if score > 0 {
			out = append(out, Match{i, score})
		}
	}
	slices.SortFunc(out, func(a, b Match) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return a.Index - b.Index
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}
