package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/store"
)

// Who may do what (SPEC §7) is decided here and nowhere else: each route
// is registered with the permission it needs, and access resolves the
// caller (a session cookie or a bearer token), the workspace the request
// acts on, and whether the caller's role or token scopes allow it.

// Cookie names.
const (
	sessionCookie   = "parley_session"
	workspaceCookie = "parley_workspace"
)

// sessionLife is how long a sign-in lasts.
const sessionLife = 14 * 24 * time.Hour

// caller is who sent a request: a signed-in person or an API token.
type caller struct {
	User  *parley.User
	Token *parley.Token
	// Role is the person's role in the request's workspace.
	Role parley.Role
	// Memberships are the person's workspaces, for the switcher.
	Memberships []parley.Membership
}

// allows reports whether the caller holds a permission in the request's
// workspace: a token by its scopes, a person by their role there.
func (c *caller) allows(p parley.Permission) bool {
	if c.Token != nil {
		return parley.AllowsScopes(c.Token.Scopes, p)
	}
	return c.Role.Allows(p)
}

// Actor names the caller in the audit log.
func (c *caller) Actor() string {
	if c.Token != nil {
		return "token " + c.Token.Name
	}
	return c.User.Email
}

type callerKey struct{}

// callerOf returns the caller access stored in the request's context.
func callerOf(r *http.Request) *caller {
	c, _ := r.Context().Value(callerKey{}).(*caller)
	return c
}

// access identifies the caller, resolves the workspace and checks the
// permission. Errors are unauthorized (no valid credentials), not found
// (a workspace the caller does not belong to: it must not learn that it
// exists) or forbidden (the role or scopes fall short).
func (s *Server) access(r *http.Request, p parley.Permission) (*caller, parley.Workspace, error) {
	ctx := r.Context()
	now := s.now()
	asked := r.URL.Query().Get("workspace")
	if h := r.Header.Get("Authorization"); h != "" {
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, parley.Workspace{}, parley.Errorf(parley.KindUnauthorized, "Authorization: want a Bearer token")
		}
		t, err := s.db.UseToken(ctx, auth.Hash(strings.TrimSpace(secret)), now)
		if err != nil {
			return nil, parley.Workspace{}, err
		}
		ws, err := s.db.WorkspaceByID(ctx, t.WorkspaceID)
		if err != nil {
			return nil, ws, err
		}
		if asked != "" && asked != ws.Slug {
			return nil, ws, parley.Errorf(parley.KindNotFound, "workspace %q not found", asked)
		}
		c := &caller{Token: &t}
		if !c.allows(p) {
			return c, ws, parley.Errorf(parley.KindForbidden, "this token's scopes (%s) do not allow %s", parley.FormatScopes(t.Scopes), p)
		}
		return c, ws, nil
	}
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, parley.Workspace{}, parley.Errorf(parley.KindUnauthorized, "sign in, or send an API token")
	}
	u, err := s.db.SessionUser(ctx, auth.Hash(ck.Value), now)
	if err != nil {
		return nil, parley.Workspace{}, err
	}
	ms, err := s.db.Memberships(ctx, u.ID)
	if err != nil {
		return nil, parley.Workspace{}, err
	}
	c := &caller{User: &u, Memberships: ms}
	slug := asked
	if slug == "" {
		if wc, err := r.Cookie(workspaceCookie); err == nil {
			slug = wc.Value
		} else {
			slug = s.opt.Workspace
		}
	}
	var m *parley.Membership
	for i := range ms {
		if ms[i].Workspace.Slug == slug {
			m = &ms[i]
		}
	}
	if m == nil && asked == "" && len(ms) > 0 {
		m = &ms[0] // the remembered or default workspace is not theirs
	}
	if m == nil {
		if asked == "" {
			return c, parley.Workspace{}, parley.Errorf(parley.KindForbidden, "you belong to no workspace yet; ask an admin to add you")
		}
		return c, parley.Workspace{}, parley.Errorf(parley.KindNotFound, "workspace %q not found", asked)
	}
	c.Role = m.Role
	if !c.allows(p) {
		return c, m.Workspace, parley.Errorf(parley.KindForbidden, "your role (%s) does not allow this", m.Role)
	}
	return c, m.Workspace, nil
}

