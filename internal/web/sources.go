package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/auth"
)

// Sources, for admins: the API under /api/v1/sources and the Settings ›
// Sources page, both through createSource and the store.

// sourceJSON is a source as the API and the page show it.
type sourceJSON struct {
	parley.InboundSource
	// URL is where the platform sends. A Chatwoot source's holds its
	// token, so it is known only when the source is created; an otlp
	// source's is the exporter's endpoint, its token going in a header.
	URL string `json:"url,omitempty"`
	// Token is the source's secret, shown once, when it is created.
	Token string `json:"token,omitempty"`
	// Refused says what this process refused before authentication (a
	// bad signature, a stale timestamp) since it started.
	Refused *refusalJSON `json:"refused,omitempty"`
}

type refusalJSON struct {
	Count  int64     `json:"count"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// sourceURL is where a source's platform sends, on this server; token is
// "" when it is not known.
func (s *Server) sourceURL(r *http.Request, kind parley.SourceKind, token string) string {
	path := parley.SourcePath(kind, token)
	if path == "" {
		return ""
	}
	base := url.URL{Scheme: "http", Host: r.Host, Path: path}
	if r.TLS != nil || s.opt.SecureCookies {
		base.Scheme = "https"
	}
	return base.String()
}

func (s *Server) sourceJSON(r *http.Request, src parley.InboundSource, token string) sourceJSON {
	v := sourceJSON{InboundSource: src, URL: s.sourceURL(r, src.Kind, token), Token: token}
	if f, ok := s.refusals.of(src.ID); ok {
		v.Refused = &refusalJSON{Count: f.Count, Reason: f.Reason, At: f.At}
	}
	return v
}

// createSource makes a source and its token, which is returned and not
// stored.
func (s *Server) createSource(r *http.Request, ws parley.Workspace, in parley.NewSource) (parley.InboundSource, string, error) {
	secret, hash, hint, err := auth.NewSourceToken()
	if err != nil {
		return parley.InboundSource{}, "", err
	}
	src, err := s.db.CreateSource(r.Context(), ws.ID, in, hash, hint, s.now())
	if err != nil {
		return src, "", err
	}
	s.audit(r, ws, "source.create", fmt.Sprintf("source %d", src.ID), fmt.Sprintf("%s %q, signed %v", src.Kind, src.Name, src.Signed))
	return src, secret, nil
}

// setSourceSecret sets or removes a source's signing secret.
func (s *Server) setSourceSecret(r *http.Request, ws parley.Workspace, id int64, secret string) (parley.InboundSource, error) {
	src, err := s.db.SetSourceSecret(r.Context(), ws.ID, id, secret)
	if err != nil {
		return src, err
	}
	s.audit(r, ws, "source.secret", fmt.Sprintf("source %d", id), map[bool]string{true: "signing secret set", false: "signing secret removed"}[src.Signed])
	return src, nil
}

// revokeSource stops a source.
func (s *Server) revokeSource(r *http.Request, ws parley.Workspace, id int64) error {
	if err := s.db.RevokeSource(r.Context(), ws.ID, id, s.now()); err != nil {
		return err
	}
	s.audit(r, ws, "source.revoke", fmt.Sprintf("source %d", id), "")
	return nil
}

func (s *Server) getSources(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	srcs, err := s.db.Sources(r.Context(), ws.ID)
	if err != nil {
		return err
	}
	out := make([]sourceJSON, len(srcs))
	for i, src := range srcs {
		out[i] = s.sourceJSON(r, src, "")
	}
	return writeJSON(w, http.StatusOK, map[string]any{"sources": out})
}

func (s *Server) getSource(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	id, err := pathID(r, "source")
	if err != nil {
		return err
	}
	src, err := s.db.Source(r.Context(), ws.ID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.sourceJSON(r, src, ""))
}

func (s *Server) postSource(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	var req struct {
		Kind          parley.SourceKind `json:"kind"`
		Name          string            `json:"name"`
		SigningSecret string            `json:"signing_secret"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	src, token, err := s.createSource(r, ws, parley.NewSource{Kind: req.Kind, Name: strings.TrimSpace(req.Name), SigningSecret: req.SigningSecret})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, s.sourceJSON(r, src, token))
}

