package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/store"
)

// webhookServer serves an empty workspace with a server that lets
// webhooks reach no private network, and a client signed in as its admin.
func webhookServer(t *testing.T) (*httptest.Server, *store.DB, parley.Workspace, *http.Client) {
	t.Helper()
	db, ws := newWorkspace(t, reportNow)
	srv := serveAt(t, db, reportNow)
	return srv, db, ws, clientWith(credentials{cookie: session(t, db, ws, "admin@example.com", parley.RoleAdmin, reportNow)}, false)
}

// send makes a JSON request with cl and decodes the answer into out.
func send(t *testing.T, cl *http.Client, method, u string, body string, out any) (int, http.Header) {
	t.Helper()
	var header []string
	if body != "" {
		header = []string{"Content-Type", "application/json"}
	}
	code, h, b := request(t, cl, newRequest(t, method, u, strings.NewReader(body), header...))
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, u, err, b)
		}
	}
	return code, h
}

// problemsReply is the error shape's problems.
type problemsReply struct {
	Error struct {
		Problems []parley.Problem `json:"problems"`
	} `json:"error"`
}

func (p problemsReply) fields() map[string]bool {
	out := map[string]bool{}
	for _, p := range p.Error.Problems {
		out[p.Field] = true
	}
	return out
}

func TestWebhookAPI(t *testing.T) {
	t.Parallel()
	srv, db, ws, cl := webhookServer(t)
	api := srv.URL + "/api/v1/webhooks"

	for _, tc := range []struct {
		body   string
		fields []string
	}{
		{`{"url":"ftp://hooks.example.com/","events":["outcome.decided","nope"]}`, []string{"url", "events"}},
		{`{"url":"http://127.0.0.1:9000/","events":["outcome.decided"]}`, []string{"url"}},
		{`{"url":"http://169.254.169.254/latest/meta-data","events":["report.weekly"]}`, []string{"url"}},
		{`{"url":"https://hooks.example.com/","events":[]}`, []string{"events"}},
		{`{"url":"https://hooks.example.com/","events":["report.weekly"],"secret":"mine"}`, []string{"body"}},
	} {
		var raw problemsReply
		code, _ := send(t, cl, "POST", api, tc.body, &raw)
		got := raw.fields()
		if code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", tc.body, code)
		}
		for _, f := range tc.fields {
			if !got[f] {
				t.Errorf("%s: no problem names %s (%v)", tc.body, f, raw.Error.Problems)
			}
		}
	}
	if hooks, _ := db.Webhooks(context.Background(), ws.ID); len(hooks) != 0 {
		t.Fatalf("refused requests stored %d webhooks", len(hooks))
	}

	var created struct {
		parley.Webhook
		Secret string `json:"secret"`
	}
	code, h := send(t, cl, "POST", api, `{"url":"https://hooks.example.com/parley","events":["report.weekly","outcome.decided"],"description":"CRM <sync>"}`, &created)
	if code != http.StatusCreated || !strings.HasPrefix(created.Secret, "whsec_") || h.Get("Cache-Control") != "no-store" {
		t.Fatalf("create: %d %+v, Cache-Control %q", code, created, h.Get("Cache-Control"))
	}
	if fmt.Sprint(created.Events) != "[outcome.decided report.weekly]" || created.SecretHint != "…"+created.Secret[len(created.Secret)-4:] {
		t.Errorf("created %+v", created.Webhook)
	}
	one := fmt.Sprintf("%s/%d", api, created.ID)

	var list map[string][]map[string]any
	send(t, cl, "GET", api, "", &list)
	if len(list["webhooks"]) != 1 || list["webhooks"][0]["secret"] != nil {
		t.Errorf("list %v: want one webhook, without its secret", list)
	}
	var paused parley.Webhook
	if code, _ := send(t, cl, "PUT", one, `{"paused":true}`, &paused); code != 200 || !paused.Paused || paused.URL != created.URL || len(paused.Events) != 2 {
		t.Errorf("pause: %d %+v", code, paused)
	}
	var rotated struct {
		Secret string `json:"secret"`
	}
	if send(t, cl, "POST", one+"/rotate-secret", "", &rotated); rotated.Secret == "" || rotated.Secret == created.Secret {
		t.Errorf("rotate: %q", rotated.Secret)
	}
	var ping parley.Delivery
	if code, _ := send(t, cl, "POST", one+"/ping", "", &ping); code != http.StatusAccepted || ping.Event != parley.WebhookPing || ping.State != parley.DeliveryPending {
		t.Errorf("ping: %d %+v", code, ping)
	}
	var page struct {
		Deliveries []parley.Delivery `json:"deliveries"`
		Next       *string           `json:"next"`
	}
	if send(t, cl, "GET", one+"/deliveries?state=pending", "", &page); len(page.Deliveries) != 1 || page.Next != nil {
		t.Errorf("deliveries %+v", page)
	}
	if code, _ := send(t, cl, "GET", one+"/deliveries?state=lost", "", nil); code != 400 {
		t.Errorf("a bad state: %d", code)
	}
	var detail struct {
		Delivery parley.Delivery          `json:"delivery"`
		Attempts []parley.DeliveryAttempt `json:"attempts"`
	}
	send(t, cl, "GET", fmt.Sprintf("%s/deliveries/%d", one, ping.ID), "", &detail)
	if !strings.Contains(detail.Delivery.Payload, `"type":"webhook.ping"`) || detail.Attempts == nil {
		t.Errorf("delivery %+v", detail)
	}
	if code, _ := send(t, cl, "POST", fmt.Sprintf("%s/deliveries/%d/replay", one, ping.ID), "", nil); code != http.StatusAccepted {
		t.Errorf("replay: %d", code)
	}
	// A delivery is found only under its own webhook.
	var other parley.Webhook
	send(t, cl, "POST", api, `{"url":"https://other.example.com/","events":["topic.created"]}`, &other)
	if code, _ := send(t, cl, "GET", fmt.Sprintf("%s/%d/deliveries/%d", api, other.ID, ping.ID), "", nil); code != 404 {
		t.Errorf("a delivery under another webhook: %d, want 404", code)
	}
	if code, _ := send(t, cl, "DELETE", one, "", nil); code != http.StatusNoContent {
		t.Errorf("delete: %d", code)
	}
	if code, _ := send(t, cl, "GET", one, "", nil); code != 404 {
		t.Errorf("a deleted webhook: %d", code)
	}
	if d, _, _ := db.Delivery(context.Background(), ws.ID, ping.ID); d.State != parley.DeliveryFailed || d.LastError != "webhook deleted" {
		t.Errorf("a deleted webhook's pending delivery: %s %q", d.State, d.LastError)
	}
	log, _ := db.AuditLog(context.Background(), ws.ID, 50)
	actions := map[string]bool{}
	for _, e := range log {
		actions[e.Action] = true
	}
	for _, a := range []string{"webhook.create", "webhook.update", "webhook.rotate_secret", "webhook.replay", "webhook.delete"} {
		if !actions[a] {
			t.Errorf("no %s in the audit log", a)
		}
	}
}