// Handlers return error. Each kind of route has one wrapper that answers a
// returned error once: an API route in the JSON error shape (apiError), a
// page with the error page in the visitor's language (pageError). Both set
// the status by the error's kind and show only its user-safe message; an
// internal error is logged with its cause and shown as "internal error".
// A handler returns an error only before it has written anything; one that
// fails after (a CSV export cut short) logs it itself and returns nil.

// apiHandler answers an API request in workspace ws.
type apiHandler func(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error

// pageHandler answers a page request in workspace ws, in language l.
type pageHandler func(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error

// public registers a route anyone may call, served by a handler that is
// not ours to change (static files, metrics).
func (s *Server) public(pattern string, h http.Handler) {
	s.routes = append(s.routes, Route{Pattern: pattern})
	s.mux.Handle(pattern, h)
}

// publicAPI registers a JSON route anyone may call.
func (s *Server) publicAPI(pattern string, h func(http.ResponseWriter, *http.Request) error) {
	s.public(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		if err := requestText(r); err != nil {
			s.failAPI(sw, r, err)
			return
		}
		s.failAPI(sw, r, h(sw, r))
	}))
}

// publicPage registers a page anyone may see (sign-in, setup, not found).
func (s *Server) publicPage(pattern string, h func(http.ResponseWriter, *http.Request, Lang) error) {
	s.public(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := langOf(w, r)
		sw := &statusWriter{ResponseWriter: w}
		if err := requestText(r); err != nil {
			s.failPage(sw, r, l, parley.Workspace{}, err)
			return
		}
		s.failPage(sw, r, l, parley.Workspace{}, h(sw, r, l))
	}))
}

