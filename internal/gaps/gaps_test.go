package gaps

import (
	"math"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"How do I RESET my PIN?", "how do i reset my pin"},
		{"ＡＢＣ１２３", "abc123"},
		{"Can't   log in!!!", "cant log in"},
		{"  trailing, spaces  ", "trailing spaces"},
		{"退貨要多久？", "退货要多久"},
		{"退货要多久?", "退货要多久"},
		{"電子發票怎麼開", "电子发票怎么开"},
		{"<script>alert(1)</script>", "script alert 1 script"},
		{"", ""},
		{"?!…", ""},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"How do I reset my PIN?", "退貨要多久？", "ＡＢＣ", "İstanbul", "a\u0301", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q is not valid UTF-8", s, n)
		}
		if again := Normalize(n); again != n {
			t.Fatalf("not idempotent: %q → %q → %q", s, n, again)
		}
		if strings.HasPrefix(n, " ") || strings.HasSuffix(n, " ") || strings.Contains(n, "  ") {
			t.Fatalf("Normalize(%q) = %q has stray spaces", s, n)
		}
		fs := Features(s)
		if !slices.IsSorted(fs) || len(slices.Compact(slices.Clone(fs))) != len(fs) {
			t.Fatalf("Features(%q) not sorted and distinct: %q", s, fs)
		}
	})
}

func TestFeaturesBothScripts(t *testing.T) {
	trad, simp := Features("請問退貨要多久才會退款？"), Features("请问退货要多久才会退款?")
	if diff := cmp.Diff(trad, simp); diff != "" {
		t.Errorf("Traditional and Simplified differ (-trad +simp):\n%s", diff)
	}
	if !slices.Contains(trad, "c退货") || !slices.Contains(trad, "c退") {
		t.Errorf("CJK features lack character unigrams or bigrams: %q", trad)
	}
	en := Features("Where is the refund for my returned items?")
	for _, want := range []string{"wrefund", "bwher refund", "g<ref"} {
		if !slices.Contains(en, want) {
			t.Errorf("English features lack %q: %q", want, en)
		}
	}
	if slices.Contains(en, "wthe") || slices.Contains(en, "wmy") {
		t.Errorf("stop words kept: %q", en)
	}
}

// questions holds three clearly separate topics of five questions each,
// interleaved as they would arrive.
var questions = []string{
	"how do I reset my password",
	"when will my refund arrive",
	"退貨要多久才會退款",
	"I forgot my password, how can I reset it",
	"refund still not arrived after a week",
	"退货要多久才会退款",
	"password reset link does not work",
	"where is my refund",
	"請問退貨多久退款",
	"can't reset password, no email",
	"how long does a refund take to arrive",
	"退貨後多久可以拿到退款",
	"reset password email never came",
	"my refund has still not arrived",
	"退货以后多久拿到退款",
}

func TestGroup(t *testing.T) {
	got := Group(questions)
	if len(got) != len(questions) {
		t.Fatalf("Group returned %d topics for %d questions", len(got), len(questions))
	}
	want := []int{0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Group (-want +got):\n%s", diff)
	}
	if again := Group(questions); !slices.Equal(again, got) {
		t.Errorf("Group is not deterministic: %v then %v", got, again)
	}
	if Group(nil) != nil {
		t.Error("Group(nil) is not nil")
	}
	// A question like no other waits ungrouped; asked twice, it is a topic.
	alone := append(slices.Clone(questions), "do you ship to Iceland")
	if got := Group(alone); got[len(questions)] != Ungrouped || !slices.Equal(got[:len(questions)], want) {
		t.Errorf("with a question like no other: %v, want it ungrouped and the rest as before", got)
	}
	twice := append(slices.Clone(alone), "Do you ship to Iceland?")
	if got := Group(twice); got[len(questions)] != 3 || got[len(questions)+1] != 3 {
		t.Errorf("a question asked twice: %v, want both in a fourth topic", got[len(questions):])
	}
	if got := Group([]string{"?", "!!", "hello"}); len(got) != 3 {
		t.Errorf("questions without features: %v", got)
	}
}

