// Package plot draws the dashboard's charts as inline SVG on the server, so
// that pages need no JavaScript and charts look the same in every browser
// and in screenshots. Text is left to the page's fonts (CJK included);
// every string from the caller is escaped.
package plot

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Kind is how a chart draws its series.
type Kind int

// The kinds of chart.
const (
	Bars  Kind = iota // one bar per bucket; several series are stacked
	Lines             // one line per series, with a dot per point
)

// Series is one named row of values.
type Series struct {
	Name string
	// Class is the CSS class that colours the series; the page's style
	// sheet sets its `color`, which the marks use as currentColor.
	Class string
	// Values has one value per label; NaN means "no value" (no bar, a gap
	// in the line).
	Values []float64
}

// Chart describes one chart.
type Chart struct {
	Title  string
	Kind   Kind
	Labels []string
	Series []Series
	// Provisional marks buckets whose numbers may still change: their bars
	// are hatched and the line into them is dashed.
	Provisional []bool
	// Links, if set, make each bucket a link (a drill-down). Only links to
	// this site ("/…" or "?…") are kept.
	Links []string
	// Format formats values for the axis and tooltips; nil formats
	// integers with thousands separators.
	Format func(float64) string
	// Max fixes the top of the y axis (100 for percentages); 0 fits it to
	// the data.
	Max float64
	// Log draws the y axis on a logarithmic scale from the first of Ticks
	// to the last, so that a few long values (durations, say) do not
	// flatten all the others; values at or below zero are not drawn.
	Log bool
	// Ticks, if set, are the values marked on the y axis (see LogTicks);
	// else they are fitted to the data (NiceTicks).
	Ticks []float64
	// Notes, one per label, are added to the tooltip of every mark of the
	// bucket: what its values rest on, say.
	Notes []string
	// Width and Height are the size of the view box; 0 means 640×240.
	Width, Height int
}

// Margins of the plot area within the view box.
const (
	marginLeft   = 56
	marginRight  = 12
	marginTop    = 12
	marginBottom = 34
	legendHeight = 22
)

