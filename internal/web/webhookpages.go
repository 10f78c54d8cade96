package web

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/webhook"
)

// Settings › Webhooks: the list and the new-webhook form, one webhook's
// settings and delivery log, and one delivery's payload and attempts.

// webhooksView is what Settings › Webhooks shows.
type webhooksView struct {
	Webhooks []parley.Webhook
	Events   []parley.WebhookEvent
	Form     parley.WebhookInput
	Problems []parley.Problem
	// Created is the webhook just made, with its secret, shown once.
	Created *parley.Webhook
	Loc     *time.Location
}

// Checked reports whether the form ticks an event.
func (v *webhooksView) Checked(e parley.WebhookEvent) bool { return slices.Contains(v.Form.Events, e) }

func (s *Server) webhooksPage(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	return s.renderWebhooks(w, r, ws, l, http.StatusOK, &webhooksView{Form: parley.WebhookInput{Events: parley.WebhookEvents}})
}

func (s *Server) renderWebhooks(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang, status int, v *webhooksView) error {
	hooks, err := s.db.Webhooks(r.Context(), ws.ID)
	if err != nil {
		return err
	}
	v.Webhooks, v.Events = hooks, parley.WebhookEvents
	v.Loc, _ = ws.Settings.Location()
	return s.renderSetting(w, r, status, "webhooks", "webhooks", ws, l, v)
}

// formInput reads a webhook form.
func formInput(f url.Values) parley.WebhookInput {
	in := parley.WebhookInput{URL: f.Get("url"), Description: strings.TrimSpace(f.Get("description")), Paused: f.Get("paused") == "true"}
	for _, e := range f["event"] {
		in.Events = append(in.Events, parley.WebhookEvent(e))
	}
	return in
}

// postWebhooks creates a webhook and shows its secret once.
func (s *Server) postWebhooks(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	if err := parseForm(w, r, maxSmallForm); err != nil {
		return err
	}
	in := formInput(r.PostForm)
	hook, err := webhook.Create(r.Context(), s.db, ws.ID, s.opt.WebhookPolicy, in, actor(r), s.now())
	if parley.KindOf(err) == parley.KindInvalid {
		return s.renderWebhooks(w, r, ws, l, http.StatusBadRequest, &webhooksView{Form: in, Problems: parley.ProblemsOf(err)})
	}
	if err != nil {
		return err
	}
	return s.renderWebhooks(w, r, ws, l, http.StatusOK, &webhooksView{Form: parley.WebhookInput{Events: parley.WebhookEvents}, Created: &hook})
}

// webhookView is a webhook's page: its settings and its delivery log.
type webhookView struct {
	Webhook    parley.Webhook
	Events     []parley.WebhookEvent
	States     []parley.DeliveryState
	Form       parley.WebhookInput
	Problems   []parley.Problem
	Deliveries []parley.Delivery
	Filter     store.DeliveryFilter
	// Next links the following page of the log; empty on the last.
	Next href
	// Secret is a rotated secret, shown once.
	Secret string
	Done   string
	Loc    *time.Location
}

// Checked reports whether the form ticks an event.
func (v *webhookView) Checked(e parley.WebhookEvent) bool { return slices.Contains(v.Form.Events, e) }

// StateURL links the log filtered by a state ("" for every state).
func (v *webhookView) StateURL(state parley.DeliveryState) template.URL {
	return hrefTo(webhookPath(v.Webhook.ID), nil).Set("state", string(state)).URL()
}

// DeliveryURL links one delivery's page.
func (v *webhookView) DeliveryURL(id int64) string {
	return webhookPath(v.Webhook.ID) + "/deliveries/" + strconv.FormatInt(id, 10)
}

// NextURL links the next page of the log.
func (v *webhookView) NextURL() template.URL { return v.Next.URL() }

func webhookPath(id int64) string { return pathOf("settings", "webhooks", strconv.FormatInt(id, 10)) }

func (s *Server) webhookPage(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	hook, err := s.webhookOf(r, ws)
	if err != nil {
		return err
	}
	v := &webhookView{Webhook: hook, Form: parley.WebhookInput{URL: hook.URL, Events: hook.Events, Description: hook.Description, Paused: hook.Paused},
		Done: r.URL.Query().Get("done")}
	return s.renderWebhook(w, r, ws, l, http.StatusOK, v)
}

