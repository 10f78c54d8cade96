package web_test

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// Every chart's table of numbers has its headers in the page's language:
// none is a column's slug (snake_case), and in zh-TW every one but the
// names that stay as they are (CSAT) has Chinese in it.
func TestChartTableHeadersInWords(t *testing.T) {
	t.Parallel()
	srv, _, _ := reportServer(t)
	header := regexp.MustCompile(`<th>([^<]*)</th>`)
	for _, lang := range []string{"en", "zh-TW"} {
		code, _, body := get(t, srv.URL+"/reports?lang="+lang)
		if code != http.StatusOK {
			t.Fatalf("reports: %d", code)
		}
		tables := strings.Split(body, `<details class="numbers">`)[1:]
		if len(tables) < 10 {
			t.Fatalf("%s: only %d chart tables", lang, len(tables))
		}
		for _, tbl := range tables {
			thead, _, _ := strings.Cut(tbl, "</thead>")
			for _, m := range header.FindAllStringSubmatch(thead, -1) {
				name := html.UnescapeString(m[1])
				if strings.Contains(name, "_") {
					t.Errorf("%s: a chart table's header is the slug %q", lang, name)
				}
				if lang == "zh-TW" && !strings.HasPrefix(name, "CSAT") && !strings.ContainsFunc(name, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
					t.Errorf("zh-TW: a chart table's header %q is not in Chinese", name)
				}
			}
		}
	}
}
