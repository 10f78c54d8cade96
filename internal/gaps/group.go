package gaps

import (
	"math"
	"runtime"
	"slices"
)

// The grouping parameters. They are few and none is the number of topics:
//
//   - neighbors is how many nearest questions each question looks at. It is
//     the smallest topic that can still form a tight community on its own,
//     so it is also roughly the smallest topic worth telling an editor about;
//   - minShared is how much two questions' neighbourhoods must overlap
//     (Jaccard) for them to be linked at all; a pair sharing less than one
//     neighbour in fifteen is noise;
//   - resolution is the Louvain resolution: above 1 it prefers more, tighter
//     topics, which is what an editor answering one question at a time wants;
//   - Related is the cosine similarity below which two questions are not
//     neighbours at all, and below which a new question does not join an
//     existing topic: one notion of "about the same thing" for both. Without
//     it, a question asked once would borrow unrelated neighbours and drag
//     them into a grab-bag topic;
//   - a neighbour less than half as similar as the question's nearest one
//     shares a word with it, not its need, unless it is Close: "Can I
//     change my account currency to euros?" is near "Can I change the
//     currency of my account?", and "How do I add my wife to my account?"
//     is only a fifth as near. Without this, a need asked in a few ways
//     borrows the neighbours of every need that shares its commonest
//     word ("account", "delivery", "帳戶") and they become one topic.
const (
	neighbors  = 20
	minShared  = 1.0 / 15
	resolution = 2.0
	Related    = 0.15
	Close      = 0.25
)

// Ungrouped is the topic Group gives a question that has no similar one:
// it waits, in no topic, until a question like it arrives.
const Ungrouped = -1

// Group groups questions into topics without being told how many there are
// and returns, for each question, the index of its topic, or Ungrouped.
// Topics are numbered from 0 in the order of their first question, so the
// same input always gives the same output.
//
// The method is graph clustering of shared nearest neighbours:
//
//  1. questions that read the same once normalised are grouped once, and
//     count as many times as they were asked;
//  2. each question becomes a TF-IDF vector of its features (see Features),
//     so rare, topic-bearing words outweigh words every question shares,
//     and, when it has English words, a vector of what they mean (see
//     wordVectors);
//  3. each question finds its nearest neighbours by cosine similarity, among
//     the questions at least Related to it and not much less similar than
//     its nearest (see Close), with meaning blended in (see group), in a
//     search whose cost per question is bounded (see knn); each feature
//     is then weighed too by how many of its questions' neighbours share
//     it (see weighByNeighbors), and each question, with its neighbours
//     compared again so, looks again among its neighbours' neighbours
//     (see throughNeighbors); a neighbour that differs from it by a pair of
//     words naming different things of one kind, as card and transfer
//     do, is no neighbour (see objectPairs), and a question whose every
//     neighbour shares with it only words of asking waits on its own
//     (see apartAsking);
//  4. two questions are linked as strongly as their neighbour lists overlap,
//     which is robust to the uneven density of short texts: a question in a
//     crowded topic and one in a sparse topic are judged alike;
//  5. Louvain modularity optimisation cuts the graph into communities, and
//     the number of topics falls out of it;
//  6. one pass moves each question to the topic whose centroid it is
//     closest to, which fixes questions the graph placed by a weak link;
//  7. one vote moves each question to the topic most of its neighbours are
//     in, when the centroid pass went against them;
//  8. a topic made of two parts much less like each other than each is
//     within itself is split in two, again and again (see split): the
//     topic of "Is gift wrapping available?" and "Is click and collect
//     available?" is two needs;
//  9. a question left alone in its topic is Ungrouped.
func Group(questions []string) []int {
	if len(questions) == 0 {
		return nil
	}
	u := dedupe(questions)
	vs, dim, words := tfidf(u.norm)
	var meaning [][]float32
	if wv, err := embeddedWordVectors(); err == nil {
		meaning = wv.questionVectors(u.text)
	}
	topics := group(vs, dim, words, meaning, u.count, layOut(vs, meaning))
	out := make([]int, len(questions))
	for i, j := range u.of {
		out[i] = topics[j]
	}
	return renumber(out)
}

