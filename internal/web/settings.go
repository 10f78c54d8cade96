package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/store"
)

// The admin pages: workspace settings, people, API tokens, audit log.

// renderSetting renders a page of the Settings tabs: under the Settings
// navigation, titled by its tab (the catalogue's tab.title), which a
// webhook's and a delivery's pages share with the list of webhooks.
func (s *Server) renderSetting(w http.ResponseWriter, r *http.Request, status int, name, tab string, ws parley.Workspace, l Lang, data any) error {
	return s.render(w, r, status, name, &page{L: l, Title: l.T(tab + ".title"), Nav: "settings", Workspace: ws, Data: data})
}

// settingsView is what the settings page shows: each setting as text, as
// the form holds it (parley.Settings.Text).
type settingsView struct {
	Values   map[string]string
	Version  int64
	Criteria []parley.Criterion
	Problems []parley.Problem
	Done     string
}

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	v := &settingsView{Values: map[string]string{}, Version: ws.SettingsVersion, Criteria: parley.ResolutionCriteria, Done: r.URL.Query().Get("done")}
	for _, k := range parley.SettingKeys {
		v.Values[k] = ws.Settings.Text(k)
	}
	v.Values["counted_channels"] = strings.Join(ws.Settings.CountedChannels, ", ")
	return s.renderSetting(w, r, http.StatusOK, "settings", "settings", ws, l, v)
}

// postSettings changes every setting of the form at once, through the one
// settings change the API and the command line make too.
func (s *Server) postSettings(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	if err := parseForm(w, r, maxSmallForm); err != nil {
		return err
	}
	// A setting the form does not send keeps its value. The form sends
	// failed_last_action=false before its box, which sends true when
	// ticked: the last value counts.
	values := map[string]string{}
	for _, k := range parley.SettingKeys {
		if vs := r.PostForm[k]; len(vs) > 0 {
			values[k] = vs[len(vs)-1]
		}
	}
	change, err := s.changeSettings(r, ws, func(cur parley.Settings) (parley.Settings, error) { return cur.ApplyText(values) })
	if parley.KindOf(err) == parley.KindInvalid {
		for _, k := range parley.SettingKeys {
			if _, sent := values[k]; !sent {
				values[k] = ws.Settings.Text(k)
			}
		}
		v := &settingsView{Values: values, Version: ws.SettingsVersion, Criteria: parley.ResolutionCriteria, Problems: parley.ProblemsOf(err)}
		return s.renderSetting(w, r, http.StatusBadRequest, "settings", "settings", ws, l, v)
	}
	if err != nil {
		return err
	}
	done := "saved"
	if change.Recompute {
		done = "recompute"
	}
	http.Redirect(w, r, "/settings?done="+done, http.StatusSeeOther)
	return nil
}

// changeSettings makes a settings change as the request's caller.
func (s *Server) changeSettings(r *http.Request, ws parley.Workspace, change func(parley.Settings) (parley.Settings, error)) (store.SettingsChange, error) {
	actor := "unknown"
	if c := callerOf(r); c != nil {
		actor = c.Actor()
	}
	c, err := s.db.ChangeSettings(r.Context(), ws.ID, change, actor, s.now())
	if err == nil && c.Recompute && s.opt.OnEvents != nil {
		s.opt.OnEvents() // the worker starts on the new settings now
	}
	return c, err
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
	return s.renderSetting(w, r, status, "people", "people", ws, l, v)
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
			s.auditEntry(r, ws, parley.AuditEntry{Action: "user.add", Subject: email, Detail: "role " + string(in.Role), New: string(in.Role)})
		}
	case "role", "remove":
		id, perr := strconv.ParseInt(f.Get("user"), 10, 64)
		if perr != nil {
			err = parley.InvalidInput([]parley.Problem{parley.FieldProblem("user", "must be a user id")})
			break
		}
		// The audit log names the person and the role they had.
		who := parley.Member{}
		members, merr := s.db.Members(ctx, ws.ID)
		if merr != nil {
			return merr
		}
		for _, m := range members {
			if m.ID == id {
				who = m
			}
		}
		subject := who.Email
		if subject == "" {
			subject = "user " + strconv.FormatInt(id, 10)
		}
		if f.Get("action") == "remove" {
			if err = s.db.RemoveMember(ctx, ws.ID, id); err == nil {
				s.auditEntry(r, ws, parley.AuditEntry{Action: "user.remove", Subject: subject, Old: string(who.Role)})
			}
			break
		}
		role := parley.Role(f.Get("role"))
		if !slices.Contains(parley.Roles, role) {
			err = parley.InvalidInput([]parley.Problem{parley.FieldProblem("role", "must be viewer, editor or admin")})
			break
		}
		if err = s.db.SetRole(ctx, ws.ID, id, role); err == nil {
			s.auditEntry(r, ws, parley.AuditEntry{Action: "user.role", Subject: subject, Detail: "role " + string(role),
				Old: string(who.Role), New: string(role)})
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
	return s.renderSetting(w, r, status, "tokens", "tokens", ws, l, v)
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

// setAsideView is what the Set aside page shows.
type setAsideView struct {
	Conversations []store.SetAside
	Loc           *time.Location
	// Retried is how many conversations a retry just made due, or 0.
	Retried int64
}

// setAsideLimit bounds the conversations the page lists.
const setAsideLimit = 500

// setAsidePage lists the conversations whose evaluation failed.
func (s *Server) setAsidePage(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	return s.renderSetAside(w, r, ws, l, 0)
}

func (s *Server) renderSetAside(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang, retried int64) error {
	cs, err := s.db.SetAsideConversations(r.Context(), ws.ID, setAsideLimit)
	if err != nil {
		return err
	}
	loc, _ := ws.Settings.Location()
	return s.renderSetting(w, r, http.StatusOK, "setaside", "setaside", ws, l, &setAsideView{Conversations: cs, Loc: loc, Retried: retried})
}

// postSetAside retries one conversation set aside, or all of them.
func (s *Server) postSetAside(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	if err := parseForm(w, r, maxSmallForm); err != nil {
		return err
	}
	var ids []string
	subject := "all"
	switch f := r.PostForm; f.Get("action") {
	case "retry":
		id := f.Get("conversation")
		if id == "" {
			return parley.InvalidInput([]parley.Problem{parley.FieldProblem("conversation", "name the conversation to retry")})
		}
		ids, subject = []string{id}, id
	case "retry-all":
	default:
		return parley.InvalidInput([]parley.Problem{parley.FieldProblem("action", "want retry or retry-all")})
	}
	n, err := s.db.RetrySetAside(r.Context(), ws.ID, ids)
	if err != nil {
		return err
	}
	s.audit(r, ws, "conversations.retry", subject, strconv.FormatInt(n, 10)+" set aside")
	if s.opt.OnEvents != nil {
		s.opt.OnEvents() // wake the worker
	}
	return s.renderSetAside(w, r, ws, l, n)
}
