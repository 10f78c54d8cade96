package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/auth"
)

// The admin pages: workspace settings, people, API tokens, audit log.

// settingsView is what the settings page shows.
type settingsView struct {
	Settings    parley.Settings
	WindowHours string
	Channels    string
	Problems    []parley.Problem
	Done        string
}

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	st := ws.Settings
	v := &settingsView{Settings: st, WindowHours: strconv.FormatFloat(st.Window.Hours(), 'f', -1, 64),
		Channels: strings.Join(st.CountedChannels, ", "), Done: r.URL.Query().Get("done")}
	return s.render(w, r, http.StatusOK, "settings", &page{L: l, Title: l.T("settings.title"), Nav: "settings", Workspace: ws, Data: v})
}

func (s *Server) postSettings(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	if err := parseForm(w, r, maxSmallForm); err != nil {
		return err
	}
	f := r.PostForm
	st := parley.Settings{TimeZone: strings.TrimSpace(f.Get("time_zone")), WeekStart: parley.WeekStart(f.Get("week_start"))}
	v := &settingsView{Settings: st, WindowHours: f.Get("window_hours"), Channels: f.Get("counted_channels")}
	var problems []parley.Problem
	if h, err := strconv.ParseFloat(strings.TrimSpace(v.WindowHours), 64); err != nil {
		problems = append(problems, parley.FieldProblem("window", "must be a number of hours"))
	} else {
		st.Window = time.Duration(h * float64(time.Hour))
	}
	for c := range strings.SplitSeq(v.Channels, ",") {
		if c = strings.TrimSpace(c); c != "" && !slices.Contains(st.CountedChannels, c) {
			st.CountedChannels = append(st.CountedChannels, c)
		}
	}
	var (
		recompute bool
		err       error = parley.InvalidInput(problems)
	)
	if len(problems) == 0 {
		recompute, err = s.db.UpdateSettings(r.Context(), ws.ID, st)
	}
	if err != nil {
		if parley.KindOf(err) == parley.KindInvalid {
			v.Problems = parley.ProblemsOf(err)
			return s.render(w, r, http.StatusBadRequest, "settings", &page{L: l, Title: l.T("settings.title"), Nav: "settings", Workspace: ws, Data: v})
		}
		return err
	}
	s.audit(r, ws, "settings.update", ws.Slug, fmt.Sprintf("time zone %s, week starts %s, window %s, counted channels %q",
		st.TimeZone, st.WeekStart, st.Window, st.CountedChannels))
	done := "saved"
	if recompute {
		done = "recompute"
	}
	http.Redirect(w, r, "/settings?done="+done, http.StatusSeeOther)
	return nil
}

// peopleView is what the people page shows.
type peopleView struct {
	Members  []parley.Member
	Roles    []parley.Role
	Form     parley.NewUserInput
	Problems []parley.Problem
	Done     string
}

func (s *Server) peoplePage(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	return s.renderPeople(w, r, ws, l, http.StatusOK, &peopleView{Form: parley.NewUserInput{Role: parley.RoleViewer}})
}

func (s *Server) renderPeople(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang, status int, v *peopleView) error {
	ms, err := s.db.Members(r.Context(), ws.ID)
	if err != nil {
		return err
	}
	v.Members, v.Roles = ms, parley.Roles
	if v.Done == "" {
		v.Done = r.URL.Query().Get("done")
	}
	return s.render(w, r, status, "people", &page{L: l, Title: l.T("people.title"), Nav: "settings", Workspace: ws, Data: v})
}