// layOut moves the questions' vectors, by words and by meaning, into one
// block of memory each, ordered so that questions whose weightiest
// feature is the same lie side by side. The neighbour search and the look
// through the neighbours' neighbours read the vectors of near questions
// one after another; at 100,000 questions, reading them scattered over
// the heap took most of that time (processor time there 26.9 s → 22.9 s).
// It returns that order, in which those passes visit the questions, so
// that one question's neighbours, read from memory, are still in the
// cache when the next question, likely near it, reads them again. No
// value changes, and each question is looked at alone, so neither does
// the grouping.
func layOut(vs []sparse, meaning [][]float32) []int32 {
	key := make([]int32, len(vs))
	entries, dims := 0, 0
	for i, v := range vs {
		best := float32(-1)
		for j, x := range v.val {
			if x > best {
				best, key[i] = x, v.idx[j]
			}
		}
		entries += len(v.idx)
		if meaning != nil {
			dims += len(meaning[i])
		}
	}
	order := make([]int32, len(vs))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if key[a] != key[b] {
			return int(key[a] - key[b])
		}
		return int(a - b)
	})
	idx := make([]int32, 0, entries)
	val := make([]float32, 0, entries)
	mean := make([]float32, 0, dims)
	for _, i := range order {
		v, a := vs[i], len(idx)
		idx, val = append(idx, v.idx...), append(val, v.val...)
		vs[i] = sparse{idx: idx[a:len(idx):len(idx)], val: val[a:len(val):len(val)]}
		if meaning != nil && meaning[i] != nil {
			b := len(mean)
			mean = append(mean, meaning[i]...)
			meaning[i] = mean[b:len(mean):len(mean)]
		}
	}
	return order
}

// unique is a batch of questions with those that read the same once
// normalised taken once.
type unique struct {
	norm  []string // each distinct question, normalised
	text  []string // the first question as asked that reads so, within the budget
	count []int    // how many questions read so
	of    []int    // for each question of the batch, its distinct one
}

func dedupe(questions []string) unique {
	var u unique
	u.of = make([]int, len(questions))
	norms := make([]string, len(questions))
	parallel(len(questions), func() func(int) {
		return func(i int) { norms[i] = Normalize(Budget(questions[i])) }
	})
	seen := make(map[string]int, len(questions))
	for i, n := range norms {
		j, ok := seen[n]
		if !ok {
			j = len(u.norm)
			seen[n] = j
			u.norm, u.text, u.count = append(u.norm, n), append(u.text, Budget(questions[i])), append(u.count, 0)
		}
		u.count[j]++
		u.of[i] = j
	}
	return u
}

// Blending the two similarities (see group).
const (
	// candidates is how many nearest questions by words are looked at
	// again with meaning, of which the best neighbors are kept.
	candidates = 60
	// lexicalShare is the share of the words' similarity in the blend.
	lexicalShare = 0.5
)

