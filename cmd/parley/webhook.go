package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
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

// idArgs reads the numeric arguments a command takes, by name. Flags may
// come after them too ("deliveries 3 --state failed"; see interspersed).
func idArgs(fs *flag.FlagSet, args []string, names ...string) ([]int64, error) {
	args, err := interspersed(fs, args)
	if err != nil {
		return nil, err
	}
	if len(args) != len(names) {
		return nil, fmt.Errorf("%w: want %s", errUsage, strings.ToUpper(strings.Join(names, " ")))
	}
	out := make([]int64, len(args))
	for i, s := range args {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%w: %s: %q is not an id", errUsage, names[i], s)
		}
		out[i] = n
	}
	return out, nil
}

func (a *app) webhookCreateCmd() *ffcli.Command {
	fs := a.flags("webhook create")
	a.webhookFlags(fs)
	u := fs.String("url", "", "where to post deliveries: an http or https URL")
	events := fs.String("events", "", "events to subscribe to, comma-separated: "+eventNames())
	desc := fs.String("description", "", "what the webhook is for")
	return &ffcli.Command{
		Name:       "create",
		ShortUsage: "parley webhook create --url URL --events E1,E2 [--description D]",
		ShortHelp:  "Subscribe a URL to events; prints the webhook's id, then its signing secret, once.",
		FlagSet:    fs,
		Exec: func(ctx context.Context, args []string) error {
			p, err := a.webhookPolicy()
			if err != nil {
				return err
			}
			return a.withDB(ctx, func(db *store.DB, ws parley.Workspace) error {
				h, err := webhook.Create(ctx, db, ws.ID, p, parley.WebhookInput{URL: *u, Events: parley.ParseWebhookEvents(*events), Description: *desc}, cliActor, a.now())
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stderr, "webhook %d posts %s to %s; its signing secret, shown once:\n", h.ID, joinEvents(h.Events), h.URL)
				fmt.Fprintln(a.stdout, h.Secret)
				return nil
			})
		},
	}
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
	fs := a.flags("webhook list")
	formatOf := formatFlag(fs, "output format: text or json", "text", "json")
	return &ffcli.Command{
		Name:       "list",
		ShortUsage: "parley webhook list [--format text|json]",
		ShortHelp:  "List the workspace's webhooks.",
		FlagSet:    fs,
		Exec: func(ctx context.Context, args []string) error {
			format, err := formatOf()
			if err != nil {
				return err
			}
			return a.withDB(ctx, func(db *store.DB, ws parley.Workspace) error {
				hooks, err := db.Webhooks(ctx, ws.ID)
				if err != nil {
					return err
				}
				if format == "json" {
					return json.NewEncoder(a.stdout).Encode(map[string]any{"webhooks": hooks})
				}
				tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tURL\tEVENTS\tSECRET\tSTATE\tCREATED")
				for _, h := range hooks {
					state := "active"
					if h.Paused {
						state = "paused"
					}
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", h.ID, h.URL, joinEvents(h.Events), h.SecretHint, state, h.CreatedAt.Format(time.RFC3339))
				}
				return tw.Flush()
			})
		},
	}
}

