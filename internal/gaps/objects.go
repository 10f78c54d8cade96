package gaps

import (
	"cmp"
	"slices"
	"strings"
)

// Telling things of one kind apart (see objectPairs).
const (
	// needLift is how far above the batch's typical word two words'
	// questions' near neighbours must keep them (the product of the two
	// lifts, see lift) for the words to be words of a need rather than
	// of how people ask. On BANKING77 "card" lifts 0.62, "top" (up)
	// 0.70, "transfer" 0.55, "how" 0.03, "why" and "want" not at all.
	// Over four orders of its questions ACC was 0.557 at 0.03, 0.571 at
	// 0.05, 0.569 at 0.07, 0.556 at 0.1 and 0.555 at 0.15.
	needLift = 0.05
	// swapContexts is in how many different contexts, at least, near
	// questions must swap two words for one another for the words to be
	// different things of one kind. At 2, the kinds of insurance
	// dstc11-insurance's callers name in one request ("file a claim" on
	// the car, the house, a life) counted as things to tell apart and its
	// ACC fell from 0.731 to 0.670; at 4 and 5 BANKING77 kept less of its
	// gain.
	swapContexts = 3
)

// objectPairs finds the pairs of words that name different things of one
// kind — card and transfer, top-up and payment, card and PIN — from how
// the questions themselves use them. Two near questions (nb, cut as
// nearOnly cuts) that differ by one or two words each way have swapped
// one word for another in the context of what they share, and that
// context is named by the weightiest word they share. Words swapped in
// many different contexts ("my card / transfer has not arrived", "a fee
// for my card / transfer", "card / transfer declined") are the objects of
// needs that differ by them; words swapped in one context only are what
// one need allows ("file a claim for my car / house / life"), and words
// of how people ask ("how / what", "need / want") are swapped everywhere
// but are not words of a need. The number of contexts is the inverse
// Simpson index of the contexts' counts, so that one context seen often
// is still one. Two words one slip of the keyboard apart ("transfer",
// "transfr") are one word misspelt, and two words used together more
// often than chance would have them are not one in place of the other
// (see apartOnly).
//
// ws are the questions' vectors with their words only (see
// wordVectorsOf); need is each feature's share of near neighbours that
// have it too (see weighByNeighbors); words holds each feature's word, ""
// for a feature that is not one.
//
// On BANKING77, near neighbours that differ by card / transfer are of
// different intents 99 % of the time, by payment / transfer 100 %, by
// top / transfer 97 %; by how / what 17 %, by charge / fee 3 %.
func objectPairs(ws []sparse, words []string, need []float32, nb [][]neighbor) map[uint64]bool {
	lifted := lift(ws, wordFeatures(words), need)
	type swap struct {
		pair    uint64
		context int32
	}
	found := make([][]swap, len(ws)) // each question's, found in parallel
	parallel(len(ws), func() func(int) {
		var da, db []int32
		return func(i int) {
			for _, n := range nearOnly(nb[i]) {
				var context int32
				da, db, context = difference(ws[i], ws[n.id], da, db)
				if len(da) == 0 || len(db) == 0 || len(da) > 2 || len(db) > 2 || context < 0 {
					continue
				}
				for _, a := range da {
					for _, b := range db {
						found[i] = append(found[i], swap{pairOf(a, b), context})
					}
				}
			}
		}
	})
	swaps := slices.Concat(found...)
	slices.SortFunc(swaps, func(x, y swap) int {
		return cmp.Or(cmp.Compare(x.pair, y.pair), cmp.Compare(x.context, y.context))
	})
	pairs := map[uint64]bool{}
	for s := 0; s < len(swaps); {
		e, squares := s, 0.0
		for e < len(swaps) && swaps[e].pair == swaps[s].pair {
			c := e
			for c < len(swaps) && swaps[c] == swaps[e] {
				c++
			}
			squares += float64(c-e) * float64(c-e)
			e = c
		}
		p, n := swaps[s].pair, float64(e-s)
		a, b := p>>32, uint32(p)
		if n*n/squares >= swapContexts && lifted[a] > 0 && lifted[b] > 0 && lifted[a]*lifted[b] > needLift && !oneSlip(words[a], words[b]) {
			pairs[p] = true
		}
		s = e
	}
	apartOnly(ws, pairs)
	return pairs
}