func (s *Server) renderWebhook(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang, status int, v *webhookView) error {
	q := r.URL.Query()
	f, err := deliveryFilter(q, v.Webhook.ID)
	if err != nil {
		return err
	}
	ds, err := s.db.Deliveries(r.Context(), ws.ID, f)
	if err != nil {
		return err
	}
	v.Deliveries, v.Filter, v.Events, v.States = ds, f, parley.WebhookEvents, parley.DeliveryStates
	if len(ds) == f.Limit {
		v.Next = hrefTo(webhookPath(v.Webhook.ID), nil).Set("state", string(f.State), "event", string(f.Event),
			"before", strconv.FormatInt(ds[len(ds)-1].ID, 10))
	}
	v.Loc, _ = ws.Settings.Location()
	return s.renderSetting(w, r, status, "webhook", "webhooks", ws, l, v)
}

// postWebhookPage changes, tests, rotates the secret of or deletes a
// webhook, or replays one of its deliveries.
func (s *Server) postWebhookPage(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	hook, err := s.webhookOf(r, ws)
	if err != nil {
		return err
	}
	if err := parseForm(w, r, maxSmallForm); err != nil {
		return err
	}
	ctx, f := r.Context(), r.PostForm
	back := webhookPath(hook.ID)
	switch f.Get("action") {
	case "update":
		in := formInput(f)
		updated, err := webhook.Update(ctx, s.db, ws.ID, hook.ID, s.opt.WebhookPolicy, in, actor(r), s.now())
		if parley.KindOf(err) == parley.KindInvalid {
			return s.renderWebhook(w, r, ws, l, http.StatusBadRequest, &webhookView{Webhook: hook, Form: in, Problems: parley.ProblemsOf(err)})
		}
		if err != nil {
			return err
		}
		hook = updated
	case "rotate":
		secret, err := webhook.RotateSecret(ctx, s.db, ws.ID, hook.ID, actor(r), s.now())
		if err != nil {
			return err
		}
		hook.SecretHint = "…" + secret[len(secret)-4:]
		return s.renderWebhook(w, r, ws, l, http.StatusOK, &webhookView{Webhook: hook,
			Form: parley.WebhookInput{URL: hook.URL, Events: hook.Events, Description: hook.Description, Paused: hook.Paused}, Secret: secret})
	case "ping":
		if _, err := s.db.PingWebhook(ctx, ws.ID, hook.ID, s.now()); err != nil {
			return err
		}
		s.wakeWebhooks()
	case "replay":
		id, perr := strconv.ParseInt(f.Get("delivery"), 10, 64)
		if _, _, err := s.db.WebhookDelivery(ctx, ws.ID, hook.ID, id); perr != nil || err != nil {
			return parley.InvalidInput([]parley.Problem{parley.FieldProblem("delivery", "must be a delivery of this webhook")})
		}
		if err := s.replay(r, ws, id); err != nil {
			return err
		}
		if f.Get("from") == "delivery" {
			back += "/deliveries/" + strconv.FormatInt(id, 10)
		}
	case "delete":
		if err := s.db.DeleteWebhook(ctx, ws.ID, hook.ID, parley.AuditEntry{Actor: actor(r), Action: "webhook.delete", Detail: hook.URL, At: s.now()}); err != nil {
			return err
		}
		http.Redirect(w, r, "/settings/webhooks", http.StatusSeeOther)
		return nil
	default:
		return parley.InvalidInput([]parley.Problem{parley.FieldProblem("action", "must be update, rotate, ping, replay or delete")})
	}
	http.Redirect(w, r, hrefTo(back, nil).Set("done", f.Get("action")).String(), http.StatusSeeOther)
	return nil
}

// deliveryView is one delivery's page: its payload and every attempt.
type deliveryView struct {
	Webhook  parley.Webhook
	Delivery parley.Delivery
	Attempts []parley.DeliveryAttempt
	Done     string
	Loc      *time.Location
}

// Payload is the delivery's body, indented to be read.
func (v *deliveryView) Payload() string {
	var b bytes.Buffer
	if json.Indent(&b, []byte(v.Delivery.Payload), "", "  ") != nil {
		return v.Delivery.Payload
	}
	return b.String()
}

func (s *Server) deliveryPage(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	hook, d, attempts, err := s.deliveryOf(r, ws)
	if err != nil {
		return err
	}
	loc, _ := ws.Settings.Location()
	return s.renderSetting(w, r, http.StatusOK, "delivery", "webhooks", ws, l, &deliveryView{Webhook: hook, Delivery: d, Attempts: attempts, Done: r.URL.Query().Get("done"), Loc: loc})
}