// group runs steps 3 to 8 of Group on the TF-IDF vectors vs, of dimension
// dim, of questions asked count times each. When meaning holds the
// questions' word-vector means (nil for a question with no known word),
// two questions that both have one are as similar as the mean of their
// similarity by words and by meaning: among each question's nearest by
// words, those that also mean the same become its neighbours, and the
// centroid pass weighs meaning alike. Questions that share no feature are
// never compared, so meaning refines what the words found rather than
// linking questions the words cannot. The searches look at the questions
// in the order visit gives (see layOut; nil: index order).
func group(vs []sparse, dim int, words []string, meaning [][]float32, count []int, visit []int32) []int {
	asked := 0
	for i := range vs {
		asked += countOf(count, i)
	}
	k := neighborCount(asked)
	if !slices.ContainsFunc(meaning, func(m []float32) bool { return m != nil }) {
		meaning = nil
	}
	p := &points{vs: vs, meaning: meaning, count: count, dim: dim}
	var nb [][]neighbor
	if meaning == nil {
		nb = knn(vs, dim, k, Related, visit)
	} else {
		nb = knn(vs, dim, max(k, candidates), Related, visit)
		parallelIn(visit, len(nb), func() func(int) {
			return func(i int) {
				top := make([]neighbor, 0, k)
				for _, n := range nb[i] {
					top = pushTop(top, k, neighbor{n.id, blend(n.sim, meaning[i], meaning[n.id])})
				}
				slices.SortFunc(top, compareNeighbors)
				nb[i] = top
			}
		})
	}
	need := weighByNeighbors(vs, dim, nb)
	rescore(vs, dim, meaning, nb, visit)
	if len(vs) >= collectAbove {
		runtime.GC()
	}
	nb = throughNeighbors(vs, dim, meaning, nb, k, visit)
	for i := range nb {
		nb[i] = nearOnly(nb[i])
	}
	if words != nil {
		ws := wordVectorsOf(vs, words)
		apartObjects(vs, dim, objectPairs(ws, words, need, nb), nb)
		apartAsking(ws, words, nb)
	}
	return settle(p, communities(nb, func(topics []int) []int { return reassign(vs, nb, topics, meaning, count) }))
}

// collectAbove is the number of distinct questions from which group has
// the garbage of the neighbour search collected before it goes on. The
// search's inverted index and its candidate lists are most of what
// grouping allocates, and the collector sets its next goal at twice what
// was live while they were: left to it, the graph and Louvain that follow
// grew the heap to that goal, and peak RSS at 100,000 questions moved
// between 290 and 456 MB from run to run with the same live heap (about
// 180 MB). One collection costs a pass over the live heap, tens of
// milliseconds there against seconds of grouping; small batches, which
// the service groups most, never pay it.
const collectAbove = 50000

// coherence is the power of a feature's share of neighbours that have it
// too by which weighByNeighbors multiplies its weight: the fourth root, as
// for the weight of a word's meaning (see questionVectors), so that what
// the neighbours say tilts the weights rather than replacing TF-IDF. At
// 0.2, BANKING77 gained less (0.713/0.410/0.522 over four orders) and
// dstc11-insurance lost less (0.838/0.581/0.708).
const coherence = 0.25