// lift is, for each word, how much more of its near neighbours share it
// than share the batch's typical word (the mean share over every word
// of every question), as a part of what more they could: (share − mean)
// / (1 − mean). Where many questions are near copies of others, as in
// repeated traffic with typing slips, every word's neighbours share it
// more (BANKING77's mean 0.55; 0.75 at 100,000 questions made from them,
// "how" 0.57 → 0.78), and the share alone made words of asking look like
// words of a need; the lift stays where it was ("card" 0.62 → 0.60).
func lift(vs []sparse, isWord []bool, need []float32) []float32 {
	var sum, n float64
	for _, v := range vs {
		for _, f := range v.idx {
			if isWord[f] {
				sum += float64(need[f])
				n++
			}
		}
	}
	mean := float32(sum / max(n, 1))
	out := make([]float32, len(need))
	for f, s := range need {
		if isWord[f] && mean < 1 {
			out[f] = (s - mean) / (1 - mean)
		}
	}
	return out
}

// apartOnly keeps of pairs those whose two words are used together less
// often than chance would have them: one in place of the other, not one
// with the other ("charged a fee", "lost or stolen"). Copies of a
// question count in both the pair and its words, so they leave this
// unchanged.
func apartOnly(vs []sparse, pairs map[uint64]bool) {
	df := map[int32]float64{} // questions with each word of a pair
	for p := range pairs {
		df[int32(p>>32)], df[int32(uint32(p))] = 0, 0
	}
	both := map[uint64]float64{}
	var mine []int32
	for _, v := range vs {
		mine = mine[:0]
		for _, f := range v.idx {
			if _, ok := df[f]; ok {
				df[f]++
				mine = append(mine, f)
			}
		}
		for x, a := range mine {
			for _, b := range mine[x+1:] {
				if p := pairOf(a, b); pairs[p] {
					both[p]++
				}
			}
		}
	}
	n := float64(len(vs))
	for p := range pairs {
		if both[p]*n >= df[int32(p>>32)]*df[int32(uint32(p))] {
			delete(pairs, p)
		}
	}
}

// pairOf is the key of an unordered pair of features.
func pairOf(a, b int32) uint64 {
	if a > b {
		a, b = b, a
	}
	return uint64(a)<<32 | uint64(uint32(b))
}

// only is each of vs with only the features keep marks, for walking two
// questions' words without their character fragments.
func only(vs []sparse, keep []bool) []sparse {
	out := make([]sparse, len(vs))
	for i, v := range vs {
		var o sparse
		for j, f := range v.idx {
			if keep[f] {
				o.idx, o.val = append(o.idx, f), append(o.val, v.val[j])
			}
		}
		out[i] = o
	}
	return out
}

// difference appends to da the features of v that o lacks and to db those
// of o that v lacks, and returns them with the shared feature weightiest
// in v (-1 when they share none).
func difference(v, o sparse, da, db []int32) ([]int32, []int32, int32) {
	da, db = da[:0], db[:0]
	context, weight := int32(-1), float32(0)
	a, b := 0, 0
	for a < len(v.idx) || b < len(o.idx) {
		switch {
		case b == len(o.idx) || (a < len(v.idx) && v.idx[a] < o.idx[b]):
			da = append(da, v.idx[a])
			a++
		case a == len(v.idx) || o.idx[b] < v.idx[a]:
			db = append(db, o.idx[b])
			b++
		default:
			if v.val[a] > weight {
				context, weight = v.idx[a], v.val[a]
			}
			a++
			b++
		}
	}
	return da, db, context
}

// oneSlip reports whether a and b differ by one letter left out, added or
// changed, or two neighbouring letters swapped: the slips of typing.
func oneSlip(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if len(a) < len(b) {
		return a[i:] == b[i+1:]
	}
	if i == len(a) {
		return true
	}
	return a[i+1:] == b[i+1:] || (i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:])
}