// api registers a JSON route that needs permission p.
// The route takes the query parameters params (and the workspace); any
// other is refused with 400 naming it.
func (s *Server) api(pattern string, p parley.Permission, h apiHandler, params ...string) {
	s.routes = append(s.routes, Route{Pattern: pattern, Perm: p})
	known := slices.Concat(apiParams, params)
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := requestText(r); err != nil {
			s.apiError(w, r, err)
			return
		}
		c, ws, err := s.access(r, p)
		if err != nil {
			if parley.KindOf(err) == parley.KindUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="parley"`)
			}
			s.apiError(w, r, err)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), callerKey{}, c))
		sw := &statusWriter{ResponseWriter: w}
		if err := unknownParams(r, known); err != nil {
			s.failAPI(sw, r, err)
			return
		}
		s.failAPI(sw, r, h(sw, r, ws))
	})
}

// page registers an HTML route that needs permission p. A visitor who is
// not signed in is sent to sign in (or, on a fresh install, to create the
// first admin) and brought back afterwards.
// The route takes the query parameters params (and the language and the
// workspace); any other is refused with 400 naming it.
func (s *Server) page(pattern string, p parley.Permission, h pageHandler, params ...string) {
	s.routes = append(s.routes, Route{Pattern: pattern, Perm: p})
	known := slices.Concat(pageParams, params)
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		l := langOf(w, r)
		if err := requestText(r); err != nil {
			s.pageError(w, r, l, parley.Workspace{}, err)
			return
		}
		c, ws, err := s.access(r, p)
		if parley.KindOf(err) == parley.KindUnauthorized {
			if n, cerr := s.db.CountUsers(r.Context()); cerr == nil && n == 0 {
				http.Redirect(w, r, "/setup", http.StatusSeeOther)
				return
			}
			next := r.URL.RequestURI()
			if r.Method != http.MethodGet {
				next = r.URL.EscapedPath()
			}
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(next), http.StatusSeeOther)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), callerKey{}, c))
		if err != nil {
			s.pageError(w, r, l, ws, err)
			return
		}
		if r.URL.Query().Get("workspace") != "" {
			s.setCookie(w, r, workspaceCookie, ws.Slug, 365*24*time.Hour)
		}
		sw := &statusWriter{ResponseWriter: w}
		if err := unknownParams(r, known); err != nil {
			s.failPage(sw, r, l, ws, err)
			return
		}
		s.failPage(sw, r, l, ws, h(sw, r, ws, l))
	})
}

// failAPI answers the error an API handler returned, if any.
func (s *Server) failAPI(w *statusWriter, r *http.Request, err error) {
	if err != nil && !s.answered(w, r, err) {
		s.apiError(w, r, err)
	}
}

// failPage answers the error a page handler returned, if any.
func (s *Server) failPage(w *statusWriter, r *http.Request, l Lang, ws parley.Workspace, err error) {
	if err != nil && !s.answered(w, r, err) {
		s.pageError(w, r, l, ws, err)
	}
}

// answered reports whether the handler that returned err had already
// started its answer, which then cannot become an error any more; the
// error is logged instead, so that the broken promise is seen.
func (s *Server) answered(w *statusWriter, r *http.Request, err error) bool {
	if w.status == 0 {
		return false
	}
	s.log.ErrorContext(r.Context(), "handler failed after answering", "method", r.Method, "path", loggedPath(r), "status", w.status, "err", err)
	return true
}

// setCookie sets an HttpOnly, SameSite=Lax cookie, Secure over TLS or
// when the server is told it sits behind TLS.
func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, life time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil || s.opt.SecureCookies}
	if life < 0 {
		c.MaxAge = -1
	} else {
		c.MaxAge = int(life / time.Second)
	}
	http.SetCookie(w, c)
}

// audit records a change made by the request's caller. A failure to record
// is logged, not shown: the change itself is done.
func (s *Server) audit(r *http.Request, ws parley.Workspace, action, subject, detail string) {
	s.auditEntry(r, ws, parley.AuditEntry{Action: action, Subject: subject, Detail: detail})
}

// auditEntry records e, done now by the request's caller.
func (s *Server) auditEntry(r *http.Request, ws parley.Workspace, e parley.AuditEntry) {
	c := callerOf(r)
	if c == nil {
		return
	}
	e.Actor, e.At = c.Actor(), s.now()
	if err := s.db.Audit(r.Context(), ws.ID, e); err != nil {
		s.log.ErrorContext(r.Context(), "audit failed", "action", e.Action, "err", err)
	}
}

// safeNext keeps a post-sign-in redirect on this site: it returns next
// when next is a path of this origin and /reports otherwise. Prefix checks
// alone are not enough: browsers drop tabs and newlines from a Location
// and read a backslash as a slash, so "/\t/evil.example" and
// "/\\evil.example" would leave the site. So next must hold no control
// character and no backslash, start with exactly one slash, and parse to
// no scheme, host or user. Its decoded path must not start with two
// slashes either, read as a browser would ("/%09/evil", "/%2F/evil",
// "/%5C/evil" are refused): the header carries them escaped, which a
// browser keeps on this site, but a proxy that decodes them would not,
// and no page of ours has such a path. Escapes further in, as in a
// conversation id with a slash, stay allowed.
func safeNext(next string) string {
	const fallback = "/reports"
	bad := func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsFunc(next, bad) {
		return fallback
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return fallback
	}
	read := strings.Map(func(r rune) rune { // the decoded path as a browser reads it
		switch {
		case r == '\\':
			return '/'
		case bad(r):
			return -1
		}
		return r
	}, u.Path)
	if !strings.HasPrefix(read, "/") || strings.HasPrefix(read, "//") {
		return fallback
	}
	return next
}

// signinView is what the sign-in and setup pages show.
type signinView struct {
	Email, Name, Next string
	Problems          []parley.Problem
	Message           string
}

func (s *Server) signinPage(w http.ResponseWriter, r *http.Request, l Lang) error {
	if n, err := s.db.CountUsers(r.Context()); err == nil && n == 0 {
		http.Redirect(w, r, "/setup", http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, http.StatusOK, "signin", &page{L: l, Title: l.T("signin.title"), Data: &signinView{Next: safeNext(r.URL.Query().Get("next"))}})
}

func (s *Server) postSignin(w http.ResponseWriter, r *http.Request, l Lang) error {
	if err := parseForm(w, r, maxSmallForm); err != nil {
		return err
	}
	email := strings.ToLower(strings.TrimSpace(r.PostForm.Get("email")))
	v := &signinView{Email: email, Next: safeNext(r.PostForm.Get("next"))}
	fail := func(status int, msg string) error {
		v.Message = msg
		return s.render(w, r, status, "signin", &page{L: l, Title: l.T("signin.title"), Data: v})
	}
	addr := s.clientAddr(r)
	if wait := s.signins.attempt(s.now(), email, addr); wait > 0 {
		w.Header().Set("Retry-After", retryAfter(wait))
		return fail(http.StatusTooManyRequests, l.T("signin.slow"))
	}
	u, hash, err := s.db.Credentials(r.Context(), email)
	if err != nil && parley.KindOf(err) != parley.KindNotFound {
		return err
	}
	ok := false
	if err == nil {
		if ok, err = auth.CheckPassword(hash, r.PostForm.Get("password")); err != nil {
			return err
		}
	} else {
		// Spend the same time for an unknown email as for a wrong password.
		auth.CheckPassword(dummyHash, r.PostForm.Get("password"))
	}
	if !ok {
		return fail(http.StatusUnauthorized, l.T("signin.wrong"))
	}
	s.signins.succeeded(email, addr)
	if err := s.startSession(w, r, u); err != nil {
		return err
	}
	http.Redirect(w, r, v.Next, http.StatusSeeOther)
	return nil
}

// dummyHash is checked against when the email is unknown.
var dummyHash = func() string {
	h, err := auth.HashPassword("not anybody's password")
	if err != nil {
		panic(err)
	}
	return h
}()

// startSession signs a user in with a new session cookie.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u parley.User) error {
	secret, err := auth.NewSecret("")
	if err != nil {
		return err
	}
	now := s.now()
	if err := s.db.CreateSession(r.Context(), auth.Hash(secret), u.ID, now, now.Add(sessionLife)); err != nil {
		return err
	}
	s.setCookie(w, r, sessionCookie, secret, sessionLife)
	return nil
}

func (s *Server) postSignout(w http.ResponseWriter, r *http.Request, l Lang) error {
	if ck, err := r.Cookie(sessionCookie); err == nil {
		if err := s.db.DeleteSession(r.Context(), auth.Hash(ck.Value)); err != nil {
			s.log.ErrorContext(r.Context(), "sign-out failed", "err", err)
		}
	}
	s.setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
	return nil
}

// setupPage offers to create the first admin, on a database with nobody in it.
func (s *Server) setupPage(w http.ResponseWriter, r *http.Request, l Lang) error {
	if n, err := s.db.CountUsers(r.Context()); err != nil || n > 0 {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, http.StatusOK, "setup", &page{L: l, Title: l.T("setup.title"), Data: &signinView{}})
}

func (s *Server) postSetup(w http.ResponseWriter, r *http.Request, l Lang) error {
	ctx := r.Context()
	if err := parseForm(w, r, maxSmallForm); err != nil {
		return err
	}
	// Checked again, and for good, in the transaction that creates the
	// admin; this spares a hash for a setup that is plainly too late.
	if n, err := s.db.CountUsers(ctx); err != nil || n > 0 {
		return store.ErrNotFirstRun
	}
	in := parley.NewUserInput{Email: r.PostForm.Get("email"), Name: strings.TrimSpace(r.PostForm.Get("name")),
		Password: r.PostForm.Get("password"), Role: parley.RoleAdmin}
	v := &signinView{Email: in.Email, Name: in.Name}
	email, err := in.Validate()
	if err != nil {
		v.Problems = parley.ProblemsOf(err)
		return s.render(w, r, http.StatusBadRequest, "setup", &page{L: l, Title: l.T("setup.title"), Data: v})
	}
	ws, err := s.db.EnsureWorkspace(ctx, s.opt.Workspace, s.now())
	if err != nil {
		return err
	}
	hash, err := auth.HashPassword(in.Password)
	if err != nil {
		return err
	}
	m, err := s.db.CreateFirstAdmin(ctx, ws.ID, email, in.Name, hash, s.now())
	if err != nil {
		return err
	}
	if err := s.startSession(w, r, m.User); err != nil {
		return err
	}
	http.Redirect(w, r, "/reports", http.StatusSeeOther)
	return nil
}