// patchSource changes what of a source may change: its signing secret
// (Chatwoot makes the secret when the webhook is saved, after Parley made
// the URL), or "" to remove it.
func (s *Server) patchSource(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	id, err := pathID(r, "source")
	if err != nil {
		return err
	}
	var req struct {
		SigningSecret *string `json:"signing_secret"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.SigningSecret == nil {
		return parley.InvalidInput([]parley.Problem{parley.FieldProblem("signing_secret", "required: the new secret, or \"\" to remove it")})
	}
	src, err := s.setSourceSecret(r, ws, id, *req.SigningSecret)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.sourceJSON(r, src, ""))
}

// deleteSource revokes a source: its token stops at once; the source stays
// listed, with its counts, and is answered as GET answers it.
func (s *Server) deleteSource(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	id, err := pathID(r, "source")
	if err != nil {
		return err
	}
	if err := s.revokeSource(r, ws, id); err != nil {
		return err
	}
	return s.getSource(w, r, ws)
}

// sourcesView is what the Sources page shows. Created is set once, right
// after a source is made, with its URL and token.
type sourcesView struct {
	Sources  []sourceJSON
	Kinds    []parley.SourceKind
	Created  *sourceJSON
	Form     parley.NewSource
	Problems []parley.Problem
	Done     string
	Loc      *time.Location
}

func (s *Server) sourcesPage(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	return s.renderSources(w, r, ws, l, http.StatusOK, &sourcesView{Form: parley.NewSource{Kind: parley.SourceChatwoot}, Done: r.URL.Query().Get("done")})
}

func (s *Server) renderSources(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang, status int, v *sourcesView) error {
	srcs, err := s.db.Sources(r.Context(), ws.ID)
	if err != nil {
		return err
	}
	for _, src := range srcs {
		v.Sources = append(v.Sources, s.sourceJSON(r, src, ""))
	}
	v.Kinds = parley.SourceKinds
	v.Loc, _ = ws.Settings.Location()
	return s.renderSetting(w, r, status, "sources", "sources", ws, l, v)
}

// postSources creates a source (showing its URL and token once), sets or
// removes a signing secret, or revokes a source.
func (s *Server) postSources(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	if err := parseForm(w, r, maxSmallForm); err != nil {
		return err
	}
	f := r.PostForm
	bad := func(err error, v *sourcesView) error {
		if parley.KindOf(err) != parley.KindInvalid {
			return err
		}
		v.Problems = parley.ProblemsOf(err)
		return s.renderSources(w, r, ws, l, http.StatusBadRequest, v)
	}
	switch action := f.Get("action"); action {
	case "create":
		in := parley.NewSource{Kind: parley.SourceKind(f.Get("kind")), Name: strings.TrimSpace(f.Get("name")), SigningSecret: strings.TrimSpace(f.Get("signing_secret"))}
		src, token, err := s.createSource(r, ws, in)
		if err != nil {
			in.SigningSecret = ""
			return bad(err, &sourcesView{Form: in})
		}
		created := s.sourceJSON(r, src, token)
		return s.renderSources(w, r, ws, l, http.StatusOK, &sourcesView{Form: parley.NewSource{Kind: in.Kind}, Created: &created})
	case "secret", "unsign", "revoke":
		id, err := strconv.ParseInt(f.Get("source"), 10, 64)
		if err != nil {
			return parley.InvalidInput([]parley.Problem{parley.FieldProblem("source", "must be a source id")})
		}
		switch action {
		case "secret":
			secret := strings.TrimSpace(f.Get("signing_secret"))
			if secret == "" {
				return bad(parley.InvalidInput([]parley.Problem{parley.FieldProblem("signing_secret", "is required")}), &sourcesView{Form: parley.NewSource{Kind: parley.SourceChatwoot}})
			}
			_, err = s.setSourceSecret(r, ws, id, secret)
		case "unsign":
			_, err = s.setSourceSecret(r, ws, id, "")
		default:
			err = s.revokeSource(r, ws, id)
		}
		if err != nil {
			return bad(err, &sourcesView{Form: parley.NewSource{Kind: parley.SourceChatwoot}})
		}
		http.Redirect(w, r, "/settings/sources?done="+action, http.StatusSeeOther)
		return nil
	default:
		return parley.InvalidInput([]parley.Problem{parley.FieldProblem("action", "must be create, secret, unsign or revoke")})
	}
}
