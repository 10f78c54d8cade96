package main

import (
	"context"
	"fmt"
	"os"
	"strings"

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
	return group(&ffcli.Command{
		Name:        "source",
		ShortUsage:  "parley source create|list|delete|secret …",
		ShortHelp:   "Manage the workspace's sources: Chatwoot webhooks and OpenTelemetry exporters.",
		Subcommands: []*ffcli.Command{a.sourceCreateCmd(), a.sourceListCmd(), a.revokeCmd("source delete", "Revoke a source: its token stops at once.", "source", (*store.DB).RevokeSource), a.sourceSecretCmd()},
	})
}

func (a *app) sourceCreateCmd() *ffcli.Command {
	fs := a.flags("source create")
	name := fs.String("name", "", "what the source is, such as \"Chatwoot, support site\"")
	secretFile := fs.String("signing-secret-file", "", "file holding the signing secret Chatwoot shows for the webhook (optional; set it later with `parley source secret`)")
	out := a.formatFlag(fs, "text or json", "text", "json")
	base := fs.String("base-url", "", "this Parley's address as the platform reaches it, such as https://parley.example.com, to print a whole URL rather than a path (env PARLEY_BASE_URL)")
	var in parley.NewSource
	return a.dbCommand(dbCmd{
		fs:    fs,
		usage: "chatwoot|otlp --name N [--signing-secret-file F] [--format json]",
		help:  "Create a source and print where its platform sends, with its token, once.",
		out:   out,
		check: func(args []string) error {
			args, err := interspersed(fs, args)
			if err != nil {
				return err
			}
			if len(args) != 1 {
				return fmt.Errorf("%w: source create takes one kind: chatwoot or otlp", errUsage)
			}
			in = parley.NewSource{Kind: parley.SourceKind(args[0]), Name: strings.TrimSpace(*name)}
			if *secretFile != "" {
				in.SigningSecret, err = readSecret(*secretFile)
			}
			return err
		},
		run: func(ctx context.Context, db *store.DB, ws parley.Workspace) error {
			token, hash, hint, err := auth.NewSourceToken()
			if err != nil {
				return err
			}
			src, err := db.CreateSource(ctx, ws.ID, in, hash, hint, a.now())
			if err != nil {
				return err
			}
			a.audit(ctx, db, ws, "source.create", fmt.Sprintf("source %d", src.ID), fmt.Sprintf("%s %q, signed %v", src.Kind, src.Name, src.Signed))
			created := sourceOut{InboundSource: src, URL: strings.TrimSuffix(*base, "/") + parley.SourcePath(src.Kind, token), Token: token}
			if out.is("json") {
				return out.json(created)
			}
			fmt.Fprintf(a.stderr, "source %d (%s) for workspace %s; its token is shown only this once.\n", src.ID, src.Kind, ws.Slug)
			switch src.Kind {
			case parley.SourceChatwoot:
				fmt.Fprintln(a.stderr, "In Chatwoot, add a webhook (Settings › Integrations › Webhooks) with this URL, after your Parley's address:")
				fmt.Fprintln(a.stdout, created.URL)
			default:
				fmt.Fprintln(a.stderr, "Export to it with these, after your Parley's address in the endpoint:")
				fmt.Fprintf(a.stdout, "OTEL_EXPORTER_OTLP_ENDPOINT=%s\nOTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer %s\n", created.URL, token)
			}
			return nil
		},
	})
}

func (a *app) sourceListCmd() *ffcli.Command {
	return listCmd(a, listing[parley.InboundSource]{
		path: "source list", usage: "[--format json]", help: "List sources and what their deliveries did (never their tokens).",
		formatUsage: "text or json",
		read: func(ctx context.Context, db *store.DB, ws parley.Workspace) ([]parley.InboundSource, error) {
			return db.Sources(ctx, ws.ID)
		},
		asJSON: func(srcs []parley.InboundSource) any {
			list := make([]sourceOut, len(srcs))
			for i, s := range srcs {
				list[i] = sourceOut{InboundSource: s, URL: parley.SourcePath(s.Kind, "")}
			}
			return list
		},
		header: []string{"ID", "KIND", "NAME", "TOKEN", "SIGNED", "LAST DELIVERY", "DELIVERIES", "EVENTS", "DUPLICATES", "IGNORED", "REJECTED", "LAST ERROR", "REVOKED"},
		cells: func(s parley.InboundSource) []any {
			return []any{s.ID, s.Kind, printable(s.Name), s.Hint + "…", s.Signed, instant(s.LastDeliveryAt), s.Deliveries, s.Events,
				s.Duplicates, s.Ignored, s.Rejected, orDash(printable(s.LastError)), instant(s.RevokedAt)}
		},
	})
}

func (a *app) sourceSecretCmd() *ffcli.Command {
	fs := a.flags("source secret")
	setFile := fs.String("signing-secret-file", "", "file holding the new signing secret")
	remove := fs.Bool("remove", false, "remove the signing secret: deliveries are no longer checked for a signature")
	var value string
	return a.idsCommand(dbCmd{
		fs: fs, usage: "ID --signing-secret-file F | --remove", help: "Set or remove a Chatwoot source's signing secret.",
		check: func([]string) (err error) {
			if (*setFile == "") == !*remove {
				return fmt.Errorf("%w: source secret takes --signing-secret-file F or --remove", errUsage)
			}
			if *setFile != "" {
				value, err = readSecret(*setFile)
			}
			return err
		},
	}, []string{"source"},
		func(ctx context.Context, db *store.DB, ws parley.Workspace, id []int64) error {
			src, err := db.SetSourceSecret(ctx, ws.ID, id[0], value)
			if err != nil {
				return err
			}
			change := map[bool]string{true: "signing secret set", false: "signing secret removed"}[src.Signed]
			a.audit(ctx, db, ws, "source.secret", fmt.Sprintf("source %d", id[0]), change)
			fmt.Fprintf(a.stdout, "source %d: %s\n", id[0], change)
			return nil
		})
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
