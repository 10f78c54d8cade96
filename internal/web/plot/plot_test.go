package plot_test

import (
	"encoding/xml"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley/internal/web/plot"
)

// wellFormed parses the SVG and returns every element's name with its
// attributes, failing on malformed XML.
func wellFormed(t testing.TB, svg string) []xml.StartElement {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	var out []xml.StartElement
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("malformed SVG: %v\n%s", err, svg)
		}
		if se, ok := tok.(xml.StartElement); ok {
			out = append(out, se.Copy())
		}
	}
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func TestStackedBars(t *testing.T) {
	svg := string(plot.Render(plot.Chart{
		Title:  "Handled",
		Labels: []string{"Mar 2", "Mar 9", "Mar 16"},
		Series: []plot.Series{
			{Name: "Resolved", Class: "s-resolved", Values: []float64{10, 20, 0}},
			{Name: "Pending", Class: "s-pending", Values: []float64{5, math.NaN(), 30}},
		},
		Provisional: []bool{false, false, true},
		Links:       []string{"/conversations?from=a", "javascript:alert(1)", "//evil.example/x"},
	}))
	els := wellFormed(t, svg)
	var values []float64
	var heights []float64
	links := 0
	for _, e := range els {
		switch {
		case e.Name.Local == "rect" && attr(e, "data-value") != "":
			v, _ := strconv.ParseFloat(attr(e, "data-value"), 64)
			h, _ := strconv.ParseFloat(attr(e, "height"), 64)
			values = append(values, v)
			heights = append(heights, h)
		case e.Name.Local == "a":
			links++
			if attr(e, "href") != "/conversations?from=a" {
				t.Errorf("unsafe link kept: %s", attr(e, "href"))
			}
		}
	}
	// NaN and zero values draw nothing.
	if diff := cmp.Diff([]float64{10, 5, 20, 30}, values); diff != "" {
		t.Errorf("bar values (-want +got):\n%s", diff)
	}
	// Heights are proportional to values.
	for i := range values {
		if r := heights[i] / values[i]; math.Abs(r-heights[0]/values[0]) > 0.02 {
			t.Errorf("bar %d: height/value %.3f, first %.3f", i, r, heights[0]/values[0])
		}
	}
	if links != 1 {
		t.Errorf("%d links, want only the safe one", links)
	}
	if !strings.Contains(svg, `class="bucket provisional"`) || !strings.Contains(svg, "url(#hatch-640)") || !strings.Contains(svg, "Mar 16*") {
		t.Error("the provisional bucket is not marked")
	}
	for _, bad := range []string{"NaN", "Inf"} {
		if strings.Contains(svg, bad) {
			t.Errorf("output contains %s", bad)
		}
	}
}

func TestLinesAndEmpty(t *testing.T) {
	svg := string(plot.Render(plot.Chart{Kind: plot.Lines, Title: "Rate", Max: 100,
		Labels: []string{"a", "b", "c", "d"}, Provisional: []bool{false, false, false, true},
		Series: []plot.Series{{Name: "r", Values: []float64{50, math.NaN(), 70, 80}}}}))
	els := wellFormed(t, svg)
	lines, dashed, dots := 0, 0, 0
	for _, e := range els {
		switch e.Name.Local {
		case "line":
			if attr(e, "stroke") == "currentColor" {
				lines++
				if attr(e, "stroke-dasharray") != "" {
					dashed++
				}
			}
		case "circle":
			dots++
		}
	}
	// a–b and b–c are broken by the gap; c–d is drawn, dashed.
	if lines != 1 || dashed != 1 || dots != 3 {
		t.Errorf("lines %d (dashed %d), dots %d; want 1 (1), 3", lines, dashed, dots)
	}
	for _, c := range []plot.Chart{{}, {Labels: []string{"x"}, Series: []plot.Series{{Values: []float64{0}}}}} {
		out := string(plot.Render(c))
		wellFormed(t, out)
		if strings.Contains(out, "NaN") || strings.Contains(out, "Inf") {
			t.Errorf("empty chart has NaN/Inf: %s", out)
		}
	}
}

