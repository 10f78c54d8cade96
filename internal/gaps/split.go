package gaps

import (
	"math"
	"slices"
)

// splitRatio is how much less alike two parts of a topic must be, across,
// than the looser of them is within itself, for the topic to be two
// topics. Two needs that share a word — "Is gift wrapping available?" and
// "Is click and collect available?" — are a fifth to a quarter as alike
// across as within; the two halves of one need asked in many ways, like
// the spoken turns of an insurance desk, come out at a third or more
// (splitting at 0.4 cut some of those in two), and a half of one BANKING77
// intent is as alike to the other half as to itself.
const splitRatio = 0.3

// points are the questions as split sees them: each one's TF-IDF vector
// (nil when there are none, as for embeddings), meaning (nil when
// unknown), and how often it was asked (nil: once each).
type points struct {
	vs      []sparse
	meaning [][]float32
	count   []int
	dim     int
}

// part is a set of questions, summed: what its centroid, its cohesion and
// its likeness to another part need. Each question counts as often as it
// was asked.
type part struct {
	lex     []float32 // dense over the features; only touched entries are non-zero
	touched []int32
	mean    []float32
	w       float64 // askings
	wm      float64 // askings with a meaning
	self    float64 // Σ askings × |TF-IDF vector|²
}

func (p *points) part() *part {
	s := &part{lex: make([]float32, p.dim)}
	for _, m := range p.meaning {
		if m != nil {
			s.mean = make([]float32, len(m))
			break
		}
	}
	return s
}

func (s *part) reset() {
	for _, f := range s.touched {
		s.lex[f] = 0
	}
	s.touched = s.touched[:0]
	clear(s.mean)
	s.w, s.wm, s.self = 0, 0, 0
}

func (s *part) add(p *points, i int32) {
	w := float32(countOf(p.count, int(i)))
	s.w += float64(w)
	if p.vs != nil {
		v := p.vs[i]
		var self float64
		for j, f := range v.idx {
			if s.lex[f] == 0 {
				s.touched = append(s.touched, f)
			}
			s.lex[f] += w * v.val[j]
			self += float64(v.val[j]) * float64(v.val[j])
		}
		s.self += float64(w) * self
	}
	if p.meaning != nil && p.meaning[i] != nil {
		for j, x := range p.meaning[i] {
			s.mean[j] += w * x
		}
		s.wm += float64(w)
	}
}

// norms returns the lengths of the part's two sums.
func (s *part) norms() (lex, mean float64) {
	for _, f := range s.touched {
		lex += float64(s.lex[f]) * float64(s.lex[f])
	}
	for _, x := range s.mean {
		mean += float64(x) * float64(x)
	}
	return math.Sqrt(lex), math.Sqrt(mean)
}

// mix blends a similarity by words and one by meaning as blend does; either
// is missing (ok false) when a side has none.
func mix(lex float64, lexOK bool, mean float64, meanOK bool) float64 {
	switch {
	case lexOK && meanOK:
		return float64(lexicalShare)*lex + float64(1-lexicalShare)*mean
	case meanOK:
		return mean
	}
	return lex
}

// sim is question i's similarity to the part's centroid, whose norms are
// ln and mn.
func (s *part) sim(p *points, i int32, ln, mn float64) float64 {
	var lex float64
	if ln > 0 {
		lex = float64(p.vs[i].dot(s.lex)) / ln
	}
	var mean float64
	meanOK := p.meaning != nil && p.meaning[i] != nil && mn > 0
	if meanOK {
		mean = float64(dot(p.meaning[i], s.mean)) / mn
	}
	return mix(lex, p.vs != nil, mean, meanOK)
}