// weighByNeighbors multiplies each feature's weight in every vector by
// the share of its questions' near neighbours (nb, cut as nearOnly cuts,
// found with the weights as they were) that have the feature too, each
// neighbour counted as much as it is similar, to the power coherence, and
// normalises the vectors again; it returns each feature's share (before
// the power), which objectPairs reads too. IDF weighs a feature by how
// rare it is; this weighs it by how alike the questions that have it are. On
// BANKING77, of the features of 80 questions or more, the neighbours of
// questions saying "physical card", "Mastercard" or "beneficiary" share it
// 93–97 % of the time, those of questions saying "because", "issue" or
// "way" 13–17 %: words of the need against words of the telling, which
// IDF weighs alike. On crosswoz-zh, 地址 and 电话 94 %, 好 50 %, 去 17 %.
// One pseudo-observation of a shared neighbour, fully similar, keeps the
// weight of a feature nothing is known of, such as one of a single
// question.
//
// A feature of a few questions can be shared by few neighbours, and is
// weighed down for it: a word of three questions cannot be what a topic
// of a hundred, as BANKING77's are, has in common, yet IDF weighs it the
// highest, and its questions, neighbours by that word alone, would make
// it look coherent. Counting each neighbour by its similarity keeps this
// from reaching the needs of a small batch, whose few questions are near
// each other and far from the other needs' questions that share only a
// common word with them.
//
// With the neighbours compared again under these weights and looked for
// among their neighbours (see group), NMI/ARI/ACC over four orders of the
// questions went on BANKING77 from 0.711/0.411/0.517 to 0.719/0.424/0.527,
// on dstc11-insurance from 0.836/0.588/0.711 to 0.847/0.597/0.731, and on
// crosswoz-zh from 0.700/0.425/0.564 to 0.711/0.437/0.579. Capping the
// places at what the feature's questions could fill, each neighbour
// counted once, did less on BANKING77 and dstc11-insurance
// (0.717/0.414/0.525, 0.836/0.568/0.703); counting each neighbour once
// without the cap, or every neighbour rather than the near ones, mixed the
// demo's needs: their neighbours are mostly other needs' questions that
// share its commonest word ("account", 帳戶), and that word rose above the
// words of each need ("joint", "deceased", "currency").
func weighByNeighbors(vs []sparse, dim int, nb [][]neighbor) (share []float32) {
	shared := make([]float64, dim) // similarity of the neighbours of questions with the feature that have it
	seen := make([]float64, dim)   // similarity of the neighbours of questions with the feature
	var both []int32
	for i, v := range vs {
		var near float64
		for _, n := range nearOnly(nb[i]) {
			w := float64(max(n.sim, 0))
			near += w
			both = v.shared(vs[n.id], both[:0])
			for _, f := range both {
				shared[f] += w
			}
		}
		for _, f := range v.idx {
			seen[f] += near
		}
	}
	share = make([]float32, dim)
	factor := make([]float32, dim)
	for f := range factor {
		s := (shared[f] + 1) / (seen[f] + 1)
		share[f], factor[f] = float32(s), float32(math.Pow(s, coherence))
	}
	parallel(len(vs), func() func(int) {
		return func(i int) {
			v := vs[i]
			for j, f := range v.idx {
				v.val[j] *= factor[f]
			}
			normalize(v.val)
		}
	})
	return share
}

// rescore gives each question's neighbours their similarity by the
// vectors as they are now, blended with meaning, drops those no longer
// Related by words and sorts the rest best first.
func rescore(vs []sparse, dim int, meaning [][]float32, nb [][]neighbor, visit []int32) {
	parallelIn(visit, len(nb), func() func(int) {
		row := make([]float32, dim) // the question's vector, spread (see throughNeighbors)
		return func(i int) {
			vs[i].spread(row)
			kept := nb[i][:0]
			for _, n := range nb[i] {
				sim := vs[n.id].dot(row)
				if sim < Related {
					continue
				}
				if meaning != nil {
					sim = blend(sim, meaning[i], meaning[n.id])
				}
				kept = append(kept, neighbor{n.id, sim})
			}
			vs[i].clear(row)
			slices.SortFunc(kept, compareNeighbors)
			nb[i] = kept
		}
	})
}

// throughNeighbors improves each question's k nearest, best first, with
// the neighbours of its neighbours: one round of NN-descent (Dong et al.,
// 2011), whose premise is that a neighbour's neighbour is likely a
// neighbour. The bounded search (see knn) leaves out a question's
// commonest features and compares meaning only among the candidates
// words gave, so it misses some near questions; those are usually near
// its near ones. A neighbour's neighbour counts only if it is Related by
// words, as every neighbour the search finds is, and its similarity is
// blended with meaning alike. The cost is k² similarities per question,
// whatever the number of questions. On BANKING77, with the search's
// budget lowered to what this makes enough, NMI/ARI/ACC went from
// 0.701/0.403/0.512 to 0.712/0.413/0.516, and the same over four orders
// of its questions on average (0.699/0.402/0.505 to 0.712/0.411/0.517);
// the exact search, at a cost growing with the square of the questions,
// gave 0.713/0.415/0.515.
func throughNeighbors(vs []sparse, dim int, meaning [][]float32, nb [][]neighbor, k int, visit []int32) [][]neighbor {
	out := make([][]neighbor, len(nb))
	parallelIn(visit, len(nb), func() func(int) {
		// The question's vector is spread over a dense row, so each
		// comparison walks only the other question's features, and seen
		// marks with the question's number those already compared.
		row := make([]float32, dim)
		seen := make([]int32, len(nb))
		for j := range seen {
			seen[j] = -1
		}
		return func(i int) {
			v := vs[i]
			v.spread(row)
			me := int32(i)
			seen[i] = me
			top := make([]neighbor, 0, k)
			for _, n := range nb[i] {
				seen[n.id] = me
				top = pushTop(top, k, n)
			}
			for _, n := range nb[i] {
				for _, m := range nb[n.id] {
					if seen[m.id] == me {
						continue
					}
					seen[m.id] = me
					sim := vs[m.id].dot(row)
					if sim < Related {
						continue
					}
					if meaning != nil {
						sim = blend(sim, meaning[i], meaning[m.id])
					}
					top = pushTop(top, k, neighbor{m.id, sim})
				}
			}
			v.clear(row)
			slices.SortFunc(top, compareNeighbors)
			out[i] = top
		}
	})
	return out
}