func TestAssign(t *testing.T) {
	topics := TopicsOf(questions, Group(questions))
	index := NewIndex(topics)
	plan := index.Assign([]string{
		"my password reset email did not come",
		"退貨多久才會收到退款",
		"do you ship to Iceland",
		"shipping to Iceland possible?",
	}, nil)
	for i, q := range []string{"my password reset email did not come", "退貨多久才會收到退款"} {
		if !slices.Equal(plan.Features[i], Features(q)) {
			t.Errorf("plan features of %q: %q", q, plan.Features[i])
		}
	}
	if plan.Join[0] != 1 {
		t.Errorf("password question joined topic %d, want 1", plan.Join[0])
	}
	if plan.Join[1] != 3 {
		t.Errorf("Chinese refund question joined topic %d, want 3", plan.Join[1])
	}
	if plan.Join[2] != 0 || plan.Join[3] != 0 {
		t.Errorf("unrelated questions joined topics %d and %d", plan.Join[2], plan.Join[3])
	}
	if diff := cmp.Diff([][]int{{2, 3}}, plan.New); diff != "" {
		t.Errorf("new topics (-want +got):\n%s", diff)
	}
	empty := NewIndex(nil).Assign([]string{"a question"}, nil)
	if empty.Join[0] != 0 || len(empty.New) != 0 || !slices.Equal(empty.Ungrouped, []int{0}) {
		t.Errorf("assign without topics: %+v, want the question ungrouped", empty)
	}
}