// Render returns the chart as an <svg> element to be placed in a page.
func Render(c Chart) template.HTML {
	w, h := c.Width, c.Height
	if w <= 0 {
		w = 640
	}
	if h <= 0 {
		h = 240
	}
	format := c.Format
	if format == nil {
		format = Thousands
	}
	n := len(c.Labels)
	maxV := c.Max
	if maxV <= 0 {
		maxV = dataMax(c)
	}
	ticks := c.Ticks
	if len(ticks) < 2 || c.Log && ticks[0] <= 0 {
		if c.Format == nil { // counts, written whole
			ticks = WholeTicks(maxV)
		} else {
			ticks = NiceTicks(maxV)
		}
		c.Log = false
	}
	// The plot starts right of its widest y label ("8 小時 20 分"), so
	// that none is cut at the left edge.
	left := marginLeft
	for _, t := range ticks {
		left = max(left, int(math.Ceil(textWidth(format(t))*6.2))+10)
	}
	// The legend runs over as many rows as its names need.
	type entry struct{ x, y float64 }
	var legend []entry
	top := marginTop
	if len(c.Series) > 1 {
		lx, row := float64(left), 0
		for _, s := range c.Series {
			wide := 14 + textWidth(s.Name)*6.5
			if lx > float64(left) && lx+wide > float64(w-marginRight) {
				lx, row = float64(left), row+1
			}
			legend = append(legend, entry{lx, float64(row * legendHeight)})
			lx += wide + 16
		}
		top += (row + 1) * legendHeight
	}
	plotW := float64(w - left - marginRight)
	plotH := float64(h - top - marginBottom)

	yMin, yMax := ticks[0], ticks[len(ticks)-1]
	y := func(v float64) float64 { return float64(top) + plotH - (v-yMin)/(yMax-yMin)*plotH }
	if c.Log {
		lo, span := math.Log(yMin), math.Log(yMax)-math.Log(yMin)
		y = func(v float64) float64 {
			f := (math.Log(v) - lo) / span
			return float64(top) + plotH - min(max(f, 0), 1)*plotH
		}
	}
	step := plotW / float64(max(n, 1))
	x := func(i int) float64 { return float64(left) + step*(float64(i)+0.5) }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="plot" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="100%%" role="img" aria-label="%s" font-family="system-ui, &quot;Noto Sans CJK TC&quot;, &quot;Noto Sans TC&quot;, &quot;PingFang TC&quot;, &quot;Microsoft JhengHei&quot;, sans-serif" font-size="11">`,
		w, h, esc(c.Title))
	fmt.Fprintf(&b, `<title>%s</title>`, esc(c.Title))
	// The hatch pattern is named after the view box's width: a page that
	// draws each chart twice, for wide screens and for phones, and hides one
	// set, finds the pattern in a chart of the set it shows.
	hatch := fmt.Sprintf("hatch-%d", w)
	fmt.Fprintf(&b, `<defs><pattern id="%s" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)"><rect width="6" height="6" fill="white" fill-opacity="0.35"/><line x1="0" y1="0" x2="0" y2="6" stroke="white" stroke-width="3" stroke-opacity="0.8"/></pattern></defs>`, hatch)

	// Legend.
	for i, e := range legend {
		s := c.Series[i]
		fmt.Fprintf(&b, `<g class="legend %s %s"><rect x="%s" y="%s" width="10" height="10" rx="2" fill="currentColor"/><text x="%s" y="%s" fill="#344054">%s</text></g>`,
			seriesClass(i), esc(s.Class), num(e.x), num(e.y+4), num(e.x+14), num(e.y+13), esc(s.Name))
	}

	// Grid and y axis.
	for _, t := range ticks {
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%s" y2="%s" stroke="#e4e7ec"/><text x="%d" y="%s" text-anchor="end" fill="#667085">%s</text>`,
			left, w-marginRight, num(y(t)), num(y(t)), left-6, num(y(t)+4), esc(format(t)))
	}

	// X labels, thinned so that they never overlap (a provisional one
	// carries a "*"): every k-th, counted back from the last, so that the
	// latest period is always named.
	every := 1
	if n > 0 {
		widest := 0.0
		for i, l := range c.Labels {
			if provisional(c, i) {
				l += "*"
			}
			widest = max(widest, textWidth(l)*6.2+8)
		}
		every = max(1, int(math.Ceil(widest/step)))
	}
	for i, l := range c.Labels {
		if (n-1-i)%every != 0 {
			continue
		}
		mark := ""
		if provisional(c, i) {
			mark = "*"
		}
		fmt.Fprintf(&b, `<text x="%s" y="%d" text-anchor="middle" fill="#667085">%s%s</text>`, num(x(i)), h-marginBottom+16, esc(l), mark)
	}

	// Marks, one group per bucket.
	switch c.Kind {
	case Lines:
		renderLines(&b, c, x, y, format)
	default:
		renderBars(&b, c, x, y, step, format, hatch)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func renderBars(b *strings.Builder, c Chart, x func(int) float64, y func(float64) float64, step float64, format func(float64) string, hatch string) {
	barW := math.Min(step*0.7, 48)
	for i, label := range c.Labels {
		class := "bucket"
		if provisional(c, i) {
			class += " provisional"
		}
		open := openLink(b, c, i)
		fmt.Fprintf(b, `<g class="%s">`, class)
		base := 0.0
		for si, s := range c.Series {
			v := value(s, i)
			if math.IsNaN(v) || v <= 0 {
				continue
			}
			y0, y1 := y(base), y(base+v)
			fmt.Fprintf(b, `<g class="%s %s"><rect x="%s" y="%s" width="%s" height="%s" fill="currentColor" data-value="%s"><title>%s · %s: %s%s</title></rect>`,
				seriesClass(si), esc(s.Class), num(x(i)-barW/2), num(y1), num(barW), num(y0-y1), num(v), esc(label), esc(s.Name), esc(format(v)), note(c, i))
			if provisional(c, i) {
				fmt.Fprintf(b, `<rect x="%s" y="%s" width="%s" height="%s" fill="url(#%s)" pointer-events="none"/>`, num(x(i)-barW/2), num(y1), num(barW), num(y0-y1), hatch)
			}
			b.WriteString(`</g>`)
			base += v
		}
		b.WriteString(`</g>`)
		if open {
			b.WriteString(`</a>`)
		}
	}
}

func renderLines(b *strings.Builder, c Chart, x func(int) float64, y func(float64) float64, format func(float64) string) {
	for si, s := range c.Series {
		fmt.Fprintf(b, `<g class="series %s %s">`, seriesClass(si), esc(s.Class))
		// Segments between neighbouring values; a segment into a
		// provisional bucket is dashed, a NaN breaks the line.
		for i := 1; i < len(c.Labels); i++ {
			a, v := value(s, i-1), value(s, i)
			if math.IsNaN(a) || math.IsNaN(v) || c.Log && (a <= 0 || v <= 0) {
				continue
			}
			dash := ""
			if provisional(c, i) {
				dash = ` stroke-dasharray="4 3"`
			}
			fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="currentColor" stroke-width="2"%s/>`,
				num(x(i-1)), num(y(a)), num(x(i)), num(y(v)), dash)
		}
		for i, label := range c.Labels {
			v := value(s, i)
			if math.IsNaN(v) || c.Log && v <= 0 {
				continue
			}
			class := "bucket"
			if provisional(c, i) {
				class += " provisional"
			}
			open := openLink(b, c, i)
			fmt.Fprintf(b, `<g class="%s"><circle cx="%s" cy="%s" r="3.5" fill="currentColor" data-value="%s"><title>%s · %s: %s%s</title></circle></g>`,
				class, num(x(i)), num(y(v)), num(v), esc(label), esc(s.Name), esc(format(v)), note(c, i))
			if open {
				b.WriteString(`</a>`)
			}
		}
		b.WriteString(`</g>`)
	}
}

// openLink starts a drill-down link for bucket i if it has a safe one.
func openLink(b *strings.Builder, c Chart, i int) bool {
	if i >= len(c.Links) {
		return false
	}
	href := c.Links[i]
	if !strings.HasPrefix(href, "/") && !strings.HasPrefix(href, "?") || strings.HasPrefix(href, "//") {
		return false
	}
	fmt.Fprintf(b, `<a href="%s">`, esc(href))
	return true
}

func provisional(c Chart, i int) bool { return i < len(c.Provisional) && c.Provisional[i] }

// note is the bucket's note for a tooltip, escaped, after a separator.
func note(c Chart, i int) string {
	if i >= len(c.Notes) || c.Notes[i] == "" {
		return ""
	}
	return " · " + esc(c.Notes[i])
}

func value(s Series, i int) float64 {
	if i >= len(s.Values) || math.IsInf(s.Values[i], 0) {
		return math.NaN()
	}
	return s.Values[i]
}

// dataMax is the largest stack (bars) or point (lines).
func dataMax(c Chart) float64 {
	m := 0.0
	for i := range c.Labels {
		stack := 0.0
		for _, s := range c.Series {
			v := value(s, i)
			if math.IsNaN(v) || v < 0 {
				continue
			}
			if c.Kind == Lines {
				m = max(m, v)
			} else {
				stack += v
			}
		}
		m = max(m, stack)
	}
	return m
}

// NiceTicks returns 0 and four or five evenly spaced round values (steps
// of 1, 2, 2.5 or 5 × 10ⁿ) that reach at least max.
func NiceTicks(maxV float64) []float64 {
	if math.IsNaN(maxV) || math.IsInf(maxV, 0) || maxV <= 0 {
		maxV = 1
	}
	raw := maxV / 4
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	stepV := mag * 10
	for _, f := range []float64{1, 2, 2.5, 5, 10} {
		if f*mag >= raw {
			stepV = f * mag
			break
		}
	}
	return ticksUpTo(maxV, stepV)
}

// WholeTicks is NiceTicks for counts, which the axis writes as whole
// numbers: where NiceTicks would step by a fraction (0.5, 2.5) two ticks
// would read the same or wrong ("0 1 1 2 2", "3" for 2.5), so the step is
// 1, 2 or 5 × 10ⁿ and at least 1.
func WholeTicks(maxV float64) []float64 {
	ticks := NiceTicks(maxV)
	if step := ticks[1] - ticks[0]; step == math.Trunc(step) {
		return ticks
	}
	raw := max(maxV, 1) / 4
	mag := max(1, math.Pow(10, math.Floor(math.Log10(raw))))
	stepV := mag * 10
	for _, f := range []float64{1, 2, 5} {
		if f*mag >= raw {
			stepV = f * mag
			break
		}
	}
	return ticksUpTo(max(maxV, 1), stepV)
}

// ticksUpTo returns 0, step, 2×step… up to the first at or above maxV.
func ticksUpTo(maxV, step float64) []float64 {
	var ticks []float64
	for t := 0.0; ; t += step {
		ticks = append(ticks, math.Round(t/step)*step)
		if t >= maxV-1e-9 {
			break
		}
	}
	return ticks
}

// LogTicks picks the ticks of a logarithmic axis from ladder (round
// values, ascending): the last at or below the smallest positive value, the
// first at or above the largest, and at most six in all, evenly spread
// over the ladder. It returns nil when no value is positive.
func LogTicks(values []float64, ladder []float64) []float64 {
	lo, hi := math.Inf(1), 0.0
	for _, v := range values {
		if v > 0 && !math.IsInf(v, 0) {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if hi == 0 || len(ladder) == 0 {
		return nil
	}
	first, last := 0, len(ladder)-1
	for i, t := range ladder {
		if t <= lo {
			first = i
		}
	}
	for i := len(ladder) - 1; i >= 0; i-- {
		if ladder[i] >= hi {
			last = i
		}
	}
	if last <= first {
		last = min(first+1, len(ladder)-1)
		first = max(last-1, 0)
	}
	span := ladder[first : last+1]
	step := max(1, int(math.Ceil(float64(len(span)-1)/5)))
	var out []float64
	for i := 0; i < len(span); i += step {
		out = append(out, span[i])
	}
	if out[len(out)-1] != span[len(span)-1] {
		if len(out) > 1 && step > 1 && len(out) >= 6 {
			out = out[:len(out)-1]
		}
		out = append(out, span[len(span)-1])
	}
	return out
}

// Thousands formats a value as a whole number with thousands separators.
func Thousands(v float64) string { return Grouped(int64(math.Round(v))) }

// Grouped formats n with a comma between each three digits, as the pages
// write counts in both languages.
func Grouped(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out.WriteByte(',')
		}
		out.WriteRune(r)
	}
	if neg {
		return "-" + out.String()
	}
	return out.String()
}

// seriesClass names a series by position ("si-0", "si-1", …), so that a
// style sheet can colour series the caller gave no class; marks are drawn
// in currentColor, so a class only needs to set `color`.
func seriesClass(i int) string { return "si-" + strconv.Itoa(i%6) }

// textWidth estimates a label's width in ems: CJK characters are about
// twice as wide as Latin ones.
func textWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		if r >= 0x2E80 {
			w += 1.8
		} else {
			w++
		}
	}
	return w
}

// esc escapes caller text for SVG, dropping characters XML cannot carry
// (C0 controls other than tab, newline and return, and invalid UTF-8).
func esc(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	return html.EscapeString(s)
}

// num writes a coordinate with at most one decimal, which keeps the SVG
// small and its bytes stable.
func num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "0"
	}
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}