func TestWholeTicks(t *testing.T) {
	for _, tt := range []struct {
		max  float64
		want []float64
	}{
		{0, []float64{0, 1}},
		{2, []float64{0, 1, 2}},
		{4, []float64{0, 1, 2, 3, 4}},
		{9, []float64{0, 5, 10}},
		{100, []float64{0, 25, 50, 75, 100}},
		{1234, []float64{0, 500, 1000, 1500}},
	} {
		if diff := cmp.Diff(tt.want, plot.WholeTicks(tt.max)); diff != "" {
			t.Errorf("WholeTicks(%v) (-want +got):\n%s", tt.max, diff)
		}
	}
}

func TestNiceTicks(t *testing.T) {
	for _, tt := range []struct {
		max  float64
		want []float64
	}{
		{0, []float64{0, 0.25, 0.5, 0.75, 1}},
		{100, []float64{0, 25, 50, 75, 100}},
		{173, []float64{0, 50, 100, 150, 200}},
		{9, []float64{0, 2.5, 5, 7.5, 10}},
		{1234, []float64{0, 500, 1000, 1500}},
	} {
		if diff := cmp.Diff(tt.want, plot.NiceTicks(tt.max)); diff != "" {
			t.Errorf("NiceTicks(%v) (-want +got):\n%s", tt.max, diff)
		}
	}
}

// FuzzRender checks that no caller text can change the structure of the
// SVG: hostile labels, names and titles give the same elements as plain ones.
func FuzzRender(f *testing.F) {
	f.Add("Mar 2", "已解決", "<script>alert(1)</script>", 3.5)
	f.Add(`"><x y="`, "&amp;", "]]>", -1.0)
	// A label this wide leaves room for the first of two only.
	f.Add(strings.Repeat("W", 300), "b", "c", 1.0)
	// names lists the SVG's elements, the x-axis labels apart: how many of
	// those are shown depends, rightly, on how wide the labels are (they
	// are thinned so as not to overlap), so only their number is checked.
	names := func(t *testing.T, svg string) []string {
		var out []string
		labels := 0
		for _, e := range wellFormed(t, svg) {
			if e.Name.Local == "text" && attr(e, "text-anchor") == "middle" {
				labels++
				continue
			}
			out = append(out, e.Name.Local)
		}
		if labels < 1 || labels > 2 {
			t.Fatalf("%d x-axis labels of 2, want the first at least", labels)
		}
		return out
	}
	chart := func(k plot.Kind, label, name, title string, v float64) string {
		return string(plot.Render(plot.Chart{Kind: k, Title: title, Labels: []string{label, label},
			Series: []plot.Series{{Name: name, Class: name, Values: []float64{v, v * 2}}, {Name: title, Values: []float64{1, v}}},
			Links:  []string{"/x", "?y"}}))
	}
	f.Fuzz(func(t *testing.T, label, name, title string, v float64) {
		for _, k := range []plot.Kind{plot.Bars, plot.Lines} {
			got := names(t, chart(k, label, name, title, v))
			want := names(t, chart(k, "a", "b", "c", v))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("caller text changed the SVG's elements (-plain +fuzzed):\n%s", diff)
			}
		}
	})
}

