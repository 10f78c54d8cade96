package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/store"
)

// The commands of SPEC §7 for whoever runs the server: they act with the
// operator's authority (the database is theirs) and are audited as "cli".

// cliActor names the command line in the audit log.
const cliActor = "cli"

func (a *app) audit(ctx context.Context, db *store.DB, ws parley.Workspace, action, subject, detail string) {
	if err := db.Audit(ctx, ws.ID, parley.AuditEntry{Actor: cliActor, Action: action, Subject: subject, Detail: detail, At: a.now()}); err != nil {
		a.log.Error("audit failed", "action", action, "err", err)
	}
}

func (a *app) userCmd() *ffcli.Command {
	return group(&ffcli.Command{
		Name:        "user",
		ShortUsage:  "parley user add|list …",
		ShortHelp:   "Add people to a workspace and list them.",
		Subcommands: []*ffcli.Command{a.userAddCmd(), a.userListCmd()},
	})
}

// password reads a password from a file, else from PARLEY_PASSWORD: never
// from a flag, which other users of the machine could see.
func password(file string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("--password-file: %w", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	if p := os.Getenv("PARLEY_PASSWORD"); p != "" {
		return p, nil
	}
	return "", fmt.Errorf("%w: give the password in --password-file or PARLEY_PASSWORD", errUsage)
}

func (a *app) userAddCmd() *ffcli.Command {
	fs := a.flags("user add")
	var (
		email = fs.String("email", "", "the person's email, used to sign in")
		name  = fs.String("name", "", "the person's name")
		role  = fs.String("role", "viewer", "role in the workspace: viewer, editor or admin")
		file  = fs.String("password-file", "", "file holding the password (or set PARLEY_PASSWORD); ignored for an existing user")
	)
	return a.dbCommand(dbCmd{
		fs:    fs,
		usage: "--email E [--name N] [--role viewer|editor|admin] [--password-file F] [--workspace W]",
		help:  "Add a person to the workspace, creating their account if it is new.",
		run: func(ctx context.Context, db *store.DB, ws parley.Workspace) error {
			_, _, lookup := db.Credentials(ctx, *email)
			isNew := parley.KindOf(lookup) == parley.KindNotFound
			if lookup != nil && !isNew {
				return lookup
			}
			// An existing user keeps their password: only the new one needs
			// one (a stand-in passes the shape check otherwise).
			pw := strings.Repeat("x", parley.MinPassword)
			if isNew {
				var err error
				if pw, err = password(*file); err != nil {
					return err
				}
			}
			in := parley.NewUserInput{Email: *email, Name: *name, Password: pw, Role: parley.Role(*role)}
			addr, err := in.Validate()
			if err != nil {
				return err
			}
			hash := ""
			if isNew {
				if hash, err = auth.HashPassword(pw); err != nil {
					return err
				}
			}
			m, err := db.AddMember(ctx, ws.ID, addr, in.Name, hash, in.Role, a.now())
			if err != nil {
				return err
			}
			a.audit(ctx, db, ws, "user.add", m.Email, "role "+string(m.Role))
			fmt.Fprintf(a.stdout, "%s is %s of workspace %s\n", m.Email, m.Role, ws.Slug)
			return nil
		},
	})
}

func (a *app) userListCmd() *ffcli.Command {
	return listCmd(a, listing[parley.Member]{
		path: "user list", usage: "[--workspace W] [--format text|json]", help: "List the workspace's people and roles.",
		formatUsage: "output format: text or json",
		read: func(ctx context.Context, db *store.DB, ws parley.Workspace) ([]parley.Member, error) {
			return db.Members(ctx, ws.ID)
		},
		header: []string{"ID", "EMAIL", "NAME", "ROLE"},
		cells:  func(m parley.Member) []any { return []any{m.ID, m.Email, printable(m.Name), m.Role} },
	})
}

func (a *app) tokenCmd() *ffcli.Command {
	create := a.flags("token create")
	name := create.String("name", "", "what the token is for, such as \"agent platform\"")
	scopes := create.String("scopes", "ingest", "comma-separated: ingest, read, write, admin")
	var sc []parley.Scope
	return group(&ffcli.Command{
		Name:       "token",
		ShortUsage: "parley token create|list|revoke …",
		ShortHelp:  "Manage the workspace's API tokens.",
		Subcommands: []*ffcli.Command{
			a.dbCommand(dbCmd{
				fs: create, usage: "--name N [--scopes ingest,read,write,admin]", help: "Create a token and print it, once.",
				check: func([]string) (err error) {
					sc, err = parley.ParseScopes(*scopes)
					return err
				},
				run: func(ctx context.Context, db *store.DB, ws parley.Workspace) error {
					secret, hash, hint, err := auth.NewToken()
					if err != nil {
						return err
					}
					t, err := db.CreateToken(ctx, ws.ID, strings.TrimSpace(*name), hash, hint, sc, a.now())
					if err != nil {
						return err
					}
					a.audit(ctx, db, ws, "token.create", t.Name, "scopes "+*scopes)
					fmt.Fprintf(a.stderr, "token %d for workspace %s (%s); it is shown only this once:\n", t.ID, ws.Slug, *scopes)
					fmt.Fprintln(a.stdout, secret)
					return nil
				},
			}),
			listCmd(a, listing[parley.Token]{
				path: "token list", help: "List tokens (never their secrets).",
				read: func(ctx context.Context, db *store.DB, ws parley.Workspace) ([]parley.Token, error) {
					return db.Tokens(ctx, ws.ID)
				},
				header: []string{"ID", "NAME", "TOKEN", "SCOPES", "CREATED", "LAST USED", "REVOKED"},
				cells: func(t parley.Token) []any {
					return []any{t.ID, printable(t.Name), t.Hint + "…", parley.FormatScopes(t.Scopes), t.CreatedAt.Format(time.RFC3339), instant(t.LastUsedAt), instant(t.RevokedAt)}
				},
			}),
			a.revokeCmd("token revoke", "Revoke a token.", "token", (*store.DB).RevokeToken),
		},
	})
}

func (a *app) workspaceCmd() *ffcli.Command {
	create := a.flags("workspace create")
	return group(&ffcli.Command{
		Name:       "workspace",
		ShortUsage: "parley workspace list|create SLUG",
		ShortHelp:  "List or create workspaces.",
		Subcommands: []*ffcli.Command{
			listCmd(a, listing[parley.Workspace]{
				path: "workspace list", help: "List every workspace.",
				read: func(ctx context.Context, db *store.DB, _ parley.Workspace) ([]parley.Workspace, error) {
					return db.Workspaces(ctx)
				},
				header: []string{"SLUG", "NAME", "TIME ZONE", "WEEK STARTS", "WINDOW"},
				cells: func(ws parley.Workspace) []any {
					return []any{ws.Slug, printable(ws.Name), ws.Settings.TimeZone, ws.Settings.WeekStart, ws.Settings.Window}
				},
			}),
			a.dbCommand(dbCmd{
				fs: create, usage: "SLUG", help: "Create a workspace (add an admin with parley user add).",
				check: func(args []string) error {
					if len(args) != 1 {
						return fmt.Errorf("%w: workspace create takes one slug", errUsage)
					}
					a.workspace = args[0]
					return nil
				},
				run: func(ctx context.Context, db *store.DB, ws parley.Workspace) error {
					fmt.Fprintf(a.stdout, "workspace %s is ready; add people with: parley user add --workspace %s --role admin --email …\n", ws.Slug, ws.Slug)
					return nil
				},
			}),
		},
	})
}

// revokeCmd is a command that revokes a token or a source (what) by its
// id, through revoke, and audits it.
func (a *app) revokeCmd(path, help, what string, revoke func(db *store.DB, ctx context.Context, workspaceID, id int64, now time.Time) error) *ffcli.Command {
	return a.idCmd(path, "ID", help, []string{what}, func(ctx context.Context, db *store.DB, ws parley.Workspace, ids []int64) error {
		if err := revoke(db, ctx, ws.ID, ids[0], a.now()); err != nil {
			return err
		}
		a.audit(ctx, db, ws, what+".revoke", fmt.Sprintf("%s %d", what, ids[0]), "")
		fmt.Fprintf(a.stdout, "%s %d revoked\n", what, ids[0])
		return nil
	})
}
