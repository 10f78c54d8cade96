package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/webhook"
)

// `parley webhook …`: the workspace's outbound webhooks, made and changed
// through the same operations as Settings › Webhooks and the API, audited
// as "cli". Deliveries are sent by `parley serve`.

// webhookFlags adds the flags that say where webhooks may point; serve,
// demo and the webhook commands share them, so a URL the server would
// refuse is refused when it is given.
func (a *app) webhookFlags(fs *flag.FlagSet) {
	fs.StringVar(&a.webhookAllow, "webhook-allow-net", "", "networks webhooks may reach besides public addresses, as CIDRs or addresses, comma-separated, e.g. 10.0.0.0/8,127.0.0.1 (env PARLEY_WEBHOOK_ALLOW_NET)")
}

// webhookPolicy reads --webhook-allow-net.
func (a *app) webhookPolicy() (parley.WebhookPolicy, error) {
	nets, err := parley.ParseNetworks(a.webhookAllow)
	if err != nil {
		return parley.WebhookPolicy{}, fmt.Errorf("%w: --webhook-allow-net: %v", errUsage, err)
	}
	return parley.WebhookPolicy{Allow: nets}, nil
}

func (a *app) webhookCmd() *ffcli.Command {
	return group(&ffcli.Command{
		Name:       "webhook",
		ShortUsage: "parley webhook create|list|update|delete|rotate-secret|ping|deliveries|delivery|replay …",
		ShortHelp:  "Manage outbound webhooks and read their delivery log.",
		Subcommands: []*ffcli.Command{a.webhookCreateCmd(), a.webhookListCmd(), a.webhookUpdateCmd(), a.webhookDeleteCmd(),
			a.webhookRotateCmd(), a.webhookPingCmd(), a.webhookDeliveriesCmd(), a.webhookDeliveryCmd(), a.webhookReplayCmd()},
	})
}

func (a *app) webhookCreateCmd() *ffcli.Command {
	fs := a.flags("webhook create")
	a.webhookFlags(fs)
	u := fs.String("url", "", "where to post deliveries: an http or https URL")
	events := fs.String("events", "", "events to subscribe to, comma-separated: "+eventNames())
	desc := fs.String("description", "", "what the webhook is for")
	var p parley.WebhookPolicy
	return a.dbCommand(dbCmd{
		fs:    fs,
		usage: "--url URL --events E1,E2 [--description D]",
		help:  "Subscribe a URL to events; prints the webhook's id, then its signing secret, once.",
		check: func([]string) (err error) {
			p, err = a.webhookPolicy()
			return err
		},
		run: func(ctx context.Context, db *store.DB, ws parley.Workspace) error {
			h, err := webhook.Create(ctx, db, ws.ID, p, parley.WebhookInput{URL: *u, Events: parley.ParseWebhookEvents(*events), Description: *desc}, cliActor, a.now())
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "webhook %d posts %s to %s; its signing secret, shown once:\n", h.ID, joinEvents(h.Events), h.URL)
			fmt.Fprintln(a.stdout, h.Secret)
			return nil
		},
	})
}

func eventNames() string { return joinEvents(parley.WebhookEvents) }

func joinEvents(es []parley.WebhookEvent) string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = string(e)
	}
	return strings.Join(s, ",")
}

func (a *app) webhookListCmd() *ffcli.Command {
	return listCmd(a, listing[parley.Webhook]{
		path: "webhook list", usage: "[--format text|json]", help: "List the workspace's webhooks.",
		formatUsage: "output format: text or json",
		read: func(ctx context.Context, db *store.DB, ws parley.Workspace) ([]parley.Webhook, error) {
			return db.Webhooks(ctx, ws.ID)
		},
		asJSON: func(hooks []parley.Webhook) any { return map[string]any{"webhooks": hooks} },
		header: []string{"ID", "URL", "EVENTS", "SECRET", "STATE", "CREATED"},
		cells: func(h parley.Webhook) []any {
			state := map[bool]string{false: "active", true: "paused"}[h.Paused]
			return []any{h.ID, h.URL, joinEvents(h.Events), h.SecretHint, state, h.CreatedAt.Format(time.RFC3339)}
		},
	})
}

func (a *app) webhookUpdateCmd() *ffcli.Command {
	fs := a.flags("webhook update")
	a.webhookFlags(fs)
	u := fs.String("url", "", "new URL (default: unchanged)")
	events := fs.String("events", "", "new events, comma-separated (default: unchanged)")
	desc := fs.String("description", "", "new description (default: unchanged)")
	paused := fs.String("paused", "", "true to pause (queue nothing new), false to resume (default: unchanged)")
	var (
		p   parley.WebhookPolicy
		set = map[string]bool{}
	)
	return a.idsCommand(dbCmd{
		fs:    fs,
		usage: "ID [--url U] [--events E1,E2] [--description D] [--paused true|false]",
		help:  "Change a webhook; what is not given stays.",
		check: func([]string) (err error) {
			fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
			p, err = a.webhookPolicy()
			return err
		},
	}, []string{"webhook"},
		func(ctx context.Context, db *store.DB, ws parley.Workspace, ids []int64) error {
			h, err := db.Webhook(ctx, ws.ID, ids[0])
			if err != nil {
				return err
			}
			in := parley.WebhookInput{URL: h.URL, Events: h.Events, Description: h.Description, Paused: h.Paused}
			if set["url"] {
				in.URL = *u
			}
			if set["events"] {
				in.Events = parley.ParseWebhookEvents(*events)
			}
			if set["description"] {
				in.Description = *desc
			}
			if set["paused"] {
				b, err := strconv.ParseBool(*paused)
				if err != nil {
					return fmt.Errorf("%w: --paused: want true or false", errUsage)
				}
				in.Paused = b
			}
			h, err = webhook.Update(ctx, db, ws.ID, h.ID, p, in, cliActor, a.now())
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "webhook %d posts %s to %s (paused: %t)\n", h.ID, joinEvents(h.Events), h.URL, h.Paused)
			return nil
		})
}