// nearOnly cuts a neighbour list, best first, where similarity falls
// below half the nearest's, keeping every neighbour that is Close.
func nearOnly(nb []neighbor) []neighbor {
	if len(nb) == 0 {
		return nb
	}
	floor := min(nb[0].sim/2, Close)
	n := 1
	for n < len(nb) && nb[n].sim >= floor {
		n++
	}
	return nb[:n]
}

// blend is the similarity of two questions whose similarity by words is
// lexical and whose meanings are a and b, either of which may be unknown.
func blend(lexical float32, a, b []float32) float32 {
	if a == nil || b == nil {
		return lexical
	}
	return lexicalShare*lexical + (1-lexicalShare)*dot(a, b)
}

// vote moves each question to the topic its neighbours, weighted by
// similarity, mostly belong to, counting its own topic as half a vote of
// full similarity: a question the centroids placed against the judgement
// of its nearest questions follows them. Ties keep the lower topic.
func vote(nb [][]neighbor, topics []int) []int {
	out := make([]int, len(topics))
	score := map[int]float32{}
	for i, own := range topics {
		clear(score)
		score[own] = 0.5
		for _, n := range nb[i] {
			score[topics[n.id]] += n.sim
		}
		best := own
		for t, s := range score {
			if s > score[best] || (s == score[best] && t < best) {
				best = t
			}
		}
		out[i] = best
	}
	return out
}

// neighborCount is how many neighbours each of n questions looks at: a
// small batch cannot hold topics of twenty, so each question looks at a
// fifth of the others and small topics can still form.
func neighborCount(n int) int { return min(neighbors, max(2, n/5)) }

// communities runs steps 4 to 7 of Group on a neighbour graph of
// questions; reassign moves questions to their closest topic centre in the
// vectors' space.
func communities(nb [][]neighbor, reassign func([]int) []int) []int {
	topics := louvain(sharedNeighborGraph(nb, minShared), resolution)
	attachAlone(nb, topics)
	return vote(nb, reassign(topics))
}

// settle runs steps 8 and 9 of Group: loose topics are split, and a
// question alone in its topic, asked once, is Ungrouped.
func settle(p *points, topics []int) []int {
	topics = split(p, topics)
	weight := map[int]int{}
	for i, t := range topics {
		weight[t] += countOf(p.count, i)
	}
	for i, t := range topics {
		if weight[t] < 2 {
			topics[i] = Ungrouped
		}
	}
	return renumber(topics)
}

// attachAlone puts each question that Louvain left alone in a community
// into its nearest neighbour's, in question order. Above resolution 1,
// modularity splits a group that is all there is of the graph — the three
// questions of a small batch that ask the same thing — into single
// questions; a question with a neighbour at all is not alone.
func attachAlone(nb [][]neighbor, topics []int) {
	size := map[int]int{}
	for _, t := range topics {
		size[t]++
	}
	for i, t := range topics {
		if size[t] == 1 && len(nb[i]) > 0 {
			to := topics[nb[i][0].id]
			size[t]--
			size[to]++
			topics[i] = to
		}
	}
}

