package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/ingest"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/web"
	"github.com/parleyhq/parley/internal/webhook"
)

// quiet is the tests' server logger: request lines would drown test output.
var quiet = slog.New(slog.DiscardHandler)

// client is the HTTP client the page and API tests use: signed in as the
// admin of reportData's default workspace.
var client = clientWith(credentials{cookie: adminCookie}, true)

// testPassword is every test person's password.
const testPassword = "correct horse battery"

// passwordHash is testPassword hashed once; hashing is slow on purpose.
var passwordHash = func() string {
	h, err := auth.HashPassword(testPassword)
	if err != nil {
		panic(err)
	}
	return h
}()

// session adds a person with a role in ws and returns the value of a
// session cookie signed in as them, valid around at.
func session(t testing.TB, db *store.DB, ws parley.Workspace, email string, role parley.Role, at time.Time) string {
	t.Helper()
	secret, err := auth.NewSecret("")
	if err != nil {
		t.Fatal(err)
	}
	sessionWith(t, db, ws, email, role, at, secret)
	return secret
}

// sessionWith is session with a secret chosen by the caller.
func sessionWith(t testing.TB, db *store.DB, ws parley.Workspace, email string, role parley.Role, at time.Time, secret string) {
	t.Helper()
	ctx := context.Background()
	m, err := db.AddMember(ctx, ws.ID, email, "", passwordHash, role, at)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSession(ctx, auth.Hash(secret), m.ID, at.Add(-time.Hour), at.Add(30*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
}

// token creates an API token of ws with scopes and returns its secret.
func token(t testing.TB, db *store.DB, ws parley.Workspace, at time.Time, scopes ...parley.Scope) string {
	t.Helper()
	secret, err := auth.NewSecret(auth.TokenPrefix)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateToken(context.Background(), ws.ID, fmt.Sprint(scopes), auth.Hash(secret), secret[:7], scopes, at); err != nil {
		t.Fatal(err)
	}
	return secret
}

// credentials adds a session cookie or a bearer token to every request.
type credentials struct {
	cookie, bearer string
}

func (c credentials) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if c.cookie != "" {
		r.AddCookie(&http.Cookie{Name: "parley_session", Value: c.cookie})
	}
	if c.bearer != "" {
		r.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// clientWith returns a client that sends the credentials and shows
// redirects instead of following them when follow is false.
func clientWith(c credentials, follow bool) *http.Client {
	cl := &http.Client{Transport: c}
	if !follow {
		cl.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return cl
}

// routeTable is SPEC §7 as a table: what each route needs. Every route the
// server has must be here, and nothing else.
var routeTable = map[string]parley.Permission{
	"GET /healthz": "", "GET /readyz": "", "GET /metrics": "", "GET /api/openapi.json": "", "GET /static/": "", "GET /{$}": "", "/": "", "/api/": "",
	"GET /signin": "", "POST /signin": "", "POST /signout": "", "GET /setup": "", "POST /setup": "",

	"POST /api/v1/events":               parley.PermIngest,
	"GET /api/v1/reports/performance":   parley.PermRead,
	"GET /api/v1/conversations":         parley.PermRead,
	"GET /api/v1/conversations/{id}":    parley.PermRead,
	"GET /api/v1/gaps":                  parley.PermRead,
	"GET /api/v1/gaps/ungrouped":        parley.PermRead,
	"GET /api/v1/gaps/{id}":             parley.PermRead,
	"POST /api/v1/gaps/{id}/{action}":   parley.PermWrite,
	"GET /api/v1/short-answers":         parley.PermRead,
	"POST /api/v1/short-answers":        parley.PermWrite,
	"POST /api/v1/short-answers/search": parley.PermRead,
	"GET /api/v1/short-answers/{id}":    parley.PermRead,
	"PUT /api/v1/short-answers/{id}":    parley.PermWrite,
	"DELETE /api/v1/short-answers/{id}": parley.PermWrite,
	"GET /api/v1/settings":              parley.PermAdmin,
	"PUT /api/v1/settings":              parley.PermAdmin,
	"GET /reports":                      parley.PermRead,
	"GET /conversations":                parley.PermRead,
	"GET /conversations/{id}":           parley.PermRead,
	"GET /gaps":                         parley.PermRead,
	"GET /gaps/{id}":                    parley.PermRead,
	"POST /gaps/{id}":                   parley.PermWrite,
	"GET /content":                      parley.PermRead,
	"POST /content":                     parley.PermWrite,
	"GET /content/{id}":                 parley.PermRead,
	"POST /content/{id}":                parley.PermWrite,
	"GET /settings":                     parley.PermAdmin,
	"POST /settings":                    parley.PermAdmin,
	"GET /settings/people":              parley.PermAdmin,
	"POST /settings/people":             parley.PermAdmin,
	"GET /settings/tokens":              parley.PermAdmin,
	"POST /settings/tokens":             parley.PermAdmin,
	"GET /settings/audit":               parley.PermAdmin,
	"GET /settings/set-aside":           parley.PermAdmin,
	"POST /settings/set-aside":          parley.PermAdmin,
	"GET /settings/sources":             parley.PermAdmin,
	"POST /settings/sources":            parley.PermAdmin,
	"GET /api/v1/sources":               parley.PermAdmin,
	"POST /api/v1/sources":              parley.PermAdmin,
	"GET /api/v1/sources/{id}":          parley.PermAdmin,
	"PATCH /api/v1/sources/{id}":        parley.PermAdmin,
	"DELETE /api/v1/sources/{id}":       parley.PermAdmin,
	// Deliveries from sources authenticate themselves (by the token in
	// the URL, or a Bearer token of their own); see deliveries_test.go.
	"POST /hooks/chatwoot/{token}": "", "POST /otlp/v1/traces": "",

	"GET /api/v1/reports/sources":                             parley.PermRead,
	"GET /api/v1/reports/actions":                             parley.PermRead,
	"GET /reports/sources":                                    parley.PermRead,
	"GET /reports/actions":                                    parley.PermRead,
	"GET /api/v1/gaps/fixes":                                  parley.PermRead,
	"GET /gaps/fixes":                                         parley.PermRead,
	"GET /api/v1/webhooks":                                    parley.PermAdmin,
	"POST /api/v1/webhooks":                                   parley.PermAdmin,
	"GET /api/v1/webhooks/{id}":                               parley.PermAdmin,
	"PUT /api/v1/webhooks/{id}":                               parley.PermAdmin,
	"DELETE /api/v1/webhooks/{id}":                            parley.PermAdmin,
	"POST /api/v1/webhooks/{id}/{action}":                     parley.PermAdmin,
	"GET /api/v1/webhooks/{id}/deliveries":                    parley.PermAdmin,
	"GET /api/v1/webhooks/{id}/deliveries/{delivery}":         parley.PermAdmin,
	"POST /api/v1/webhooks/{id}/deliveries/{delivery}/replay": parley.PermAdmin,
	"GET /settings/webhooks":                                  parley.PermAdmin,
	"POST /settings/webhooks":                                 parley.PermAdmin,
	"GET /settings/webhooks/{id}":                             parley.PermAdmin,
	"POST /settings/webhooks/{id}":                            parley.PermAdmin,
	"GET /settings/webhooks/{id}/deliveries/{delivery}":       parley.PermAdmin,
}

// grants is who holds which permission (SPEC §7), written out rather than
// taken from the code under test.
var grants = map[string][]parley.Permission{
	"viewer":       {parley.PermRead},
	"editor":       {parley.PermRead, parley.PermWrite},
	"admin":        {parley.PermRead, parley.PermWrite, parley.PermAdmin},
	"token ingest": {parley.PermIngest},
	"token read":   {parley.PermRead},
	"token write":  {parley.PermRead, parley.PermWrite},
	"token admin":  {parley.PermAdmin},
}

// TestAuthorizationMatrix sends a request to every route as every kind of
// caller and checks the answer against routeTable and grants.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	// The server of the hostile-request tests: a topic, a conversation
	// and a short answer are all that the routes' paths name.
	h := newHostile(t)
	srv, db := h.srv, h.db
	ctx := context.Background()
	ws, err := db.Workspace(ctx, parley.DefaultWorkspace)
	if err != nil {
		t.Fatal(err)
	}
	routes := map[string]parley.Permission{}
	for _, r := range web.New(db, web.Options{Logger: quiet}).Routes() {
		routes[r.Pattern] = r.Perm
	}
	for pattern, perm := range routes {
		want, ok := routeTable[pattern]
		if !ok {
			t.Errorf("route %q (needs %q) is missing from the authorization table", pattern, perm)
		} else if want != perm {
			t.Errorf("route %q needs %q, the table says %q", pattern, perm, want)
		}
	}
	for pattern := range routeTable {
		if _, ok := routes[pattern]; !ok {
			t.Errorf("the table lists %q, which the server does not have", pattern)
		}
	}

	other, err := db.EnsureWorkspace(ctx, "other", now)
	if err != nil {
		t.Fatal(err)
	}
	callers := map[string]credentials{
		"anonymous":          {},
		"viewer":             {cookie: session(t, db, ws, "viewer@example.com", parley.RoleViewer, now)},
		"editor":             {cookie: session(t, db, ws, "editor@example.com", parley.RoleEditor, now)},
		"admin":              {cookie: session(t, db, ws, "admin2@example.com", parley.RoleAdmin, now)},
		"other admin":        {cookie: session(t, db, other, "other@example.com", parley.RoleAdmin, now)},
		"token ingest":       {bearer: token(t, db, ws, now, parley.ScopeIngest)},
		"token read":         {bearer: token(t, db, ws, now, parley.ScopeRead)},
		"token write":        {bearer: token(t, db, ws, now, parley.ScopeWrite)},
		"token admin":        {bearer: token(t, db, ws, now, parley.ScopeAdmin)},
		"other token (read)": {bearer: token(t, db, other, now, parley.ScopeRead, parley.ScopeWrite, parley.ScopeIngest, parley.ScopeAdmin)},
	}
	topic, conv := h.topic, "c1" // a conversation newHostile sends
	answer := func() int64 {
		a, err := db.CreateShortAnswer(ctx, ws.ID, parley.ShortAnswer{Question: "Q", Answer: "A"}, now)
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	// request builds a request for a route, with a body that the handler
	// accepts or rejects as invalid (never as not found).
	request := func(pattern string) *http.Request {
		method, path, ok := strings.Cut(pattern, " ")
		if !ok {
			method, path = "GET", pattern
		}
		if strings.Contains(path, "/webhooks/{id}") {
			// A webhook of its own for each request, as one may delete it,
			// with a delivery queued.
			h, err := webhook.Create(ctx, db, ws.ID, parley.WebhookPolicy{}, parley.WebhookInput{URL: "https://hooks.example.com/p", Events: parley.WebhookEvents}, "test", now)
			if err != nil {
				t.Fatal(err)
			}
			d, err := db.PingWebhook(ctx, ws.ID, h.ID, now)
			if err != nil {
				t.Fatal(err)
			}
			path = strings.NewReplacer("{id}", fmt.Sprint(h.ID), "{delivery}", fmt.Sprint(d.ID), "{action}", "ping").Replace(path)
		}
		path = strings.NewReplacer("{$}", "", "{action}", "rename").Replace(path)
		path = strings.Replace(path, "/static/", "/static/style.css", 1)
		switch {
		case strings.Contains(path, "/gaps/{id}"):
			path = strings.Replace(path, "{id}", fmt.Sprint(topic), 1)
		case strings.Contains(path, "/conversations/{id}"):
			path = strings.Replace(path, "{id}", url.PathEscape(conv), 1)
		case strings.Contains(path, "/sources/{id}"):
			src, err := db.CreateSource(ctx, ws.ID, parley.NewSource{Kind: parley.SourceChatwoot, Name: "matrix"}, auth.Hash(path+time.Now().String()), "ps_x", now)
			if err != nil {
				t.Fatal(err)
			}
			path = strings.Replace(path, "{id}", fmt.Sprint(src.ID), 1)
		case strings.Contains(path, "{id}"):
			path = strings.Replace(path, "{id}", fmt.Sprint(answer()), 1)
		}
		if path == "/" {
			path = "/nowhere"
		}
		if path == "/api/" {
			path = "/api/v1/nowhere"
		}
		body, ctype := "", ""
		switch {
		case strings.HasPrefix(path, "/api/v1/events"):
			body, ctype = "[]", "application/json"
		case strings.HasPrefix(path, "/api/v1/gaps/"):
			body, ctype = `{"name":"renamed"}`, "application/json"
		case strings.HasPrefix(path, "/api/v1/short-answers/search"):
			body, ctype = `{"q":"refund"}`, "application/json"
		case strings.HasPrefix(path, "/api/v1/short-answers"):
			body, ctype = `{"question":"Q?","answer":"A."}`, "application/json"
		case strings.HasPrefix(path, "/api/v1/settings"):
			body, ctype = `{"week_start":"monday"}`, "application/json"
		case path == "/api/v1/sources":
			body, ctype = `{"kind":"chatwoot","name":"Chatwoot"}`, "application/json"
		case strings.HasPrefix(path, "/api/v1/sources/"):
			body, ctype = `{"signing_secret":"s3cret"}`, "application/json"
		case strings.HasPrefix(path, "/api/v1/webhooks") && (method == http.MethodPost || method == http.MethodPut):
			body, ctype = `{"url":"https://hooks.example.com/q","events":["outcome.decided"]}`, "application/json"
		case strings.HasPrefix(path, "/gaps/"):
			body, ctype = "action=rename&name=renamed", "application/x-www-form-urlencoded"
		case method == http.MethodPost:
			body, ctype = "", "application/x-www-form-urlencoded"
		}
		u := srv.URL + path + "?workspace=default"
		if path == "/signin" || path == "/setup" || path == "/signout" || path == "/nowhere" || path == "/healthz" ||
			strings.HasPrefix(path, "/static/") || path == "" {
			u = srv.URL + path
		}
		req, err := http.NewRequest(method, u, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		return req
	}

	checked := 0
	for _, pattern := range slices.Sorted(maps.Keys(routeTable)) {
		perm := routeTable[pattern]
		publicStatus := map[int][]string{}
		for _, name := range slices.Sorted(maps.Keys(callers)) {
			cred := callers[name]
			if pattern == "POST /signout" {
				cred = credentials{} // signing out would end the session the other checks use
			}
			res, err := clientWith(cred, false).Do(request(pattern))
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			checked++
			got := res.StatusCode
			isAPI := strings.Contains(pattern, "/api/v1/")
			switch {
			case perm == "":
				if got == http.StatusTooManyRequests {
					got = http.StatusUnauthorized // sign-in limits count attempts, not callers
				}
				publicStatus[got] = append(publicStatus[got], name)
			case name == "anonymous" && isAPI:
				if got != http.StatusUnauthorized {
					t.Errorf("%s as %s: %d, want 401", pattern, name, got)
				}
			case name == "anonymous":
				if loc := res.Header.Get("Location"); got != http.StatusSeeOther || !strings.HasPrefix(loc, "/signin?next=") {
					t.Errorf("%s as %s: %d to %q, want 303 to /signin", pattern, name, got, loc)
				}
			case strings.HasPrefix(name, "other"):
				if got != http.StatusNotFound {
					t.Errorf("%s as %s: %d, want 404 (another workspace's data must not be seen to exist)", pattern, name, got)
				}
			case slices.Contains(grants[name], perm):
				if got == http.StatusUnauthorized || got == http.StatusForbidden || got == http.StatusNotFound {
					t.Errorf("%s as %s: %d, want it allowed", pattern, name, got)
				}
			default:
				if got != http.StatusForbidden {
					t.Errorf("%s as %s: %d, want 403", pattern, name, got)
				}
			}
		}
		if len(publicStatus) > 1 {
			t.Errorf("public route %s answers differently by caller: %v", pattern, publicStatus)
		}
	}
	t.Logf("checked %d routes × %d callers = %d requests", len(routeTable), len(callers), checked)
}

// TestSignIn walks the first run and sign-in: an empty database offers to
// create the first admin; wrong passwords fail alike for unknown emails;
// attempts are limited; sign-out ends the session.
func TestSignIn(t *testing.T) {
	t.Parallel()
	f := newFixture(t, ingest.Limits{})
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if _, h, _ := getWith(t, cl, f.srv.URL+"/reports"); h.Get("Location") != "/setup" {
		t.Fatalf("a fresh install sends /reports to %q, want /setup", h.Get("Location"))
	}
	if code, _, body := postForm(t, cl, f.srv.URL+"/setup", url.Values{"email": {"boss@example.com"}, "password": {"short"}}); code != http.StatusBadRequest || !strings.Contains(body, "<code>password</code>") {
		t.Errorf("setup with a short password: %d", code)
	}
	code, h, _ := postForm(t, cl, f.srv.URL+"/setup", url.Values{"email": {"Boss@Example.com"}, "name": {"Boss"}, "password": {testPassword}})
	cookie := cookieNamed(h, "parley_session")
	if code != http.StatusSeeOther || cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode {
		t.Fatalf("setup: %d, cookie %+v", code, cookie)
	}
	if code, _, _ := postForm(t, cl, f.srv.URL+"/setup", url.Values{"email": {"evil@example.com"}, "password": {testPassword}}); code != http.StatusForbidden {
		t.Errorf("a second setup: %d, want 403", code)
	}

	signin := func(email, password string) (int, string) {
		t.Helper()
		code, h, _ := postForm(t, cl, f.srv.URL+"/signin", url.Values{"email": {email}, "password": {password}, "next": {"/gaps?state=dismissed"}})
		return code, h.Get("Location")
	}
	if code, loc := signin("boss@example.com", testPassword); code != http.StatusSeeOther || loc != "/gaps?state=dismissed" {
		t.Errorf("sign-in: %d to %q", code, loc)
	}
	if code, _ := signin("boss@example.com", "wrong password"); code != http.StatusUnauthorized {
		t.Errorf("wrong password: %d", code)
	}
	if code, _ := signin("nobody@example.com", "wrong password"); code != http.StatusUnauthorized {
		t.Errorf("unknown email: %d", code)
	}
	limited := 0
	for range 10 {
		if code, _ := signin("boss@example.com", "guess guess guess"); code == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited == 0 {
		t.Error("ten quick wrong passwords in a row were never limited")
	}
	if code, _ := signin("evil//example.com", testPassword); code == http.StatusSeeOther {
		t.Error("signed in with a bad email")
	}

	// The session works, and sign-out ends it.
	cl2 := clientWith(credentials{cookie: cookie.Value}, false)
	if code, _, _ := getWith(t, cl2, f.srv.URL+"/settings"); code != http.StatusOK {
		t.Errorf("the admin's settings page: %d", code)
	}
	postForm(t, cl2, f.srv.URL+"/signout", nil)
	if code, _, _ := getWith(t, cl2, f.srv.URL+"/settings"); code != http.StatusSeeOther {
		t.Errorf("after sign-out: %d, want a redirect to sign in", code)
	}
}

// TestSafeNext checks the post-sign-in redirect against paths that leave
// the site once a browser reads them: browsers drop tabs and newlines and
// read a backslash as a slash. Escaped versions of those are refused at
// the start of the path too, in case something decodes them on the way.
func TestSafeNext(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ next, want string }{
		{"/reports?x=1", "/reports?x=1"},
		{"/gaps#top", "/gaps#top"},
		{"/gaps?state=dismissed&channel=chat", "/gaps?state=dismissed&channel=chat"},
		{"/conversations/a%2Fb%3Fc%23d%20%252F", "/conversations/a%2Fb%3Fc%23d%20%252F"},
		{"/", "/"},
		{"", "/reports"},
		{"reports", "/reports"},
		{"/\t/evil.example", "/reports"},
		{"/\n/evil.example", "/reports"},
		{"/\r/evil.example", "/reports"},
		{"\t//evil.example", "/reports"},
		{"/reports\x7f", "/reports"},
		{"/\\evil.example", "/reports"},
		{"/gaps\\x", "/reports"},
		{"//evil.example", "/reports"},
		{"///evil.example", "/reports"},
		{"/%09/evil.example", "/reports"},
		{"/%0a/evil.example", "/reports"},
		{"/%2F/evil.example", "/reports"},
		{"/%5C/evil.example", "/reports"},
		{"https://evil.example", "/reports"},
		{"https:/evil.example", "/reports"},
		{"javascript:alert(1)", "/reports"},
		{"/%zz", "/reports"},
	} {
		if got := web.SafeNext(tc.next); got != tc.want {
			t.Errorf("safeNext(%q) = %q, want %q", tc.next, got, tc.want)
		}
	}
}

// admin signs a new admin of the fixture's default workspace in and
// returns the workspace and a client that does not follow redirects.
func (f *fixture) admin(t *testing.T, email string) (parley.Workspace, *http.Client) {
	t.Helper()
	ws, err := f.db.Workspace(context.Background(), parley.DefaultWorkspace)
	if err != nil {
		t.Fatal(err)
	}
	return ws, clientWith(credentials{cookie: session(t, f.db, ws, email, parley.RoleAdmin, now)}, false)
}

// TestLastAdminStays tries to take the admin role from a workspace's only
// admin through each form of the people page: adding their email again
// with a lesser role, changing their role, removing them. Each is refused
// and the role stays.
func TestLastAdminStays(t *testing.T) {
	t.Parallel()
	f := newFixture(t, ingest.Limits{})
	ctx := context.Background()
	ws, cl := f.admin(t, "only@example.com")
	ms, err := f.db.Members(ctx, ws.ID)
	if err != nil || len(ms) != 1 {
		t.Fatalf("members %+v, %v", ms, err)
	}
	id := fmt.Sprint(ms[0].ID)
	for _, tc := range []struct {
		name string
		form url.Values
	}{
		{"add", url.Values{"action": {"add"}, "email": {"Only@Example.com"}, "password": {testPassword}, "role": {"viewer"}}},
		{"role", url.Values{"action": {"role"}, "user": {id}, "role": {"editor"}}},
		{"remove", url.Values{"action": {"remove"}, "user": {id}}},
	} {
		name := tc.name
		if code, _, body := postForm(t, cl, f.srv.URL+"/settings/people", tc.form); code != http.StatusConflict || !strings.Contains(body, "at least one admin") {
			t.Errorf("%s: %d, want 409 saying a workspace needs an admin", name, code)
		}
		if ms, _ := f.db.Members(ctx, ws.ID); len(ms) != 1 || ms[0].Role != parley.RoleAdmin {
			t.Errorf("%s: members now %+v", name, ms)
		}
	}
	// With a second admin, the first may step down through the add form.
	if _, err := f.db.AddMember(ctx, ws.ID, "second@example.com", "", passwordHash, parley.RoleAdmin, now); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := postForm(t, cl, f.srv.URL+"/settings/people", url.Values{"action": {"add"}, "email": {"only@example.com"}, "role": {"viewer"}, "password": {testPassword}}); code != http.StatusSeeOther {
		t.Errorf("stepping down beside another admin: %d", code)
	}
}

// TestSettingsRefuseBadValues posts settings out of SPEC §2's ranges: each
// is answered 400 naming the field, shows the value escaped, and changes
// nothing.
func TestSettingsRefuseBadValues(t *testing.T) {
	t.Parallel()
	f := newFixture(t, ingest.Limits{})
	ctx := context.Background()
	ws, cl := f.admin(t, "admin@example.com")
	good := url.Values{"time_zone": {"Asia/Taipei"}, "week_start": {"monday"}, "window_hours": {"24"}, "counted_channels": {"chat"}}
	for _, tt := range []struct{ field, value string }{
		{"counted_channels", "Bad Slug,<b>x</b>"},
		{"counted_channels", "chat, Email"},
		{"time_zone", "Local"},
		{"time_zone", ""},
		{"week_start", "friday"},
	} {
		form := maps.Clone(good)
		form.Set(tt.field, tt.value)
		code, _, body := postForm(t, cl, f.srv.URL+"/settings", form)
		if code != http.StatusBadRequest || !strings.Contains(body, "<code>"+tt.field+"</code>") {
			t.Errorf("%s=%q: %d, want 400 naming the field", tt.field, tt.value, code)
		}
		if strings.Contains(body, "<b>x</b>") {
			t.Errorf("%s=%q: the page shows the value unescaped", tt.field, tt.value)
		}
		if got, _ := f.db.Workspace(ctx, ws.Slug); fmt.Sprint(got.Settings) != fmt.Sprint(ws.Settings) {
			t.Errorf("%s=%q: settings now %+v, want unchanged %+v", tt.field, tt.value, got.Settings, ws.Settings)
		}
	}
}

// TestTokensAndAudit creates a token on the tokens page, uses it, revokes
// it, and finds every step in the audit log.
func TestTokensAndAudit(t *testing.T) {
	t.Parallel()
	srv, db, ws := reportServer(t)
	cl := clientWith(credentials{cookie: session(t, db, ws, "ops@example.com", parley.RoleAdmin, reportNow)}, false)
	code, h, body := postForm(t, cl, srv.URL+"/settings/tokens", url.Values{"name": {"agent platform"}, "scope": {"ingest", "read"}})
	i := strings.Index(body, `id="new-token">`)
	if code != http.StatusOK || i < 0 || h.Get("Cache-Control") != "no-store" {
		t.Fatalf("create token: %d", code)
	}
	secret := body[i+len(`id="new-token">`):]
	secret = secret[:strings.Index(secret, "<")]
	api := clientWith(credentials{bearer: secret}, false)
	if code, _, _ := getWith(t, api, srv.URL+"/api/v1/gaps"); code != http.StatusOK {
		t.Errorf("the new read token: %d", code)
	}
	if res, _ := api.Post(srv.URL+"/api/v1/short-answers", "application/json", strings.NewReader(`{"question":"q","answer":"a"}`)); res.StatusCode != http.StatusForbidden {
		t.Errorf("writing with a read token: %d", res.StatusCode)
	}
	tokens, err := db.Tokens(context.Background(), ws.ID)
	if err != nil || len(tokens) == 0 || tokens[0].LastUsedAt == nil || strings.Contains(fmt.Sprint(tokens), secret) {
		t.Fatalf("tokens %+v, %v: want the new one used, and no secret stored", tokens, err)
	}
	postForm(t, cl, srv.URL+"/settings/tokens", url.Values{"action": {"revoke"}, "token": {fmt.Sprint(tokens[0].ID)}})
	if code, _, _ := getWith(t, api, srv.URL+"/api/v1/gaps"); code != http.StatusUnauthorized {
		t.Errorf("a revoked token: %d", code)
	}
	_, _, page := get(t, srv.URL+"/settings/tokens")
	if strings.Contains(page, secret) {
		t.Error("the tokens page shows the secret again")
	}
	log, err := db.AuditLog(context.Background(), ws.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Actor+" "+e.Action)
	}
	for _, want := range []string{"ops@example.com token.create", "ops@example.com token.revoke"} {
		if !slices.Contains(actions, want) {
			t.Errorf("audit log %q lacks %q", actions, want)
		}
	}
}

// TestSettingsAndPeople changes the workspace's settings and adds a person
// from the admin pages; the new person can sign in with their role only.
func TestSettingsAndPeople(t *testing.T) {
	t.Parallel()
	srv, db, ws := reportServer(t)
	ctx := context.Background()
	cl := clientWith(credentials{cookie: adminCookie}, false)
	if code, _, body := postForm(t, cl, srv.URL+"/settings", url.Values{"time_zone": {"Mars/Olympus"}, "week_start": {"monday"}, "window": {"24h"}}); code != http.StatusBadRequest || !strings.Contains(body, "<code>time_zone</code>") {
		t.Errorf("an unknown time zone: %d", code)
	}
	if got, _ := db.Workspace(ctx, ws.Slug); got.SettingsVersion != 1 {
		t.Errorf("a refused change made settings version %d", got.SettingsVersion)
	}
	code, h, _ := postForm(t, cl, srv.URL+"/settings", url.Values{"time_zone": {"Asia/Taipei"}, "week_start": {"sunday"}, "window": {"48h"}, "counted_channels": {"chat, email"},
		"resolution_criterion": {"any_agent_reply"}, "failed_last_action": {"false", "true"}})
	if code != http.StatusSeeOther || h.Get("Location") != "/settings?done=recompute" {
		t.Errorf("saving settings: %d → %q", code, h.Get("Location"))
	}
	got, _ := db.Workspace(ctx, ws.Slug)
	want := parley.Settings{TimeZone: "Asia/Taipei", WeekStart: parley.WeekStartSunday, Window: 48 * time.Hour, CountedChannels: []string{"chat", "email"},
		ResolutionCriterion: parley.CriterionAnyAgentReply, FailedLastAction: true}
	if fmt.Sprint(got.Settings) != fmt.Sprint(want) || got.SettingsVersion != 2 {
		t.Errorf("settings %+v version %d, want %+v version 2", got.Settings, got.SettingsVersion, want)
	}
	// The box unticked sends only the hidden false: a change of the
	// definition, so a recompute. Settings the form leaves out stay.
	_, h, _ = postForm(t, cl, srv.URL+"/settings", url.Values{"week_start": {"monday"}, "failed_last_action": {"false"}})
	if got, _ := db.Workspace(ctx, ws.Slug); got.Settings.FailedLastAction || got.Settings.WeekStart != parley.WeekStartMonday ||
		got.Settings.TimeZone != "Asia/Taipei" || h.Get("Location") != "/settings?done=recompute" {
		t.Errorf("unticking: %+v → %q", got.Settings, h.Get("Location"))
	}

	if code, _, _ := postForm(t, cl, srv.URL+"/settings/people", url.Values{"action": {"add"}, "email": {"new@example.com"}, "password": {testPassword}, "role": {"editor"}}); code != http.StatusSeeOther {
		t.Fatalf("adding a person: %d", code)
	}
	code, h, _ = postForm(t, noRedirects, srv.URL+"/signin", url.Values{"email": {"new@example.com"}, "password": {testPassword}})
	cookie := cookieNamed(h, "parley_session")
	if cookie == nil {
		t.Fatalf("the new person cannot sign in: %d", code)
	}
	editor := clientWith(credentials{cookie: cookie.Value}, false)
	if code, _, _ := getWith(t, editor, srv.URL+"/gaps"); code != http.StatusOK {
		t.Errorf("the editor's gaps page: %d", code)
	}
	if code, _, _ := getWith(t, editor, srv.URL+"/settings"); code != http.StatusForbidden {
		t.Errorf("the editor's settings page: %d, want 403", code)
	}
	log, _ := db.AuditLog(ctx, ws.ID, 10)
	var actions, details []string
	for _, e := range log {
		actions = append(actions, e.Action)
		if e.Action == "settings.update" {
			details = append(details, e.Actor+": "+e.Detail)
		}
	}
	if !slices.Contains(actions, "user.add") {
		t.Errorf("audit log %v", actions)
	}
	wantDetails := []string{"admin@example.com: version 3: week_start=monday failed_last_action=false",
		"admin@example.com: version 2: time_zone=Asia/Taipei week_start=sunday window=48h counted_channels=chat,email resolution_criterion=any_agent_reply failed_last_action=true"}
	if diff := cmp.Diff(wantDetails, details); diff != "" {
		t.Errorf("settings changes in the audit log (-want +got):\n%s", diff)
	}
}
