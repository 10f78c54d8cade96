package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/store"
)

// sourceOut is a source as `parley source` prints it in JSON: what the API
// answers, with the URL as a path unless --base-url names the server.
type sourceOut struct {
	parley.InboundSource
	URL   string `json:"url,omitempty"`
	Token string `json:"token,omitempty"`
}

func (a *app) sourceCmd() *ffcli.Command {
	create := a.flags("source create")
	name := create.String("name", "", "what the source is, such as \"Chatwoot, support site\"")
	secretFile := create.String("signing-secret-file", "", "file holding the signing secret Chatwoot shows for the webhook (optional; set it later with `parley source secret`)")
	createFormatOf := formatFlag(create, "text or json", "text", "json")
	base := create.String("base-url", "", "this Parley's address as the platform reaches it, such as https://parley.example.com, to print a whole URL rather than a path (env PARLEY_BASE_URL)")
	list := a.flags("source list")
	listFormatOf := formatFlag(list, "text or json", "text", "json")
	del := a.flags("source delete")
	secret := a.flags("source secret")
	setFile := secret.String("signing-secret-file", "", "file holding the new signing secret")
	remove := secret.Bool("remove", false, "remove the signing secret: deliveries are no longer checked for a signature")
	return group(&ffcli.Command{
		Name:       "source",
		ShortUsage: "parley source create|list|delete|secret …",
		ShortHelp:  "Manage the workspace's sources: Chatwoot webhooks and OpenTelemetry exporters.",
		Subcommands: []*ffcli.Command{
			{
				Name: "create", ShortUsage: "parley source create chatwoot|otlp --name N [--signing-secret-file F] [--format json]",
				ShortHelp: "Create a source and print where its platform sends, with its token, once.", FlagSet: create,
				Exec: func(ctx context.Context, args []string) error {
					args, err := interspersed(create, args)
					if err != nil {
						return err
					}
					if len(args) != 1 {
						return fmt.Errorf("%w: source create takes one kind: chatwoot or otlp", errUsage)
					}
					createFormat, err := createFormatOf()
					if err != nil {
						return err
					}
					in := parley.NewSource{Kind: parley.SourceKind(args[0]), Name: strings.TrimSpace(*name)}
					if *secretFile != "" {
						if in.SigningSecret, err = readSecret(*secretFile); err != nil {
							return err
						}
					}
					return a.withDB(ctx, func(db *store.DB, ws parley.Workspace) error {
						token, hash, hint, err := auth.NewSourceToken()
						if err != nil {
							return err
						}
						src, err := db.CreateSource(ctx, ws.ID, in, hash, hint, a.now())
						if err != nil {
							return err
						}
						a.audit(ctx, db, ws, "source.create", fmt.Sprintf("source %d", src.ID), fmt.Sprintf("%s %q, signed %v", src.Kind, src.Name, src.Signed))
						out := sourceOut{InboundSource: src, URL: strings.TrimSuffix(*base, "/") + parley.SourcePath(src.Kind, token), Token: token}
						if createFormat == "json" {
							return json.NewEncoder(a.stdout).Encode(out)
						}
						fmt.Fprintf(a.stderr, "source %d (%s) for workspace %s; its token is shown only this once.\n", src.ID, src.Kind, ws.Slug)
						switch src.Kind {
						case parley.SourceChatwoot:
							fmt.Fprintln(a.stderr, "In Chatwoot, add a webhook (Settings › Integrations › Webhooks) with this URL, after your Parley's address:")
							fmt.Fprintln(a.stdout, out.URL)
						default:
							fmt.Fprintln(a.stderr, "Export to it with these, after your Parley's address in the endpoint:")
							fmt.Fprintf(a.stdout, "OTEL_EXPORTER_OTLP_ENDPOINT=%s\nOTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer %s\n", out.URL, token)
						}
						return nil
					})
				},
			},
			{
				Name: "list", ShortUsage: "parley source list [--format json]", ShortHelp: "List sources and what their deliveries did (never their tokens).", FlagSet: list,
				Exec: func(ctx context.Context, args []string) error {
					listFormat, err := listFormatOf()
					if err != nil {
						return err
					}
					return a.withDB(ctx, func(db *store.DB, ws parley.Workspace) error {
						srcs, err := db.Sources(ctx, ws.ID)
						if err != nil {
							return err
						}
						if listFormat == "json" {
							out := make([]sourceOut, len(srcs))
							for i, s := range srcs {
								out[i] = sourceOut{InboundSource: s, URL: parley.SourcePath(s.Kind, "")}
							}
							return json.NewEncoder(a.stdout).Encode(out)
						}
						when := func(t *time.Time) string {
							if t == nil {
								return "-"
							}
							return t.Format(time.RFC3339)
						}
						tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
						fmt.Fprintln(tw, "ID\tKIND\tNAME\tTOKEN\tSIGNED\tLAST DELIVERY\tDELIVERIES\tEVENTS\tDUPLICATES\tIGNORED\tREJECTED\tLAST ERROR\tREVOKED")
						for _, s := range srcs {
							fmt.Fprintf(tw, "%d\t%s\t%s\t%s…\t%v\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", s.ID, s.Kind, printable(s.Name), s.Hint, s.Signed,
								when(s.LastDeliveryAt), s.Deliveries, s.Events, s.Duplicates, s.Ignored, s.Rejected, orDash(printable(s.LastError)), when(s.RevokedAt))
						}
						return tw.Flush()
					})
				},
			},
			{
				Name: "delete", ShortUsage: "parley source delete ID", ShortHelp: "Revoke a source: its token stops at once.", FlagSet: del,
				Exec: func(ctx context.Context, args []string) error {
					args, err := interspersed(del, args)
					if err != nil {
						return err
					}
					id, err := sourceID(args, "delete")
					if err != nil {
						return err
					}
					return a.withDB(ctx, func(db *store.DB, ws parley.Workspace) error {
						if err := db.RevokeSource(ctx, ws.ID, id, a.now()); err != nil {
							return err
						}
						a.audit(ctx, db, ws, "source.revoke", fmt.Sprintf("source %d", id), "")
						fmt.Fprintf(a.stdout, "source %d revoked\n", id)
						return nil
					})
				},
			},
			{
				Name: "secret", ShortUsage: "parley source secret ID --signing-secret-file F | --remove",
				ShortHelp: "Set or remove a Chatwoot source's signing secret.", FlagSet: secret,
				Exec: func(ctx context.Context, args []string) error {
					args, err := interspersed(secret, args)
					if err != nil {
						return err
					}
					id, err := sourceID(args, "secret")
					if err != nil {
						return err
					}
					if (*setFile == "") == !*remove {
						return fmt.Errorf("%w: source secret takes --signing-secret-file F or --remove", errUsage)
					}
					value := ""
					if *setFile != "" {
						if value, err = readSecret(*setFile); err != nil {
							return err
						}
					}
					return a.withDB(ctx, func(db *store.DB, ws parley.Workspace) error {
						src, err := db.SetSourceSecret(ctx, ws.ID, id, value)
						if err != nil {
							return err
						}
						change := map[bool]string{true: "signing secret set", false: "signing secret removed"}[src.Signed]
						a.audit(ctx, db, ws, "source.secret", fmt.Sprintf("source %d", id), change)
						fmt.Fprintf(a.stdout, "source %d: %s\n", id, change)
						return nil
					})
				},
			},
		},
	})
}

func sourceID(args []string, cmd string) (int64, error) {
	if len(args) != 1 {
		return 0, fmt.Errorf("%w: source %s takes one source id", errUsage, cmd)
	}
	return idArg(args[0], "source")
}

// readSecret reads a secret from a file, without the line end an editor
// leaves. Secrets never need to be flags, which other users can see.
func readSecret(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("signing secret: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