// countOf is how many times question i was asked.
func countOf(count []int, i int) int {
	if count == nil {
		return 1
	}
	return count[i]
}

// GroupVectors is Group for questions given as vectors, such as the
// embeddings of a language model, where similar meaning gives similar
// vectors even without shared words. Steps 3 to 9 are Group's; neighbours
// are found by comparing every pair, which suits the batches of new
// questions the service groups (thousands), not millions. There is no
// Related floor and no Close: what counts as related depends on the model.
func GroupVectors(vecs [][]float32) []int {
	if len(vecs) == 0 {
		return nil
	}
	dim := len(vecs[0])
	unit := make([][]float32, len(vecs))
	for i, v := range vecs {
		unit[i] = normalized(v)
	}
	nb := denseKNN(unit, neighborCount(len(vecs)))
	return settle(&points{meaning: unit}, communities(nb, func(topics []int) []int {
		k := slices.Max(topics) + 1
		cent := make([][]float32, k)
		for c := range cent {
			cent[c] = make([]float32, dim)
		}
		for i, v := range unit {
			for j, x := range v {
				cent[topics[i]][j] += x
			}
		}
		for c := range cent {
			cent[c] = normalized(cent[c])
		}
		out := make([]int, len(topics))
		for i, v := range unit {
			best, bestSim := topics[i], dot(v, cent[topics[i]])
			for c := range cent {
				if s := dot(v, cent[c]); s > bestSim {
					best, bestSim = c, s
				}
			}
			out[i] = best
		}
		return out
	}))
}

// normalized returns v scaled to unit length (a zero vector stays zero).
func normalized(v []float32) []float32 {
	out := slices.Clone(v)
	normalize(out)
	return out
}

// normalize scales v to unit length in place (a zero vector stays zero).
func normalize(v []float32) {
	var norm float64
	for _, x := range v {
		norm += float64(x) * float64(x)
	}
	if norm == 0 {
		return
	}
	f := float32(1 / math.Sqrt(norm))
	for i, x := range v {
		v[i] = x * f
	}
}

// dot is the inner product of two vectors of equal length. Four running
// sums let the processor overlap the multiplications; blending meaning into
// grouping takes about a million of these.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// denseKNN finds each unit vector's k most similar others by comparing
// all pairs, split across CPUs.
func denseKNN(vs [][]float32, k int) [][]neighbor {
	out := make([][]neighbor, len(vs))
	parallel(len(vs), func() func(int) {
		return func(i int) {
			top := make([]neighbor, 0, k)
			for j := range vs {
				if j != i {
					top = pushTop(top, k, neighbor{int32(j), dot(vs[i], vs[j])})
				}
			}
			slices.SortFunc(top, compareNeighbors)
			out[i] = top
		}
	})
	return out
}

// sharedNeighborGraph links each question to its neighbours with the
// Jaccard overlap of their neighbourhoods (each including itself) as
// weight, dropping links weaker than minWeight.
func sharedNeighborGraph(nb [][]neighbor, minWeight float64) graph {
	n := len(nb)
	sets := make([][]int32, n)
	for i, list := range nb {
		s := make([]int32, 0, len(list)+1)
		s = append(s, int32(i))
		for _, e := range list {
			s = append(s, e.id)
		}
		slices.Sort(s)
		sets[i] = s
	}
	type pair struct{ a, b int32 }
	var pairs []pair
	for i, list := range nb {
		for _, e := range list {
			a, b := int32(i), e.id
			if a > b {
				a, b = b, a
			}
			pairs = append(pairs, pair{a, b})
		}
	}
	slices.SortFunc(pairs, func(x, y pair) int {
		if x.a != y.a {
			return int(x.a - y.a)
		}
		return int(x.b - y.b)
	})
	pairs = slices.Compact(pairs)
	g := graph{adj: make([][]edge, n)}
	for _, p := range pairs {
		shared := intersect(sets[p.a], sets[p.b])
		w := float64(shared) / float64(len(sets[p.a])+len(sets[p.b])-shared)
		if w < minWeight {
			continue
		}
		g.adj[p.a] = append(g.adj[p.a], edge{p.b, w})
		g.adj[p.b] = append(g.adj[p.b], edge{p.a, w})
	}
	for i := range g.adj {
		sortEdges(g.adj[i])
	}
	return g
}

