package store

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/parleyhq/parley"
)

// TestParseRollups covers the text Rollups has the database join: cells in
// order, out of order, none, and lines that are not cells.
func TestParseRollups(t *testing.T) {
	t.Parallel()
	a := parley.Rollup{Day: "2026-03-02", Channel: "chat", Metric: parley.MetricHandled, Value: 3}
	b := parley.Rollup{Day: "2026-03-02", Channel: "chat", Metric: parley.MetricHandoffReason, Label: "cannot_answer", Value: -1}
	c := parley.Rollup{Day: "2026-03-03", Channel: "email", Metric: parley.MetricHandled, Value: 12}
	d := parley.Rollup{Day: "2026-03-03", Channel: "email", Metric: parley.MetricTimeToClose, Label: "resolved", Value: 2, Sketch: "ALPg0zi2"}
	for _, tt := range []struct {
		name    string
		text    string
		want    []parley.Rollup
		wantErr bool
	}{
		{"none", "", nil, false},
		{"in order", "2026-03-02|chat|handled||3|\n2026-03-02|chat|handoff_reason|cannot_answer|-1|\n2026-03-03|email|handled||12|\n2026-03-03|email|time_to_close|resolved|2|ALPg0zi2",
			[]parley.Rollup{a, b, c, d}, false},
		{"out of order", "2026-03-03|email|time_to_close|resolved|2|ALPg0zi2\n2026-03-03|email|handled||12|\n2026-03-02|chat|handled||3|\n2026-03-02|chat|handoff_reason|cannot_answer|-1|",
			[]parley.Rollup{a, b, c, d}, false},
		{"too few parts", "2026-03-02|chat|handled||3", nil, true},
		{"not a number", "2026-03-02|chat|handled||three|", nil, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseRollups(tt.text)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error: %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("cells (-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzParseRollups: any text is parsed or refused without a panic, and the
// cells parsed, written back as lines, parse to the same cells.
func FuzzParseRollups(f *testing.F) {
	f.Add("2026-03-02|chat|handled||3|\n2026-03-01|email|feedback|positive|-2|")
	f.Add("a|b|c|d|9223372036854775807|ALPg0zi2")
	f.Add("||||\n")
	f.Fuzz(func(t *testing.T, text string) {
		cells, err := parseRollups(text)
		if err != nil {
			return
		}
		var lines []string
		for _, c := range cells {
			lines = append(lines, fmt.Sprintf("%s|%s|%s|%s|%d|%s", c.Day, c.Channel, c.Metric, c.Label, c.Value, c.Sketch))
		}
		again, err := parseRollups(strings.Join(lines, "\n"))
		if err != nil {
			t.Fatalf("cells %v written back do not parse: %v", cells, err)
		}
		if !cmp.Equal(cells, again, cmpopts.EquateEmpty()) {
			t.Fatalf("round trip changed the cells:\n%v\n%v", cells, again)
		}
	})
}
