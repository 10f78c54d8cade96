package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/report"
	"github.com/parleyhq/parley/internal/store"
)

// fixedTopic resolves the largest open topic of the report server's data
// as of ten days before reportNow, and has the agent answer one later
// conversation with its short answer: a fix with numbers either side.
func fixedTopic(t *testing.T, db *store.DB, ws parley.Workspace) (parley.TopicSummary, parley.ShortAnswer) {
	t.Helper()
	ctx := context.Background()
	topics, err := db.Topics(ctx, ws.ID, store.TopicFilter{})
	if err != nil || len(topics) == 0 {
		t.Fatalf("topics: %v, %v", topics, err)
	}
	top := topics[0]
	sa, err := db.ApplyTopicAction(ctx, ws.ID, parley.TopicAction{Kind: parley.ActResolve, Topic: top.ID,
		Question: top.Title(), Answer: "Here is how."}, "test", reportNow.Add(-10*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	at := reportNow.Add(-6 * 24 * time.Hour)
	events := fmt.Sprintf(`{"id":"fx1","type":"conversation.started","conversation_id":"fixed-1","occurred_at":%[1]q,"channel":"chat"}
{"id":"fx5","type":"assigned","conversation_id":"fixed-1","occurred_at":%[1]q,"assignee":"customer_agent"}
{"id":"fx2","type":"message","conversation_id":"fixed-1","occurred_at":%[1]q,"author":"visitor","text":"How does it work?"}
{"id":"fx3","type":"message","conversation_id":"fixed-1","occurred_at":%[2]q,"author":"customer_agent","text":"Here is how.","sources":[{"id":%[4]q}]}
{"id":"fx4","type":"conversation.closed","conversation_id":"fixed-1","occurred_at":%[3]q}
`, at.Format(time.RFC3339), at.Add(time.Minute).Format(time.RFC3339), at.Add(time.Hour).Format(time.RFC3339), sa.SourceID())
	ingestAt(t, db, ws, strings.NewReader(events), reportNow)
	return top, sa
}

// TestFixSurfaces reads a fix from the API, its CSV, the topic's own API
// answer, the Fixes tab and the topic page in both languages, and follows
// its cited conversations.
func TestFixSurfaces(t *testing.T) {
	t.Parallel()
	srv, db, ws := reportServer(t)
	top, sa := fixedTopic(t, db, ws)

	var f report.Fixes
	if code := call(t, "GET", srv.URL+"/api/v1/gaps/fixes", nil, &f); code != 200 || len(f.Rows) != 1 {
		t.Fatalf("fixes: %d, %+v", code, f)
	}
	r := f.Rows[0]
	if r.TopicID != top.ID || r.ShortAnswerID != sa.ID || r.Window != 10 || r.After.Cited != 1 || r.Before.Questions == 0 {
		t.Errorf("fix: %+v", r)
	}
	var d struct {
		Fix *report.FixRow `json:"fix"`
	}
	code := call(t, "GET", srv.URL+fmt.Sprintf("/api/v1/gaps/%d", top.ID), nil, &d)
	own, _ := json.Marshal(d.Fix)
	view, _ := json.Marshal(r)
	if code != 200 || string(own) != string(view) {
		t.Errorf("the topic's own fix: %d, %s; the view's %s", code, own, view)
	}
	if r.After.Resolved == 0 {
		t.Errorf("the conversation answered with the short answer is not among the resolved after: %+v", r.After)
	}
	code, h, body := get(t, srv.URL+"/api/v1/gaps/fixes?format=csv")
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || err != nil || len(rows) != 2 ||
		rows[1][0] != fmt.Sprint(top.ID) || rows[1][5] != string(r.Verdict) {
		t.Errorf("CSV: %d %s, %v: %q", code, h.Get("Content-Type"), err, rows)
	}
	if code, _, body := get(t, srv.URL+"/api/v1/gaps/fixes?sort=best"); code != 400 || !strings.Contains(body, `"sort"`) {
		t.Errorf("a bad sort: %d %s", code, body)
	}
	cited := "/conversations?" + url.Values{"source": {sa.SourceID()}}.Encode()
	for _, lang := range []string{"en", "zh-TW"} {
		want := map[string]string{"en": "Questions per week", "zh-TW": "每週提問數"}[lang]
		verdict := map[string]map[report.FixVerdict]string{"en": {report.FixNoEffect: "No effect", report.FixHelped: "Helped", report.FixWorked: "Worked"},
			"zh-TW": {report.FixNoEffect: "無明顯效果", report.FixHelped: "有幫助", report.FixWorked: "有效"}}[lang][r.Verdict]
		code, _, page := get(t, srv.URL+"/gaps/fixes?lang="+lang)
		if code != 200 || !strings.Contains(page, want) || !strings.Contains(page, verdict) ||
			!strings.Contains(page, fmt.Sprintf(`href="/gaps/%d"`, top.ID)) || !strings.Contains(page, html.EscapeString(cited)) {
			t.Errorf("/gaps/fixes in %s: %d, no %q, %q, topic link or cited link", lang, code, want, verdict)
		}
		code, _, page = get(t, srv.URL+fmt.Sprintf("/gaps/%d?lang=%s", top.ID, lang))
		if code != 200 || !strings.Contains(page, `id="fix-title"`) || !strings.Contains(page, "<svg") || !strings.Contains(page, verdict) {
			t.Errorf("topic page in %s: %d, no fix panel, chart or verdict", lang, code)
		}
	}
	if list := getConversations(t, srv, url.Values{"source": {sa.SourceID()}}.Encode()); len(list) != 1 || list[0].ConversationID != "fixed-1" {
		t.Errorf("conversations citing the short answer: %+v", list)
	}
}