func (a *app) webhookDeleteCmd() *ffcli.Command {
	return a.idCmd("webhook delete", "ID", "Delete a webhook; its pending deliveries fail.", []string{"webhook"},
		func(ctx context.Context, db *store.DB, ws parley.Workspace, ids []int64) error {
			h, err := db.Webhook(ctx, ws.ID, ids[0])
			if err != nil {
				return err
			}
			if err := db.DeleteWebhook(ctx, ws.ID, h.ID, parley.AuditEntry{Actor: cliActor, Action: "webhook.delete", Detail: h.URL, At: a.now()}); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "webhook %d deleted\n", h.ID)
			return nil
		})
}

func (a *app) webhookRotateCmd() *ffcli.Command {
	return a.idCmd("webhook rotate-secret", "ID", "Give a webhook a new signing secret; prints it, once.", []string{"webhook"},
		func(ctx context.Context, db *store.DB, ws parley.Workspace, ids []int64) error {
			secret, err := webhook.RotateSecret(ctx, db, ws.ID, ids[0], cliActor, a.now())
			if err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, secret)
			return nil
		})
}

func (a *app) webhookPingCmd() *ffcli.Command {
	return a.idCmd("webhook ping", "ID", "Queue a test delivery (webhook.ping), which parley serve sends.", []string{"webhook"},
		func(ctx context.Context, db *store.DB, ws parley.Workspace, ids []int64) error {
			d, err := db.PingWebhook(ctx, ws.ID, ids[0], a.now())
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "delivery %d queued\n", d.ID)
			return nil
		})
}

func (a *app) webhookDeliveriesCmd() *ffcli.Command {
	fs := a.flags("webhook deliveries")
	out := a.formatFlag(fs, "output format: text or json (one delivery per line)", "text", "json")
	state := fs.String("state", "", "only pending, succeeded or failed deliveries")
	event := fs.String("event", "", "only deliveries of this event")
	limit := fs.Int("limit", 50, "at most this many, newest first")
	return a.idsCommand(dbCmd{
		fs:    fs,
		usage: "ID [--state S] [--event E] [--limit N] [--format text|json]",
		help:  "A webhook's delivery log, newest first.",
		out:   out,
	}, []string{"webhook"},
		func(ctx context.Context, db *store.DB, ws parley.Workspace, ids []int64) error {
			h, err := db.Webhook(ctx, ws.ID, ids[0])
			if err != nil {
				return err
			}
			f := store.DeliveryFilter{WebhookID: h.ID, State: parley.DeliveryState(*state), Event: parley.WebhookEvent(*event), Limit: *limit}
			if err := f.Validate(); err != nil {
				return err
			}
			ds, err := db.Deliveries(ctx, ws.ID, f)
			if err != nil {
				return err
			}
			if out.is("json") {
				return jsonLines(out, ds)
			}
			t := out.table("ID", "EVENT", "STATE", "ATTEMPTS", "STATUS", "LAST ATTEMPT", "NEXT ATTEMPT", "ERROR")
			for _, d := range ds {
				t.row(d.ID, d.Event, d.State, d.Attempts, status(d.LastStatus), instant(d.LastAttemptAt), instant(d.NextAttemptAt), d.LastError)
			}
			return t.flush()
		})
}

func status(code int) string {
	if code == 0 {
		return "-"
	}
	return strconv.Itoa(code)
}

// instant writes a time a table shows, "-" for none.
func instant(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func (a *app) webhookDeliveryCmd() *ffcli.Command {
	return a.idCmd("webhook delivery", "ID DELIVERY", "One delivery of a webhook as JSON: its payload and every attempt.", []string{"webhook", "delivery"},
		func(ctx context.Context, db *store.DB, ws parley.Workspace, ids []int64) error {
			d, attempts, err := db.WebhookDelivery(ctx, ws.ID, ids[0], ids[1])
			if err != nil {
				return err
			}
			return a.text().indented(map[string]any{"delivery": d, "attempts": attempts})
		})
}

func (a *app) webhookReplayCmd() *ffcli.Command {
	return a.idCmd("webhook replay", "ID DELIVERY", "Send a delivery again, with the same webhook-id, retried for another 24 hours.", []string{"webhook", "delivery"},
		func(ctx context.Context, db *store.DB, ws parley.Workspace, ids []int64) error {
			d, _, err := db.WebhookDelivery(ctx, ws.ID, ids[0], ids[1])
			if err != nil {
				return err
			}
			if err := db.ReplayDelivery(ctx, ws.ID, d.ID, parley.AuditEntry{Actor: cliActor, Action: "webhook.replay", At: a.now()}); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "delivery %d will be sent again\n", d.ID)
			return nil
		})
}
