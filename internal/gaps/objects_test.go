package gaps

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

// TestGroupTellsObjectsApart: questions about two things of one kind (a
// card, a transfer) in the same states (not arrived, declined, pending, a
// fee, cancelled) are different needs, however much of the wording they
// share; before objectPairs, each state's card and transfer questions were
// one topic. Each thing also has needs of its own (a card's PIN, a
// transfer's beneficiary), as in any desk's questions.
func TestGroupTellsObjectsApart(t *testing.T) {
	shared := []string{"has not arrived yet", "was declined", "is still pending", "has a fee", "was cancelled", "is on hold"}
	own := map[string][]string{
		"card":     {"pin is blocked", "needs activating", "contactless does not work"},
		"transfer": {"beneficiary is not allowed", "recipient details are wrong", "reference is missing"},
	}
	asks := []string{"why %s", "my %s", "help my %s", "what to do my %s", "please check my %s", "hi my %s today"}
	var qs, want []string
	for _, object := range []string{"card", "transfer"} {
		for _, s := range append(slices.Clone(shared), own[object]...) {
			for _, a := range asks {
				qs = append(qs, fmt.Sprintf(a, object+" "+s))
				want = append(want, object+" "+s)
			}
		}
	}
	got := Group(qs)
	joined := map[string]bool{}
	for i := range qs {
		for j := range qs {
			if got[i] != Ungrouped && got[i] == got[j] && strings.HasPrefix(want[i], "card") && strings.HasPrefix(want[j], "transfer") {
				joined[want[i]+" / "+want[j]] = true
			}
		}
	}
	if len(joined) > 0 {
		t.Errorf("card and transfer questions in one topic: %v", slices.Sorted(mapKeys(joined)))
	}
}

func mapKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestObjectPairs: of words swapped between near questions, only those
// swapped in several contexts, both words of a need, neither a slip of the
// other and not used together, are things of one kind to tell apart; the
// questions that differ by them stop being neighbours.
func TestObjectPairs(t *testing.T) {
	ids := map[string]int32{}
	var words []string
	var need []float32
	word := func(w string, share float32) {
		ids[w] = int32(len(words))
		words, need = append(words, w), append(need, share)
	}
	for _, w := range []string{"card", "transfer", "transfr", "car", "house", "lost", "stolen"} {
		word(w, 0.9) // words of a need
	}
	for _, w := range []string{"how", "what"} {
		word(w, 0.3) // words of asking
	}
	for _, w := range []string{"arrived", "declined", "pending", "fee", "open", "close", "limit", "rate", "claim", "phone", "wallet", "bag", "keys"} {
		word(w, 0.6) // contexts
	}
	var vs []sparse
	question := func(ws ...string) int32 {
		v := sparse{}
		for _, w := range ws {
			v.idx = append(v.idx, ids[w])
		}
		slices.Sort(v.idx)
		for range v.idx {
			v.val = append(v.val, float32(1/math.Sqrt(float64(len(ws)))))
		}
		vs = append(vs, v)
		return int32(len(vs) - 1)
	}
	var links [][2]int32
	swapIn := func(a, b string, contexts ...string) {
		for _, c := range contexts {
			links = append(links, [2]int32{question(a, c), question(b, c)})
		}
	}
	swapIn("card", "transfer", "arrived", "declined", "pending", "fee")
	swapIn("how", "what", "open", "close", "limit", "rate")
	swapIn("car", "house", "claim", "claim", "claim", "claim")
	swapIn("transfer", "transfr", "arrived", "declined", "pending", "fee")
	swapIn("lost", "stolen", "phone", "wallet", "bag", "keys")
	for _, c := range []string{"phone", "wallet", "bag", "keys", "phone", "wallet"} {
		question("lost", "stolen", c)
	}
	nb := make([][]neighbor, len(vs))
	for _, l := range links {
		nb[l[0]] = append(nb[l[0]], neighbor{l[1], 0.5})
		nb[l[1]] = append(nb[l[1]], neighbor{l[0], 0.5})
	}
	pairs := objectPairs(wordVectorsOf(vs, words), words, need, nb)
	var got []string
	for p := range pairs {
		got = append(got, words[p>>32]+"/"+words[uint32(p)])
	}
	if !slices.Equal(got, []string{"card/transfer"}) {
		t.Errorf("object pairs %v, want [card/transfer]", got)
	}
	apartObjects(vs, len(words), pairs, nb)
	for _, l := range links {
		a, b := words[vs[l[0]].idx[0]], words[vs[l[1]].idx[0]]
		want := 1
		if a+"/"+b == "card/transfer" {
			want = 0
		}
		if len(nb[l[0]]) != want {
			t.Errorf("%s beside %s: %d neighbours left, want %d", a, b, len(nb[l[0]]), want)
		}
	}
}

func TestOneSlip(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"transfer", "transfr", true}, // a letter left out
		{"card", "cards", true},       // a letter added
		{"card", "cart", true},        // a letter changed
		{"recieve", "receive", true},  // two letters swapped
		{"card", "card", true},        // the same word
		{"card", "transfer", false},   // two words
		{"card", "cr", false},         // two letters left out
		{"pin", "nip", false},         // swapped, not neighbours
		{"verify", "verification", false},
	} {
		if got := oneSlip(c.a, c.b); got != c.want {
			t.Errorf("oneSlip(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// TestGroupLeavesAskingAlone: a question whose only neighbours share with
// it nothing but the words it is asked with ("how much") is not pulled into
// their topic; it stays a topic of its own copies until questions of its
// need arrive. Before apartAsking, the card-abroad question joined the
// shipping topic.
func TestGroupLeavesAskingAlone(t *testing.T) {
	alone := "How much does it cost to use the card in Thailand?"
	qs := []string{alone, alone, alone}
	for _, q := range []string{
		"how much is shipping to australia", "How much is shipping to Canada?", "shipping to japan price",
		"Do you ship to Australia?", "Can you ship to Canada", "shipping to japan possible?",
		"how much is gift wrapping", "Is gift wrapping available?", "gift wrapping price",
	} {
		qs = append(qs, q, q)
	}
	got := Group(qs)
	for i, q := range qs[3:] {
		if got[3+i] == got[0] {
			t.Errorf("%q is in the topic of %q: %v", q, alone, got)
			break
		}
	}
	if got[0] == Ungrouped || got[1] != got[0] || got[2] != got[0] {
		t.Errorf("the copies of %q are not one topic: %v", alone, got[:3])
	}
}