// TestLogAxisKeepsOutliersFromFlattening: on a logarithmic axis a value
// a hundred times the others leaves them spread over the plot, where a
// linear axis squeezes them into its bottom few pixels; ticks sit at equal
// distances for equal ratios, and values at or below zero are left out.
func TestLogAxisKeepsOutliersFromFlattening(t *testing.T) {
	values := []float64{600, 900, 1200, 120_000, 0}
	ladder := []float64{60, 300, 900, 3600, 14400, 86400, 172800, 604800}
	ticks := plot.LogTicks(values, ladder)
	if diff := cmp.Diff([]float64{300, 900, 3600, 14400, 86400, 172800}, ticks); diff != "" {
		t.Errorf("ticks (-want +got):\n%s", diff)
	}
	spread := func(c plot.Chart) (float64, int) {
		ys := map[float64]bool{}
		lo, hi := math.Inf(1), math.Inf(-1)
		n := 0
		for _, e := range wellFormed(t, string(plot.Render(c))) {
			if e.Name.Local != "circle" {
				continue
			}
			n++
			v, _ := strconv.ParseFloat(attr(e, "data-value"), 64)
			if v < 10_000 {
				y, _ := strconv.ParseFloat(attr(e, "cy"), 64)
				lo, hi = min(lo, y), max(hi, y)
				ys[y] = true
			}
		}
		return hi - lo, n
	}
	c := plot.Chart{Title: "Time to close", Kind: plot.Lines, Labels: []string{"a", "b", "c", "d", "e"},
		Series: []plot.Series{{Name: "Median", Values: values}}}
	linear, _ := spread(c)
	c.Log, c.Ticks = true, ticks
	logged, drawn := spread(c)
	if logged < 8*linear || logged < 15 {
		t.Errorf("the three short values span %.1f px on the log axis, %.1f on the linear one", logged, linear)
	}
	if drawn != 4 {
		t.Errorf("%d points drawn on the log axis, want 4 (zero left out)", drawn)
	}
	var tickYs []float64
	for _, e := range wellFormed(t, string(plot.Render(plot.Chart{Kind: plot.Lines, Labels: []string{"a"}, Log: true,
		Ticks: []float64{10, 100, 1000}, Series: []plot.Series{{Values: []float64{50}}}}))) {
		if e.Name.Local == "line" && attr(e, "stroke") == "#e4e7ec" {
			y, _ := strconv.ParseFloat(attr(e, "y1"), 64)
			tickYs = append(tickYs, y)
		}
	}
	if len(tickYs) != 3 || math.Abs((tickYs[0]-tickYs[1])-(tickYs[1]-tickYs[2])) > 0.2 {
		t.Errorf("ticks 10, 100, 1000 at y %v, want evenly spaced", tickYs)
	}
	if plot.LogTicks([]float64{0, -1, math.NaN()}, ladder) != nil {
		t.Error("ticks for no positive value")
	}
}

// TestNotesInTooltips: a bucket's note is in the tooltip of each of its
// marks, escaped.
func TestNotesInTooltips(t *testing.T) {
	svg := string(plot.Render(plot.Chart{Kind: plot.Lines, Labels: []string{"Mar 2", "Mar 9"},
		Series: []plot.Series{{Name: "Rate", Values: []float64{40, 50}}}, Notes: []string{"12 decided <b>", ""}}))
	wellFormed(t, svg)
	if !strings.Contains(svg, "<title>Mar 2 · Rate: 40 · 12 decided &lt;b&gt;</title>") || !strings.Contains(svg, "<title>Mar 9 · Rate: 50</title>") {
		t.Errorf("tooltips lack the notes:\n%s", svg)
	}
}

// A y label as wide as "8 小時 20 分" ends right of the view box's left
// edge with room to spare: the plot moves right to make room for it, and
// its grid starts where the labels end.
func TestWideYLabelsAreNotCut(t *testing.T) {
	long := func(v float64) string { return strconv.Itoa(int(v)/60) + " 小時 " + strconv.Itoa(int(v)%60) + " 分" }
	for _, tt := range []struct {
		name   string
		format func(float64) string
	}{{"durations in zh-TW", long}, {"counts", nil}} {
		svg := string(plot.Render(plot.Chart{Labels: []string{"1/5", "1/12"}, Format: tt.format,
			Series: []plot.Series{{Name: "a", Values: []float64{400, 500}}, {Name: "b", Values: []float64{100, 20}}}}))
		var grid float64
		labels := 0
		d := xml.NewDecoder(strings.NewReader(svg))
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			se, ok := tok.(xml.StartElement)
			if !ok {
				continue
			}
			if se.Name.Local == "line" && attr(se, "stroke") == "#e4e7ec" {
				grid, _ = strconv.ParseFloat(attr(se, "x1"), 64)
			}
			if se.Name.Local != "text" || attr(se, "text-anchor") != "end" {
				continue
			}
			var text string
			if err := d.DecodeElement(&text, &se); err != nil {
				t.Fatal(err)
			}
			x, _ := strconv.ParseFloat(attr(se, "x"), 64)
			// At 11 px a Latin character is about 6.2 px wide and a
			// Chinese one 11 px.
			width := 0.0
			for _, r := range text {
				width += map[bool]float64{true: 11, false: 6.2}[r >= 0x2E80]
			}
			if x-width < 2 {
				t.Errorf("%s: the y label %q ends at x=%.0f, %.0f px wide: cut at the left edge", tt.name, text, x, width)
			}
			if grid > 0 && x > grid {
				t.Errorf("%s: the y label %q at x=%.0f runs into the plot at %.0f", tt.name, text, x, grid)
			}
			labels++
		}
		if labels < 3 {
			t.Errorf("%s: %d y labels", tt.name, labels)
		}
	}
}

