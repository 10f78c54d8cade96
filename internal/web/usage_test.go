package web_test

import (
	"encoding/csv"
	"net/url"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/report"
)

// TestUsageSurfaces reads the sources and actions views from the API, as
// CSV, and as pages in both languages, and follows a number to its
// conversations.
func TestUsageSurfaces(t *testing.T) {
	t.Parallel()
	srv, _, _ := reportServer(t)
	for _, view := range []string{"sources", "actions"} {
		var u report.Usage
		if code := call(t, "GET", srv.URL+"/api/v1/reports/"+view+"?range=last_4_weeks&sort=resolution_rate&order=asc", nil, &u); code != 200 || len(u.Rows) < 2 {
			t.Fatalf("%s: %d, %d rows", view, code, len(u.Rows))
		}
		for i := 1; i < len(u.Rows); i++ {
			a, b := u.Rows[i-1].ResolutionRate, u.Rows[i].ResolutionRate
			if a != nil && b != nil && *a > *b {
				t.Errorf("%s: not sorted by resolution rate, lowest first: %v then %v", view, *a, *b)
			}
		}
		code, h, body := get(t, srv.URL+"/api/v1/reports/"+view+"?range=last_4_weeks&format=csv")
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || err != nil || len(rows) != len(u.Rows)+1 {
			t.Errorf("%s CSV: %d %s, %d rows for %d: %v", view, code, h.Get("Content-Type"), len(rows), len(u.Rows), err)
		}
		if code, _, _ := get(t, srv.URL+"/api/v1/reports/"+view+"?sort=size&order=up"); code != 400 {
			t.Errorf("%s with a bad sort: %d", view, code)
		}
		for _, lang := range []string{"en", "zh-TW"} {
			code, _, page := get(t, srv.URL+"/reports/"+view+"?lang="+lang)
			want := map[string]string{"en": "Resolution rate", "zh-TW": "解決率"}[lang]
			if code != 200 || !strings.Contains(page, want) || !strings.Contains(page, `href="/conversations?`) {
				t.Errorf("/reports/%s in %s: %d, no %q or no conversation link", view, lang, code, want)
			}
		}
	}
	// A row's number leads to the conversations it counts.
	var u report.Usage
	call(t, "GET", srv.URL+"/api/v1/reports/sources?range=last_4_weeks", nil, &u)
	top := u.Rows[0]
	_, _, page := get(t, srv.URL+"/reports/sources?range=last_4_weeks")
	q := url.Values{"from": {u.From}, "to": {u.To}, "source": {top.Key}}
	if !strings.Contains(page, `href="/conversations?`+strings.ReplaceAll(q.Encode(), "&", "&amp;")+`"`) {
		t.Fatalf("the page has no link to the conversations of %s (%s)", top.Key, q.Encode())
	}
	list := getConversations(t, srv, q.Encode())
	if int64(len(list)) != top.Conversations {
		t.Errorf("%s: %d conversations in the view, %d behind its link", top.Key, top.Conversations, len(list))
	}
}