// TestWebhookPages walks Settings › Webhooks as an admin: create one (its
// secret shown once), see it listed without it, send a test delivery and
// find it in the log, open it.
func TestWebhookPages(t *testing.T) {
	t.Parallel()
	srv, _, _, cl := webhookServer(t)
	code, _, page := postForm(t, cl, srv.URL+"/settings/webhooks", url.Values{"url": {"https://hooks.example.com/p"}, "event": {"outcome.decided", "topic.recurred"}, "description": {hostile}})
	if code != 200 || !strings.Contains(page, `id="new-secret">whsec_`) {
		t.Fatalf("create: %d, no secret shown", code)
	}
	if strings.Contains(page, hostile) {
		t.Error("the description is not escaped")
	}
	secret := page[strings.Index(page, "whsec_"):]
	secret = secret[:strings.IndexByte(secret, '<')]
	_, _, list := getWith(t, cl, srv.URL+"/settings/webhooks?lang=zh-TW")
	if strings.Contains(list, secret) || !strings.Contains(list, "hooks.example.com/p") || !strings.Contains(list, "新增 Webhook") {
		t.Error("the list shows the secret, or not the webhook, or not in zh-TW")
	}
	// Bad input is shown back with what is wrong, and nothing is made.
	if code, _, body := postForm(t, cl, srv.URL+"/settings/webhooks", url.Values{"url": {"http://10.0.0.8/x"}}); code != 400 || !strings.Contains(body, "<code>url</code>") || !strings.Contains(body, "<code>events</code>") {
		t.Errorf("bad form: %d", code)
	}
	hookPath := "/settings/webhooks/1"
	if code, h, _ := postForm(t, cl, srv.URL+hookPath, url.Values{"action": {"ping"}}); code != http.StatusSeeOther || h.Get("Location") != hookPath+"?done=ping" {
		t.Fatalf("ping: %d to %q", code, h.Get("Location"))
	}
	_, _, log := getWith(t, cl, srv.URL+hookPath+"?done=ping")
	if !strings.Contains(log, "webhook.ping") || !strings.Contains(log, hookPath+"/deliveries/1") {
		t.Fatal("the log does not list the test delivery")
	}
	_, _, pending := getWith(t, cl, srv.URL+hookPath+"?state=succeeded")
	if strings.Contains(pending, "/deliveries/1\"") {
		t.Error("the succeeded tab lists a pending delivery")
	}
	code, _, one := getWith(t, cl, srv.URL+hookPath+"/deliveries/1")
	if code != 200 || !strings.Contains(one, "&#34;type&#34;: &#34;webhook.ping&#34;") {
		t.Errorf("delivery page: %d", code)
	}
}
