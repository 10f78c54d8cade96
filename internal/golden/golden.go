// Package golden compares what a test produced with a file kept in the
// package's testdata directory, so that a change of output is seen in
// review as a change of that file.
//
// A deliberate change is written back with -update:
//
//	go test ./cmd/parley -run TestReportGolden -update
//
// and the new file is committed with the change that caused it.
package golden

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ with what the tests produce")

// Check compares got with testdata/name, or under -update writes got there.
// The difference is shown line by line, so a golden file should hold text
// of short lines (see JSON).
func Check(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to write it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got; -update rewrites it if the change is meant):\n%s", path, diff)
	}
}

// JSON is Check for a JSON document, indented first so that the file and a
// difference read a field per line.
func JSON(t testing.TB, name string, got []byte) {
	t.Helper()
	var b bytes.Buffer
	if err := json.Indent(&b, bytes.TrimSpace(got), "", "  "); err != nil {
		t.Fatalf("%s: not JSON: %v\n%s", name, err, got)
	}
	b.WriteByte('\n')
	Check(t, name, b.Bytes())
}