// within is the mean similarity of two askings in the part: of each pair
// of its questions and of each question with its own repeats. A question
// asked once has no pair; its within is taken as 1, the most alike.
func (s *part) within() float64 {
	if s.w < 2 {
		return 1
	}
	l, m := s.norms()
	lex := (l*l - s.self) / (s.w*s.w - s.w)
	var mean float64
	if s.wm >= 2 {
		mean = (m*m - s.wm) / (s.wm*s.wm - s.wm)
	}
	return mix(lex, len(s.touched) > 0 || s.self > 0, mean, s.wm >= 2)
}

// cross is the mean similarity of an asking in a and one in b.
func cross(a, b *part) float64 {
	x, y := a, b
	if len(y.touched) < len(x.touched) {
		x, y = y, x
	}
	var lex float64
	for _, f := range x.touched {
		lex += float64(x.lex[f]) * float64(y.lex[f])
	}
	var mean float64
	if a.wm > 0 && b.wm > 0 {
		for j := range a.mean {
			mean += float64(a.mean[j]) * float64(b.mean[j])
		}
		mean /= a.wm * b.wm
	}
	return mix(lex/(a.w*b.w), len(a.touched) > 0, mean, a.wm > 0 && b.wm > 0)
}

// split bisects every topic that is two parts much less like each other
// than each is within itself (see splitRatio), and each part again, until
// no part splits. Topic numbers of new parts follow the highest given.
// Its cost is a few passes over each topic's questions per level.
func split(p *points, topics []int) []int {
	k := 0
	for _, t := range topics {
		k = max(k, t+1)
	}
	stack := make([][]int32, k)
	for i, t := range topics {
		if t >= 0 {
			stack[t] = append(stack[t], int32(i))
		}
	}
	out := slices.Clone(topics)
	a, b := p.part(), p.part()
	for len(stack) > 0 {
		ms := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		pa, pb := bisect(p, ms, a, b)
		if pb == nil {
			continue
		}
		for _, i := range pb {
			out[i] = k
		}
		k++
		stack = append(stack, pa, pb)
	}
	return out
}

// bisectRounds bounds the rounds of 2-means in bisect; it settles in a
// few.
const bisectRounds = 8

// bisect splits ms in two by spherical 2-means, started from the question
// least like the whole and the one least like that, and returns the two
// parts if they are to be two topics, else nil. a and b are scratch.
func bisect(p *points, ms []int32, a, b *part) ([]int32, []int32) {
	if len(ms) < 2 {
		return nil, nil
	}
	a.reset()
	for _, i := range ms {
		a.add(p, i)
	}
	seed := func(of *part, skip int32) int32 {
		ln, mn := of.norms()
		best, worst := int32(-1), math.Inf(1)
		for _, i := range ms {
			if s := of.sim(p, i, ln, mn); i != skip && s < worst {
				best, worst = i, s
			}
		}
		return best
	}
	first := seed(a, -1)
	a.reset()
	a.add(p, first)
	second := seed(a, first)
	b.reset()
	b.add(p, second)
	side := make([]bool, len(ms)) // true: in b
	for round := range bisectRounds {
		la, ma := a.norms()
		lb, mb := b.norms()
		moved := false
		for j, i := range ms {
			toB := b.sim(p, i, lb, mb) > a.sim(p, i, la, ma)
			moved = moved || toB != side[j]
			side[j] = toB
		}
		a.reset()
		b.reset()
		for j, i := range ms {
			if side[j] {
				b.add(p, i)
			} else {
				a.add(p, i)
			}
		}
		if a.w == 0 || b.w == 0 {
			return nil, nil
		}
		if !moved && round > 0 {
			break
		}
	}
	// A question asked once is a neighbour of the others, or it would not
	// share their topic; alone, it has no likeness of its own to weigh
	// theirs against.
	if a.w < 2 || b.w < 2 || cross(a, b) >= splitRatio*min(a.within(), b.within()) {
		return nil, nil
	}
	var pa, pb []int32
	for j, i := range ms {
		if side[j] {
			pb = append(pb, i)
		} else {
			pa = append(pa, i)
		}
	}
	return pa, pb
}
