package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/report"
)

// TestCSATOnPages: the sample data's satisfaction surveys show on the
// Performance page (an Impact card, a chart with its CSV, the totals by
// outcome), in the report JSON, and on the page of a rated conversation;
// the API's numbers are the page's.
func TestCSATOnPages(t *testing.T) {
	t.Parallel()
	srv, db, ws := reportServer(t)
	code, _, body := get(t, srv.URL+"/api/v1/reports/performance?range=last_4_weeks")
	var r report.Report
	if err := json.Unmarshal([]byte(body), &r); code != http.StatusOK || err != nil {
		t.Fatalf("report: %d %v", code, err)
	}
	c := r.Totals.CSAT
	if c.Rated == 0 || c.Resolved.Rated == 0 || c.HandedOff.Rated == 0 || c.Unresolved.Rated+c.NotHandled.Rated == 0 {
		t.Fatalf("the sample data has too few ratings to show: %+v", c)
	}
	if c.Resolved.Rated+c.HandedOff.Rated+c.Unresolved.Rated > c.Rated {
		t.Errorf("the groups hold more ratings (%d+%d+%d) than all handled (%d)", c.Resolved.Rated, c.HandedOff.Rated, c.Unresolved.Rated, c.Rated)
	}
	if *c.Resolved.Mean <= *c.Unresolved.Mean {
		t.Errorf("resolved conversations rated no better (%.2f) than unresolved ones (%.2f): the sample data lost its shape", *c.Resolved.Mean, *c.Unresolved.Mean)
	}

	for _, lang := range []string{"en", "zh-TW"} {
		code, _, page := get(t, srv.URL+"/reports?range=last_4_weeks&lang="+lang)
		if code != http.StatusOK || !strings.Contains(page, `id="chart-csat"`) || !strings.Contains(page, "chart=csat") {
			t.Errorf("%s: the page has no CSAT chart (%d)", lang, code)
		}
		if want := fmt.Sprintf(`%.1f%%`, *c.Rate*100); !strings.Contains(page, want) {
			t.Errorf("%s: the page does not show the CSAT %s", lang, want)
		}
	}
	code, _, csv := get(t, srv.URL+"/api/v1/reports/performance?range=last_4_weeks&format=csv&chart=csat")
	if code != http.StatusOK || !strings.HasPrefix(csv, "from,to,provisional,csat_rated,csat_satisfied,csat_rate,csat_rate_low,csat_rate_high,csat_mean,") {
		t.Errorf("csat CSV: %d %.200s", code, csv)
	}

	// A rated conversation shows its rating.
	for _, conv := range getConversations(t, srv, "from="+r.From) {
		events, err := db.ConversationEvents(context.Background(), ws.ID, conv.ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		var rating parley.Event
		for _, e := range events {
			if e.Type == parley.EventCSAT {
				rating = e
			}
		}
		if rating.ID == "" {
			continue
		}
		score, _ := rating.Rating.Score()
		code, _, body := get(t, srv.URL+"/api/v1/conversations/"+url.PathEscape(conv.ConversationID))
		var d struct{ Outcome parley.Outcome }
		if err := json.Unmarshal([]byte(body), &d); code != http.StatusOK || err != nil || d.Outcome.CSAT == nil || d.Outcome.CSAT.Rating != score {
			t.Fatalf("conversation %s: %d, csat %+v, want %d", conv.ConversationID, code, d.Outcome.CSAT, score)
		}
		_, _, page := get(t, srv.URL+"/conversations/"+url.PathEscape(conv.ConversationID)+"?lang=en")
		if !strings.Contains(page, fmt.Sprintf(`<a href="#e-%s">%d of 5</a>`, rating.ID, score)) {
			t.Errorf("the page of %s does not show its rating %d", conv.ConversationID, score)
		}
		return
	}
	t.Fatal("no rated conversation in the sample data")
}
