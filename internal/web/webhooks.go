package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/webhook"
)

// Outbound webhooks (admin): Settings › Webhooks and /api/v1/webhooks, both
// through the one set of webhook operations (internal/webhook, store).

// deliveryPage is how many deliveries a page of the log shows.
const deliveryPage = 50

// actor names the request's caller in the audit log.
func actor(r *http.Request) string {
	if c := callerOf(r); c != nil {
		return c.Actor()
	}
	return "unknown"
}

// deliveryID reads the numeric {delivery} of a path.
func deliveryID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("delivery"), 10, 64)
	if err != nil || id <= 0 {
		return 0, parley.Errorf(parley.KindNotFound, "no delivery %q", r.PathValue("delivery"))
	}
	return id, nil
}

// deliveryFilter reads the log's parameters: state, event, before, limit.
func deliveryFilter(q url.Values, webhookID int64) (store.DeliveryFilter, error) {
	f := store.DeliveryFilter{WebhookID: webhookID, State: parley.DeliveryState(q.Get("state")), Event: parley.WebhookEvent(q.Get("event")), Limit: deliveryPage}
	problems := parley.ProblemsOf(f.Validate())
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			problems = append(problems, parley.FieldProblem("before", "must be a delivery id"))
		}
		f.Before = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			problems = append(problems, parley.FieldProblem("limit", "must be from 1 to 1000"))
		}
		f.Limit = n
	}
	if len(problems) > 0 {
		return f, parley.InvalidInput(problems)
	}
	return f, nil
}

// deliveryOf returns a delivery of the webhook in the path, with its
// attempts; a delivery of another webhook is not found.
func (s *Server) deliveryOf(r *http.Request, ws parley.Workspace) (parley.Webhook, parley.Delivery, []parley.DeliveryAttempt, error) {
	hook, err := s.webhookOf(r, ws)
	if err != nil {
		return hook, parley.Delivery{}, nil, err
	}
	id, err := deliveryID(r)
	if err != nil {
		return hook, parley.Delivery{}, nil, err
	}
	d, attempts, err := s.db.WebhookDelivery(r.Context(), ws.ID, hook.ID, id)
	return hook, d, attempts, err
}

// webhookOf returns the webhook in the path.
func (s *Server) webhookOf(r *http.Request, ws parley.Workspace) (parley.Webhook, error) {
	id, err := pathID(r, "webhook")
	if err != nil {
		return parley.Webhook{}, err
	}
	return s.db.Webhook(r.Context(), ws.ID, id)
}

// replay sends a delivery again, as the caller.
func (s *Server) replay(r *http.Request, ws parley.Workspace, id int64) error {
	err := s.db.ReplayDelivery(r.Context(), ws.ID, id, parley.AuditEntry{Actor: actor(r), Action: "webhook.replay", At: s.now()})
	if err == nil {
		s.wakeWebhooks()
	}
	return err
}

// wakeWebhooks tells the sender a delivery is due now.
func (s *Server) wakeWebhooks() {
	if s.opt.OnWebhook != nil {
		s.opt.OnWebhook()
	}
}

// API handlers.

func (s *Server) getWebhooks(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	hooks, err := s.db.Webhooks(r.Context(), ws.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"webhooks": hooks})
}

func (s *Server) postWebhook(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	var in parley.WebhookInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	hook, err := webhook.Create(r.Context(), s.db, ws.ID, s.opt.WebhookPolicy, in, actor(r), s.now())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, webhook.WithSecret{Webhook: hook, Secret: hook.Secret})
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	hook, err := s.webhookOf(r, ws)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, hook)
}

func (s *Server) putWebhook(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	hook, err := s.webhookOf(r, ws)
	if err != nil {
		return err
	}
	// A field the body leaves out keeps its value.
	in := parley.WebhookInput{URL: hook.URL, Events: hook.Events, Description: hook.Description, Paused: hook.Paused}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	hook, err = webhook.Update(r.Context(), s.db, ws.ID, hook.ID, s.opt.WebhookPolicy, in, actor(r), s.now())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, hook)
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	hook, err := s.webhookOf(r, ws)
	if err != nil {
		return err
	}
	if err := s.db.DeleteWebhook(r.Context(), ws.ID, hook.ID, parley.AuditEntry{Actor: actor(r), Action: "webhook.delete", Detail: hook.URL, At: s.now()}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) postWebhookAction(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	hook, err := s.webhookOf(r, ws)
	if err != nil {
		return err
	}
	switch r.PathValue("action") {
	case "rotate-secret":
		secret, err := webhook.RotateSecret(r.Context(), s.db, ws.ID, hook.ID, actor(r), s.now())
		if err != nil {
			return err
		}
		hook.SecretHint = "…" + secret[len(secret)-4:]
		return writeJSON(w, http.StatusOK, webhook.WithSecret{Webhook: hook, Secret: secret})
	case "ping":
		d, err := s.db.PingWebhook(r.Context(), ws.ID, hook.ID, s.now())
		if err != nil {
			return err
		}
		s.wakeWebhooks()
		return writeJSON(w, http.StatusAccepted, d)
	}
	return parley.Errorf(parley.KindNotFound, "no webhook action %q: want rotate-secret or ping", r.PathValue("action"))
}

func (s *Server) getDeliveries(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	hook, err := s.webhookOf(r, ws)
	if err != nil {
		return err
	}
	f, err := deliveryFilter(r.URL.Query(), hook.ID)
	if err != nil {
		return err
	}
	ds, err := s.db.Deliveries(r.Context(), ws.ID, f)
	if err != nil {
		return err
	}
	out := map[string]any{"deliveries": ds, "next": nil}
	if len(ds) == f.Limit {
		out["next"] = strconv.FormatInt(ds[len(ds)-1].ID, 10)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) getDelivery(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	_, d, attempts, err := s.deliveryOf(r, ws)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"delivery": d, "attempts": attempts})
}

func (s *Server) postReplay(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	_, d, _, err := s.deliveryOf(r, ws)
	if err != nil {
		return err
	}
	if err := s.replay(r, ws, d.ID); err != nil {
		return err
	}
	d, _, err = s.db.Delivery(r.Context(), ws.ID, d.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, d)
}
