package gaps

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"
)

const bankingPath = "../../../shared/datasets/banking77/questions.jsonl"

// loadBanking reads the Banking77 questions with integer gold labels, or
// skips the test when the data set is not present.
func loadBanking(tb testing.TB) (texts []string, gold []int) {
	tb.Helper()
	f, err := os.Open(bankingPath)
	if err != nil {
		tb.Skipf("banking77 not available: %v", err)
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
			tb.Fatal(err)
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
