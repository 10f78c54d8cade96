package gaps

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// datasets is where the shared evaluation sets live: beside the
// repository (../shared/datasets), unless PARLEY_DATASETS names the
// directory.
func datasets() string {
	if d := os.Getenv("PARLEY_DATASETS"); d != "" {
		return d
	}
	return "../../../shared/datasets"
}

// The evaluation sets grouping is tuned and measured on.
var (
	banking77 = dataset{"BANKING77", "banking77/questions.jsonl"}
	dstc11    = dataset{"dstc11-insurance", "dstc11-insurance/questions.jsonl"}
	crosswoz  = dataset{"crosswoz-zh", "crosswoz-zh/questions.jsonl"}
	// crosswozTW is crosswoz in Traditional script, line for line.
	crosswozTW = dataset{"crosswoz-zh (Traditional)", "crosswoz-zh/questions_tw.jsonl"}
)

type dataset struct{ name, path string }

// load reads a set's questions with integer gold labels, numbered in order
// of first appearance. It skips the test under -short. When the set is not
// present it skips the test on a developer's machine, but fails it under
// CI=true: CI must measure the grouping, never pass by not running.
func (d dataset) load(tb testing.TB) (texts []string, gold []int) {
	tb.Helper()
	if testing.Short() {
		tb.Skipf("groups the %s evaluation set", d.name)
	}
	f, err := os.Open(filepath.Join(datasets(), d.path))
	if err != nil {
		missing := tb.Skipf
		if os.Getenv("CI") == "true" {
			missing = tb.Fatalf
		}
		missing("%s not available (set PARLEY_DATASETS to the directory holding %s): %v", d.name, d.path, err)
	}
	defer f.Close()
	ids := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var row struct {
			Text  string `json:"text"`
			Label string `json:"label"`
		}
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			tb.Fatal(fmt.Errorf("%s: %w", d.path, err))
		}
		id, ok := ids[row.Label]
		if !ok {
			id = len(ids)
			ids[row.Label] = id
		}
		texts = append(texts, row.Text)
		gold = append(gold, id)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return texts, gold
}

// loadBanking reads the Banking77 questions with integer gold labels (see
// load for a missing set).
func loadBanking(tb testing.TB) (texts []string, gold []int) {
	tb.Helper()
	return banking77.load(tb)
}
