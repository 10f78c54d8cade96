package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestRun writes the vectors of a small package file and reads the
// header, the words (in frequency order, tokens only) and the components
// back.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.json"), filepath.Join(dir, "out.bin.gz")
	src := `{"dimensions": 2, "words": ["the", ",", "bank", "Card"],
		"vectors": {"the": [0.5, -1], ",": [1, 1], "bank": [-0.25, 0.75], "Card": [1, 0]}}`
	if err := os.WriteFile(in, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(in, out); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Magic      [4]byte
		Count, Dim uint32
		Scale      float32
	}
	r := bytes.NewReader(data)
	if err := binary.Read(r, binary.LittleEndian, &h); err != nil {
		t.Fatal(err)
	}
	if string(h.Magic[:]) != "PWV1" || h.Count != 2 || h.Dim != 2 || h.Scale != float32(1.0/127) {
		t.Fatalf("header %+v", h)
	}
	rest, _ := io.ReadAll(r)
	want := []byte("\x03the\x04bank")
	for _, c := range []int8{64, -127, -32, 95} {
		want = append(want, byte(c))
	}
	if !bytes.Equal(rest, want) {
		t.Errorf("body %v, want %v", rest, want)
	}
}
