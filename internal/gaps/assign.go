package gaps

import (
	"math"
	"strings"
)

// Topic is what grouping remembers of an existing topic: how many questions
// it holds and in how many of them each feature occurs. That is enough to
// match a new question against it without reading its questions again.
type Topic struct {
	ID    int64
	Size  int
	Terms map[string]int
}

// Add counts a question's features into the topic.
func (t *Topic) Add(features []string) {
	if t.Terms == nil {
		t.Terms = map[string]int{}
	}
	t.Size++
	for _, f := range features {
		t.Terms[f]++
	}
}

// JoinThreshold is the cosine similarity between a new question and a
// topic's centroid from which the question joins the topic instead of
// waiting to form a new one: Related, the same bar Group sets for
// neighbours. Below it, questions are grouped among themselves, so an
// unrelated question never dilutes an existing topic.
const JoinThreshold = Related

// Plan is the result of Assign.
type Plan struct {
	// Join holds, for each question, the ID of the existing topic it joins,
	// or 0 when it belongs to a new topic.
	Join []int64
	// New lists the new topics, each as the indices of its questions in
	// ascending order; new topics are ordered by their first question.
	New [][]int
	// Ungrouped lists the questions, in ascending order, that joined no
	// topic and have no similar question to start one with.
	Ungrouped []int
	// Features holds each question's Features, for the caller to add to
	// the topic it lands in without computing them again.
	Features [][]string
}

// Index holds existing topics ready for matching: their centroids as an
// inverted index from feature to topic. Building it reads every topic's
// features once; assigning a question then costs only the postings of its
// own features.
type Index struct {
	topics []Topic
	df     map[string]float64
	docs   float64
	post   map[string][]posting
}

type posting struct {
	topic int
	w     float64
}

// NewIndex indexes topics. Feature weights use the same TF-IDF as Group,
// with document frequencies counted over the topics' questions.
func NewIndex(topics []Topic) *Index {
	x := &Index{topics: topics, df: map[string]float64{}, post: map[string][]posting{}}
	for _, t := range topics {
		x.docs += float64(t.Size)
		for f, n := range t.Terms {
			x.df[f] += float64(n)
		}
	}
	for ti, t := range topics {
		if t.Size == 0 {
			continue
		}
		var norm float64
		for f, n := range t.Terms {
			w := float64(n) / float64(t.Size) * x.weight(f)
			norm += w * w
		}
		norm = math.Sqrt(norm)
		for f, n := range t.Terms {
			x.post[f] = append(x.post[f], posting{ti, float64(n) / float64(t.Size) * x.weight(f) / norm})
		}
	}
	return x
}

// weight is a feature's weight as Group gives it: the smoothed inverse
// document frequency times its kind's weight.
func (x *Index) weight(f string) float64 {
	return idf(x.docs, x.df[f]) * kindWeight(f)
}

// Assign places new questions among the indexed topics: each joins the
// topic whose centroid is most similar if the similarity reaches
// JoinThreshold, and the rest are grouped among themselves: with
// GroupVectors when vectors (one per question) are given, else with Group;
// those that are then alone are Ungrouped.
// The result depends only on the topics, the questions and the vectors,
// never on timing.
func (x *Index) Assign(questions []string, vectors [][]float32) Plan {
	plan := Plan{Join: make([]int64, len(questions)), Features: make([][]string, len(questions))}
	var rest []int
	score := make([]float64, len(x.topics))
	for i, q := range questions {
		plan.Features[i] = Features(q)
		if t := x.nearest(plan.Features[i], score); t >= 0 {
			plan.Join[i] = x.topics[t].ID
		} else {
			rest = append(rest, i)
		}
	}
	if len(rest) == 0 {
		return plan
	}
	var groups []int
	if vectors != nil {
		vs := make([][]float32, len(rest))
		for i, q := range rest {
			vs[i] = vectors[q]
		}
		groups = GroupVectors(vs)
	} else {
		texts := make([]string, len(rest))
		for i, q := range rest {
			texts[i] = questions[q]
		}
		groups = Group(texts)
	}
	for i, g := range groups {
		if g == Ungrouped {
			plan.Ungrouped = append(plan.Ungrouped, rest[i])
			continue
		}
		if g == len(plan.New) {
			plan.New = append(plan.New, nil)
		}
		plan.New[g] = append(plan.New[g], rest[i])
	}
	return plan
}

// nearest returns the index of the topic a question with the given features
// joins, or -1. score is scratch space, one entry per topic.
func (x *Index) nearest(feats []string, score []float64) int {
	x.score(feats, score)
	best, bestSim := -1, 0.0
	for t, sim := range score {
		// Strictly greater: ties go to the earlier topic.
		if sim >= JoinThreshold && sim > bestSim {
			best, bestSim = t, sim
		}
	}
	return best
}

// score sets score[t] to the cosine similarity of a question with the
// given features and topic t.
func (x *Index) score(feats []string, score []float64) {
	clear(score)
	var norm float64
	for _, f := range feats {
		w := x.weight(f)
		norm += w * w
		for _, p := range x.post[f] {
			score[p.topic] += w * p.w
		}
	}
	if norm == 0 {
		return
	}
	norm = math.Sqrt(norm)
	for t := range score {
		score[t] /= norm
	}
}

// Near returns the IDs of the indexed topics at least JoinThreshold similar
// to a question, in index order.
func (x *Index) Near(question string) []int64 {
	score := make([]float64, len(x.topics))
	x.score(Features(question), score)
	var out []int64
	for t, s := range score {
		if s >= JoinThreshold {
			out = append(out, x.topics[t].ID)
		}
	}
	return out
}

// labelRunes is the longest label, in characters.
const labelRunes = 80

// Label names a topic after its most typical question: the one whose
// features are most common among the topic's questions, per feature so
// that long questions do not win by length alone. Ties go to the shorter,
// then the earlier question. The label is the question as a visitor wrote
// it, with white space collapsed and cut to 80 characters.
func Label(questions []string) string {
	feats := make([][]string, len(questions))
	for i, q := range questions {
		feats[i] = Features(q)
	}
	return LabelOf(questions, feats)
}

// LabelOf is Label for questions whose Features are known already.
func LabelOf(questions []string, feats [][]string) string {
	if len(questions) == 0 {
		return ""
	}
	count := map[string]int{}
	for _, fs := range feats {
		for _, f := range fs {
			count[f]++
		}
	}
	best, bestScore := 0, -1.0
	for i, fs := range feats {
		var s float64
		for _, f := range fs {
			s += float64(count[f])
		}
		if len(fs) > 0 {
			s /= math.Sqrt(float64(len(fs)))
		}
		if s > bestScore+1e-9 || (s > bestScore-1e-9 && len(questions[i]) < len(questions[best])) {
			best, bestScore = i, s
		}
	}
	return clip(strings.Join(strings.Fields(questions[best]), " "), labelRunes)
}

// clip cuts s to at most n characters, marking a cut with an ellipsis.
func clip(s string, n int) string {
	if len(prefix(s, n)) == len(s) {
		return s
	}
	return strings.TrimSpace(prefix(s, n-1)) + "…"
}

// TopicsOf builds the topics that Group's result describes, with IDs
// numbered from 1 in topic order; ungrouped questions are in none.
func TopicsOf(questions []string, groups []int) []Topic {
	var topics []Topic
	for i, g := range groups {
		if g == Ungrouped {
			continue
		}
		for len(topics) <= g {
			topics = append(topics, Topic{ID: int64(len(topics) + 1)})
		}
		topics[g].Add(Features(questions[i]))
	}
	return topics
}