// intersect counts the common elements of two sorted slices.
func intersect(a, b []int32) int {
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return n
}

// reassign moves every question to the topic whose centroid is most similar
// to it, among its own and its neighbours' topics; a question similar to no
// centroid stays where it is. With meaning (see group), a question that has
// one is compared with each topic's mean meaning too, and the similarities
// are blended. A centroid is its questions' mean, each counted as often as
// it was asked.
//
// Comparing each question with its neighbours' topics only, not every
// topic, keeps the cost per question bounded; a topic none of its
// neighbours is in is not one it would be moved to.
func reassign(vs []sparse, nb [][]neighbor, topics []int, meaning [][]float32, count []int) []int {
	k := slices.Max(topics) + 1
	dim := 0
	for _, v := range vs {
		if n := len(v.idx); n > 0 {
			dim = max(dim, int(v.idx[n-1])+1)
		}
	}
	members := make([][]int32, k)
	for i, t := range topics {
		members[t] = append(members[t], int32(i))
	}
	// Each centroid is summed in one dense row, reused, and kept sparse.
	cent := make([]sparse, k)
	acc := make([]float32, dim)
	var touched []int32
	for c, ms := range members {
		touched = touched[:0]
		for _, i := range ms {
			v, w := vs[i], float32(countOf(count, int(i)))
			for j, f := range v.idx {
				if acc[f] == 0 {
					touched = append(touched, f)
				}
				acc[f] += w * v.val[j]
			}
		}
		slices.Sort(touched)
		var norm float64
		for _, f := range touched {
			norm += float64(acc[f]) * float64(acc[f])
		}
		s := sparse{idx: slices.Clone(touched), val: make([]float32, len(touched))}
		for j, f := range touched {
			s.val[j] = float32(float64(acc[f]) / math.Sqrt(norm))
			acc[f] = 0
		}
		cent[c] = s
	}
	var means [][]float32 // each topic's mean meaning, or nil
	if meaning != nil {
		means = make([][]float32, k)
		for i, m := range meaning {
			if m == nil {
				continue
			}
			c := topics[i]
			if means[c] == nil {
				means[c] = make([]float32, len(m))
			}
			w := float32(countOf(count, i))
			for j, x := range m {
				means[c][j] += w * x
			}
		}
		for c, m := range means {
			if m != nil {
				means[c] = normalized(m)
			}
		}
	}
	out := make([]int, len(topics))
	parallel(len(vs), func() func(int) {
		var cands []int
		return func(i int) {
			cands = append(cands[:0], topics[i])
			for _, n := range nb[i] {
				if t := topics[n.id]; !slices.Contains(cands, t) {
					cands = append(cands, t)
				}
			}
			best, bestSim := topics[i], float32(math.Inf(-1))
			for _, c := range cands {
				sim := dotSparse(vs[i], cent[c])
				if means != nil && meaning[i] != nil {
					sim = blend(sim, meaning[i], means[c])
				}
				if sim > bestSim || (sim == bestSim && c < best) {
					best, bestSim = c, sim
				}
			}
			out[i] = best
		}
	})
	return out
}

// renumber numbers topics from 0 in the order of their first member.
func renumber(topics []int) []int {
	ids := map[int]int{}
	out := make([]int, len(topics))
	for i, t := range topics {
		if t == Ungrouped {
			out[i] = Ungrouped
			continue
		}
		id, ok := ids[t]
		if !ok {
			id = len(ids)
			ids[t] = id
		}
		out[i] = id
	}
	return out
}