// apartObjects removes from each neighbour list the questions that differ
// from its question by a pair of words that objectPairs found: "my card
// has not arrived" is not a neighbour of "my transfer has not arrived",
// however much else they share. Over four orders of the questions,
// NMI/ARI/ACC on BANKING77 went from 0.719/0.424/0.532 to
// 0.748/0.464/0.571; dstc11-insurance and crosswoz-zh (whose features are
// not words) did not change.
func apartObjects(vs []sparse, dim int, pairs map[uint64]bool, nb [][]neighbor) {
	if len(pairs) == 0 {
		return
	}
	in := make([]bool, dim) // the words of some pair
	for p := range pairs {
		in[p>>32], in[uint32(p)] = true, true
	}
	ws := only(vs, in)
	parallel(len(nb), func() func(int) {
		var da, db []int32
		return func(i int) {
			kept := nb[i][:0]
			for _, n := range nb[i] {
				da, db, _ = difference(ws[i], ws[n.id], da, db)
				if !slices.ContainsFunc(da, func(a int32) bool {
					return slices.ContainsFunc(db, func(b int32) bool { return pairs[pairOf(a, b)] })
				}) {
					kept = append(kept, n)
				}
			}
			nb[i] = kept
		}
	})
}

// wordVectorsOf is each of vs with its words only, without the character
// fragments: what objectPairs and apartAsking compare two questions by.
func wordVectorsOf(vs []sparse, words []string) []sparse {
	return only(vs, wordFeatures(words))
}

// wordFeatures marks the features that are words (see tfidf).
func wordFeatures(words []string) []bool {
	is := make([]bool, len(words))
	for f, w := range words {
		is[f] = w != ""
	}
	return is
}

// askingWords are the words that ask (how, what, where…), stemmed as
// features are. They change what is asked, so they are features (see
// stopwords), but two questions that share nothing else ask about
// different things.
var askingWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields("how much many what when where which who whom whose why") {
		m[stem(w)] = true
	}
	return m
}()

// apartAsking takes out of the neighbour lists the questions whose every
// neighbour shares with them no word but words of asking (see
// askingWords). Such a question has no real neighbour yet: it waits on its
// own, a topic of its copies or Ungrouped, until questions of its need
// arrive, rather than being pulled into the topic of the words it is
// asked with. "How much does it cost to use the card in Thailand?" has
// for neighbours only "how much is shipping to australia" and "how much
// is gift wrapping". A question with one neighbour that shares a word of
// its need keeps all its neighbours, and questions that share no word,
// only fragments of words (a slip of the keyboard), keep each other. ws
// are the questions' vectors with their words only (see wordVectorsOf).
func apartAsking(ws []sparse, words []string, nb [][]neighbor) {
	asking := make([]bool, len(words))
	for f, w := range words {
		asking[f] = askingWords[w]
	}
	adrift := make([]bool, len(nb))
	parallel(len(nb), func() func(int) {
		var shared []int32
		return func(i int) {
			adrift[i] = len(nb[i]) > 0 && !slices.ContainsFunc(nb[i], func(n neighbor) bool {
				var only bool
				shared, only = onlyAsking(ws[i], ws[n.id], asking, shared)
				return !only
			})
		}
	})
	parallel(len(nb), func() func(int) {
		var shared []int32
		return func(i int) {
			kept := nb[i][:0]
			for _, n := range nb[i] {
				var only bool
				if adrift[i] || adrift[n.id] {
					shared, only = onlyAsking(ws[i], ws[n.id], asking, shared)
				}
				if !only {
					kept = append(kept, n)
				}
			}
			nb[i] = kept
		}
	})
}

// onlyAsking reports whether the words v and o share are some and all
// of asking; shared is scratch.
func onlyAsking(v, o sparse, asking []bool, shared []int32) ([]int32, bool) {
	shared = v.shared(o, shared[:0])
	return shared, len(shared) > 0 && !slices.ContainsFunc(shared, func(f int32) bool { return !asking[f] })
}