// On a narrow chart the x labels are thinned so that no two overlap, a
// provisional label's "*" counted, and the last period is always named.
func TestXLabelsNeverCollide(t *testing.T) {
	for _, width := range []int{340, 640} {
		for _, n := range []int{5, 12, 13, 31, 84} {
			labels := make([]string, n)
			prov := make([]bool, n)
			for i := range labels {
				labels[i] = strconv.Itoa(1+i%12) + "/" + strconv.Itoa(10+i%19)
			}
			labels[n-1], prov[n-1] = "12/16", true
			svg := string(plot.Render(plot.Chart{Width: width, Labels: labels, Provisional: prov,
				Series: []plot.Series{{Name: "a", Values: make([]float64, n)}}}))
			type span struct{ from, to float64 }
			var spans []span
			var last string
			for _, e := range wellFormedText(t, svg) {
				if e.anchor != "middle" {
					continue
				}
				w := float64(len(e.text)) * 6.2
				spans = append(spans, span{e.x - w/2, e.x + w/2})
				last = e.text
			}
			for i := 1; i < len(spans); i++ {
				if spans[i].from < spans[i-1].to {
					t.Errorf("width %d, %d labels: label %d overlaps the one before", width, n, i)
				}
			}
			if last != "12/16*" {
				t.Errorf("width %d, %d labels: the last label shown is %q, want the latest period", width, n, last)
			}
		}
	}
}

type svgText struct {
	x            float64
	anchor, text string
}

// wellFormedText returns the SVG's text elements in order.
func wellFormedText(t *testing.T, svg string) []svgText {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	var out []svgText
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "text" {
			var text string
			if err := d.DecodeElement(&text, &se); err != nil {
				t.Fatal(err)
			}
			x, _ := strconv.ParseFloat(attr(se, "x"), 64)
			out = append(out, svgText{x, attr(se, "text-anchor"), text})
		}
	}
}

// A chart of counts (no Format) marks whole numbers only: with a maximum of
// 2 the ticks are 0, 1, 2, not 0, 0.5, 1, 1.5, 2 written "0 1 1 2 2".
func TestCountTicksAreWhole(t *testing.T) {
	for _, maxV := range []float64{1, 2, 3, 4} {
		svg := string(plot.Render(plot.Chart{Labels: []string{"3/3", "3/10"},
			Series: []plot.Series{{Name: "a", Values: []float64{1, maxV}}}}))
		seen := map[string]bool{}
		for _, e := range wellFormedText(t, svg) {
			if e.anchor != "end" {
				continue
			}
			if seen[e.text] {
				t.Errorf("max %v: the y label %q is marked twice", maxV, e.text)
			}
			seen[e.text] = true
		}
		if len(seen) < 2 {
			t.Errorf("max %v: %d y labels", maxV, len(seen))
		}
	}
}

func TestGrouped(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0", 999: "999", 1000: "1,000", -1000: "-1,000", 123456: "123,456", -1234567: "-1,234,567",
		math.MaxInt64: "9,223,372,036,854,775,807",
	} {
		if got := plot.Grouped(n); got != want {
			t.Errorf("Grouped(%d) = %q, want %q", n, got, want)
		}
	}
	if got := plot.Thousands(1234.5); got != "1,235" {
		t.Errorf("Thousands(1234.5) = %q, want 1,235", got)
	}
}