func (a *app) webhookUpdateCmd() *ffcli.Command {
	fs := a.flags("webhook update")
	a.webhookFlags(fs)
	u := fs.String("url", "", "new URL (default: unchanged)")
	events := fs.String("events", "", "new events, comma-separated (default: unchanged)")
	desc := fs.String("description", "", "new description (default: unchanged)")
	paused := fs.String("paused", "", "true to pause (queue nothing new), false to resume (default: unchanged)")
	return &ffcli.Command{
		Name:       "update",
		ShortUsage: "parley webhook update ID [--url U] [--events E1,E2] [--description D] [--paused true|false]",
		ShortHelp:  "Change a webhook; what is not given stays.",
		FlagSet:    fs,
		Exec: func(ctx context.Context, args []string) error {
			ids, err := idArgs(fs, args, "id")
			if err != nil {
				return err
			}
			p, err := a.webhookPolicy()
			if err != nil {
				return err
			}
			set := map[string]bool{}
			fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
			return a.withDB(ctx, func(db *store.DB, ws parley.Workspace) error {
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
		},
	}
}

// webhookIDCmd is a webhook subcommand that takes ids and no flags of its
// own, and runs do with them on the open database.
func (a *app) webhookIDCmd(name, usage, help string, names []string, do func(ctx context.Context, db *store.DB, ws parley.Workspace, ids []int64) error) *ffcli.Command {
	fs := a.flags("webhook " + name)
	return &ffcli.Command{
		Name:       name,
		ShortUsage: "parley webhook " + name + " " + usage,
		ShortHelp:  help,
		FlagSet:    fs,
		Exec: func(ctx context.Context, args []string) error {
			ids, err := idArgs(fs, args, names...)
			if err != nil {
				return err
			}
			return a.withDB(ctx, func(db *store.DB, ws parley.Workspace) error { return do(ctx, db, ws, ids) })
		},
	}
}

func (a *app) webhookDeleteCmd() *ffcli.Command {
	return a.webhookIDCmd("delete", "ID", "Delete a webhook; its pending deliveries fail.", []string{"id"},
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
	return a.webhookIDCmd("rotate-secret", "ID", "Give a webhook a new signing secret; prints it, once.", []string{"id"},
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
	return a.webhookIDCmd("ping", "ID", "Queue a test delivery (webhook.ping), which parley serve sends.", []string{"id"},
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
	formatOf := formatFlag(fs, "output format: text or json (one delivery per line)", "text", "json")
	state := fs.String("state", "", "only pending, succeeded or failed deliveries")
	event := fs.String("event", "", "only deliveries of this event")
	limit := fs.Int("limit", 50, "at most this many, newest first")
	return &ffcli.Command{
		Name:       "deliveries",
		ShortUsage: "parley webhook deliveries ID [--state S] [--event E] [--limit N] [--format text|json]",
		ShortHelp:  "A webhook's delivery log, newest first.",
		FlagSet:    fs,
		Exec: func(ctx context.Context, args []string) error {
			ids, err := idArgs(fs, args, "id")
			if err != nil {
				return err
			}
			format, err := formatOf()
			if err != nil {
				return err
			}
			return a.withDB(ctx, func(db *store.DB, ws parley.Workspace) error {
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
				if format == "json" {
					enc := json.NewEncoder(a.stdout)
					for _, d := range ds {
						if err := enc.Encode(d); err != nil {
							return err
						}
					}
					return nil
				}
				tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tEVENT\tSTATE\tATTEMPTS\tSTATUS\tLAST ATTEMPT\tNEXT ATTEMPT\tERROR")
				for _, d := range ds {
					fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", d.ID, d.Event, d.State, d.Attempts, status(d.LastStatus), instant(d.LastAttemptAt), instant(d.NextAttemptAt), d.LastError)
				}
				return tw.Flush()
			})
		},
	}
}

func status(code int) string {
	if code == 0 {
		return "-"
	}
	return strconv.Itoa(code)
}

func instant(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func (a *app) webhookDeliveryCmd() *ffcli.Command {
	return a.webhookIDCmd("delivery", "ID DELIVERY", "One delivery of a webhook as JSON: its payload and every attempt.", []string{"id", "delivery"},
		func(ctx context.Context, db *store.DB, ws parley.Workspace, ids []int64) error {
			d, attempts, err := db.WebhookDelivery(ctx, ws.ID, ids[0], ids[1])
			if err != nil {
				return err
			}
			return a.printIndented(map[string]any{"delivery": d, "attempts": attempts})
		})
}

func (a *app) webhookReplayCmd() *ffcli.Command {
	return a.webhookIDCmd("replay", "ID DELIVERY", "Send a delivery again, with the same webhook-id, retried for another 24 hours.", []string{"id", "delivery"},
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
