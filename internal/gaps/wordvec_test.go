package gaps

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEmbeddedWordVectors(t *testing.T) {
	wv, err := embeddedWordVectors()
	if err != nil {
		t.Fatal(err)
	}
	if len(wv.ids) != 50000 || wv.dim != 100 {
		t.Fatalf("%d words of %d dimensions, want 50000 of 100", len(wv.ids), wv.dim)
	}
	vec := func(w string) []float32 {
		id, ok := wv.ids[w]
		if !ok {
			t.Fatalf("%q has no vector", w)
		}
		v := make([]float32, wv.dim)
		wv.addTo(v, id, 1)
		return normalized(v)
	}
	// Meaning, not spelling: the pairs share no word stem.
	for _, tt := range []struct{ word, near, far string }{
		{"refund", "reimbursement", "weather"},
		{"card", "visa", "river"},
		{"salary", "wage", "banana"},
	} {
		near, far := dot(vec(tt.word), vec(tt.near)), dot(vec(tt.word), vec(tt.far))
		if near <= far {
			t.Errorf("%s: %s at %.2f, %s at %.2f", tt.word, tt.near, near, tt.far, far)
		}
	}
}

func TestWords(t *testing.T) {
	for _, tt := range []struct {
		text string
		want []string
	}{
		{"Where's my REFUND?", []string{"where's", "my", "refund"}},
		{"I can\u2019t log in (2nd try)", []string{"i", "can't", "log", "in", "2nd", "try"}},
		{"rock 'n' roll", []string{"rock", "n", "roll"}},
		{"退款 refund", []string{"refund"}},
		{"it's'", []string{"it's"}},
		{"", nil},
	} {
		if diff := cmp.Diff(tt.want, words(tt.text)); diff != "" {
			t.Errorf("words(%q) (-want +got):\n%s", tt.text, diff)
		}
	}
}

// TestIsWord: a word is exactly what the tokenizer yields as one token,
// so the generator keeps no vector a question could never look up.
func TestIsWord(t *testing.T) {
	for _, tt := range []struct {
		word string
		want bool
	}{
		{"refund", true},
		{"2nd", true},
		{"don't", true},
		{"rock'n'roll", true},
		{"", false},
		{"Refund", false},
		{"don\u2019t", false},
		{",", false},
		{"'s", false},
		{"o'2", false},
		{"e-mail", false},
		{"café", false},
	} {
		if got := IsWord(tt.word); got != tt.want {
			t.Errorf("IsWord(%q) = %v, want %v", tt.word, got, tt.want)
		}
	}
}

// TestQuestionVectors: a question with no known word has no meaning, so
// grouping compares it by words alone, and a batch in another language is
// grouped exactly as without word vectors.
func TestQuestionVectors(t *testing.T) {
	wv, err := embeddedWordVectors()
	if err != nil {
		t.Fatal(err)
	}
	m := wv.questionVectors([]string{"where is my refund", "退貨要多久才會退款", "money back please"})
	if m[0] == nil || m[1] != nil || m[2] == nil {
		t.Fatalf("meanings present: %v %v %v", m[0] != nil, m[1] != nil, m[2] != nil)
	}
	if s := dot(m[0], m[0]); s < 0.99 || s > 1.01 {
		t.Errorf("a meaning is not of unit length: %v", s)
	}
	if got, want := blend(0.4, m[0], nil), float32(0.4); got != want {
		t.Errorf("blend with an unknown meaning: %v, want the words' %v", got, want)
	}

	var chinese []string
	for _, q := range questions {
		if len(words(q)) == 0 {
			chinese = append(chinese, q)
		}
	}
	if len(chinese) != 5 {
		t.Fatalf("%d questions without English words, want 5", len(chinese))
	}
	norms := make([]string, len(chinese))
	for i, q := range chinese {
		norms[i] = Normalize(q)
	}
	vs, dim, words := tfidf(norms)
	if got, want := Group(chinese), group(vs, dim, words, nil, nil, nil); !slices.Equal(got, want) {
		t.Errorf("Chinese questions: %v with word vectors, %v without", got, want)
	}
}

// FuzzReadWordVectors: whatever the bytes, reading them returns vectors or
// an error, never panics, and what it returns is consistent.
func FuzzReadWordVectors(f *testing.F) {
	var raw bytes.Buffer
	binary.Write(&raw, binary.LittleEndian, [4]byte{'P', 'W', 'V', '1'})
	binary.Write(&raw, binary.LittleEndian, []uint32{2, 3})
	binary.Write(&raw, binary.LittleEndian, float32(0.5))
	raw.WriteString("\x03bank\x04")
	raw.WriteString("card")
	raw.Write([]byte{1, 2, 3, 0xff, 0xfe, 0xfd})
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw.Bytes())
	zw.Close()
	f.Add(gz.Bytes())
	f.Add(gz.Bytes()[:gz.Len()/2])
	f.Add([]byte("PWV1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		wv, err := readWordVectors(bytes.NewReader(data))
		if err != nil {
			return
		}
		for w, id := range wv.ids {
			if int(id+1)*wv.dim > len(wv.comp) {
				t.Fatalf("%q is word %d of %d dimensions, but there are %d components", w, id, wv.dim, len(wv.comp))
			}
			v := make([]float32, wv.dim)
			wv.addTo(v, id, 1)
		}
	})
}