func TestLabel(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want string
	}{
		{"most typical", []string{"reset password", "how do I reset my password please help", "password reset", "reset my password"}, "reset password"},
		{"white space collapsed", []string{"  where   is\nmy refund "}, "where is my refund"},
		{"long cut", []string{strings.Repeat("退款", 50)}, strings.Repeat("退款", 39) + "退…"},
		{"none", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Label(tt.in); got != tt.want {
				t.Errorf("Label = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSearch(t *testing.T) {
	docs := []string{
		"How do I reset my password? Use the link on the sign-in page.",
		"退貨多久退款？收到退貨後七個工作天內退款。",
		"Shipping to Iceland: we ship to all EU and EEA countries.",
		"Password rules: at least twelve characters.",
	}
	tests := []struct {
		q    string
		want []int
	}{
		{"reset password", []int{0, 3}},
		{"退货退款要多久", []int{1}},
		{"do you ship to iceland", []int{2}},
		{"ＲＥＳＥＴ ＰＡＳＳＷＯＲＤ", []int{0, 3}},
		{"bananas", nil},
		{"", nil},
	}
	for _, tt := range tests {
		var got []int
		for _, m := range Search(tt.q, docs, 10) {
			got = append(got, m.Index)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Search(%q) (-want +got):\n%s", tt.q, diff)
		}
	}
	if got := Search("password", docs, 1); len(got) != 1 {
		t.Errorf("limit 1 gave %d matches", len(got))
	}
}

func TestGroupVectors(t *testing.T) {
	// Three directions with a little noise each, interleaved.
	var vecs [][]float32
	for i := range 15 {
		v := []float32{0.05, 0.05, 0.05, float32(i%4) / 50}
		v[i%3] = 1
		vecs = append(vecs, v)
	}
	got := GroupVectors(vecs)
	want := []int{0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GroupVectors (-want +got):\n%s", diff)
	}
	if GroupVectors(nil) != nil {
		t.Error("GroupVectors(nil) is not nil")
	}
}

// TestWeighByNeighbors: a feature keeps of its weight the share, by
// similarity, of its questions' neighbours that have it too; a feature of
// one question loses some, as its neighbours cannot share it, and one of a
// question without neighbours keeps its weight; vectors stay of unit
// length.
func TestWeighByNeighbors(t *testing.T) {
	half := float32(math.Sqrt(0.5))
	vec := func(a, b int32) sparse { return sparse{idx: []int32{a, b}, val: []float32{half, half}} }
	// Question 0 has two near neighbours: question 1, as similar as 0.6,
	// which shares its feature 1, and question 2, as similar as 0.3, which
	// shares its feature 0. Features 2 and 3 are of one question each;
	// question 3 has no neighbour.
	vs := []sparse{vec(0, 1), vec(1, 2), vec(0, 3), vec(4, 5)}
	nb := [][]neighbor{{{1, 0.6}, {2, 0.3}}, {{0, 0.6}}, {{0, 0.3}}, nil}
	weighByNeighbors(vs, 6, nb)
	for i, v := range vs {
		if norm := v.val[0]*v.val[0] + v.val[1]*v.val[1]; math.Abs(float64(norm-1)) > 1e-5 {
			t.Errorf("question %d: length² %v, want 1", i, norm)
		}
	}
	// Each factor is (shared + 1) / (seen + 1) to the power coherence, in
	// similarity: feature 0 is shared 0.3 + 0.3 of 0.9 + 0.3, feature 1
	// 0.6 + 0.6 of 0.9 + 0.6, feature 2 none of 0.6 (question 1's
	// neighbours could not have it, and it counts against it), feature 4
	// nothing is known of.
	factor := func(shared, seen float64) float64 { return math.Pow((shared+1)/(seen+1), coherence) }
	for _, c := range []struct {
		question int
		want     float64 // its second feature's weight over its first's
	}{
		{0, factor(1.2, 1.5) / factor(0.6, 1.2)},
		{1, factor(0, 0.6) / factor(1.2, 1.5)},
		{2, factor(0, 0.3) / factor(0.6, 1.2)},
		{3, 1},
	} {
		if got := float64(vs[c.question].val[1] / vs[c.question].val[0]); math.Abs(got-c.want) > 1e-5 {
			t.Errorf("question %d, second feature against first: %.4f, want %.4f", c.question, got, c.want)
		}
	}
}

// TestSpreadDot: a vector spread over a dense row has with another vector
// the inner product dotSparse gives, to the last bit (the neighbour search
// compares its candidates so and must find the same neighbours), and
// clearing leaves the row all zero for the next question.
func TestSpreadDot(t *testing.T) {
	long := sparse{}
	for f := range int32(40) {
		long.idx = append(long.idx, 2*f)
		long.val = append(long.val, 0.1+float32(f)/97)
	}
	for _, c := range []struct {
		name string
		a, b sparse
	}{
		{"overlapping", sparse{[]int32{1, 3, 7}, []float32{0.3, 0.5, 0.81}}, sparse{[]int32{0, 3, 7, 9}, []float32{0.2, 0.7, 0.1, 0.68}}},
		{"disjoint", sparse{[]int32{1, 3}, []float32{0.6, 0.8}}, sparse{[]int32{2, 4}, []float32{0.8, 0.6}}},
		{"empty", sparse{}, sparse{[]int32{2}, []float32{1}}},
		{"one much longer", sparse{[]int32{4, 5, 78}, []float32{0.5, 0.5, 0.7071}}, long},
		{"the longer one spread", long, sparse{[]int32{4, 5, 78}, []float32{0.5, 0.5, 0.7071}}},
	} {
		row := make([]float32, 80)
		c.a.spread(row)
		if got, want := c.b.dot(row), dotSparse(c.a, c.b); got != want {
			t.Errorf("%s: %v through the row, dotSparse %v", c.name, got, want)
		}
		c.a.clear(row)
		if i := slices.IndexFunc(row, func(x float32) bool { return x != 0 }); i >= 0 {
			t.Errorf("%s: row[%d] = %v after clear", c.name, i, row[i])
		}
	}
}