// postPeople adds a person, changes a role or removes a member.
func (s *Server) postPeople(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	if err := parseForm(w, r, maxSmallForm); err != nil {
		return err
	}
	f := r.PostForm
	ctx := r.Context()
	var err error
	switch f.Get("action") {
	case "add":
		in := parley.NewUserInput{Email: f.Get("email"), Name: strings.TrimSpace(f.Get("name")), Password: f.Get("password"), Role: parley.Role(f.Get("role"))}
		email, verr := in.Validate()
		if verr != nil {
			return s.renderPeople(w, r, ws, l, http.StatusBadRequest, &peopleView{Form: parley.NewUserInput{Email: in.Email, Name: in.Name, Role: in.Role}, Problems: parley.ProblemsOf(verr)})
		}
		var hash string
		if hash, err = auth.HashPassword(in.Password); err == nil {
			_, err = s.db.AddMember(ctx, ws.ID, email, in.Name, hash, in.Role, s.now())
		}
		if err == nil {
			s.audit(r, ws, "user.add", email, "role "+string(in.Role))
		}
	case "role", "remove":
		id, perr := strconv.ParseInt(f.Get("user"), 10, 64)
		if perr != nil {
			err = parley.InvalidInput([]parley.Problem{parley.FieldProblem("user", "must be a user id")})
			break
		}
		if f.Get("action") == "remove" {
			if err = s.db.RemoveMember(ctx, ws.ID, id); err == nil {
				s.audit(r, ws, "user.remove", "user "+strconv.FormatInt(id, 10), "")
			}
			break
		}
		role := parley.Role(f.Get("role"))
		if !slices.Contains(parley.Roles, role) {
			err = parley.InvalidInput([]parley.Problem{parley.FieldProblem("role", "must be viewer, editor or admin")})
			break
		}
		if err = s.db.SetRole(ctx, ws.ID, id, role); err == nil {
			s.audit(r, ws, "user.role", "user "+strconv.FormatInt(id, 10), "role "+string(role))
		}
	default:
		err = parley.InvalidInput([]parley.Problem{parley.FieldProblem("action", "must be add, role or remove")})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/settings/people?done="+f.Get("action"), http.StatusSeeOther)
	return nil
}

// tokensView is what the tokens page shows. Secret is set once, right
// after a token is created, and never again.
type tokensView struct {
	Tokens   []parley.Token
	Scopes   []parley.Scope
	Secret   string
	Problems []parley.Problem
	Loc      *time.Location
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	return s.renderTokens(w, r, ws, l, http.StatusOK, &tokensView{})
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang, status int, v *tokensView) error {
	ts, err := s.db.Tokens(r.Context(), ws.ID)
	if err != nil {
		return err
	}
	v.Tokens, v.Scopes = ts, parley.Scopes
	v.Loc, _ = ws.Settings.Location()
	// A page showing a secret must not be cached anywhere.
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, r, status, "tokens", &page{L: l, Title: l.T("tokens.title"), Nav: "settings", Workspace: ws, Data: v})
}

// postTokens creates a token (showing its secret once) or revokes one.
func (s *Server) postTokens(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	if err := parseForm(w, r, maxSmallForm); err != nil {
		return err
	}
	f := r.PostForm
	if f.Get("action") == "revoke" {
		id, _ := strconv.ParseInt(f.Get("token"), 10, 64)
		if err := s.db.RevokeToken(r.Context(), ws.ID, id, s.now()); err != nil {
			return err
		}
		s.audit(r, ws, "token.revoke", "token "+strconv.FormatInt(id, 10), "")
		http.Redirect(w, r, "/settings/tokens", http.StatusSeeOther)
		return nil
	}
	scopes, err := parley.ParseScopes(strings.Join(f["scope"], ","))
	if err != nil {
		return s.renderTokens(w, r, ws, l, http.StatusBadRequest, &tokensView{Problems: parley.ProblemsOf(err)})
	}
	secret, t, err := s.createToken(r, ws, strings.TrimSpace(f.Get("name")), scopes)
	if err != nil {
		if parley.KindOf(err) == parley.KindInvalid {
			return s.renderTokens(w, r, ws, l, http.StatusBadRequest, &tokensView{Problems: parley.ProblemsOf(err)})
		}
		return err
	}
	s.audit(r, ws, "token.create", t.Name, "scopes "+parley.FormatScopes(t.Scopes))
	return s.renderTokens(w, r, ws, l, http.StatusOK, &tokensView{Secret: secret})
}

// createToken makes a token and returns its secret, which is not stored.
func (s *Server) createToken(r *http.Request, ws parley.Workspace, name string, scopes []parley.Scope) (string, parley.Token, error) {
	secret, hash, hint, err := auth.NewToken()
	if err != nil {
		return "", parley.Token{}, err
	}
	t, err := s.db.CreateToken(r.Context(), ws.ID, name, hash, hint, scopes, s.now())
	return secret, t, err
}

// auditView is what the audit page shows.
type auditView struct {
	Entries []parley.AuditEntry
	Loc     *time.Location
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	es, err := s.db.AuditLog(r.Context(), ws.ID, 500)
	if err != nil {
		return err
	}
	loc, _ := ws.Settings.Location()
	return s.render(w, r, http.StatusOK, "audit", &page{L: l, Title: l.T("audit.title"), Nav: "settings", Workspace: ws, Data: &auditView{Entries: es, Loc: loc}})
}
