package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/embeddings"
	"github.com/parleyhq/parley/internal/synth"
)

// The demo admin's sign-in, and the demo's own database.
const (
	demoEmail = "demo@example.com"
	demoDB    = "sqlite:parley-demo.db"
)

func (a *app) demoCmd() *ffcli.Command {
	fs := a.flags("demo")
	// The demo keeps to a database of its own unless told otherwise.
	fs.Lookup("db").DefValue = demoDB
	addr := fs.String("addr", "localhost:8080", "address to listen on (env PARLEY_ADDR)")
	conversations := fs.Int("conversations", synth.DemoConversations, "conversations to generate into an empty database")
	days := fs.Int("days", synth.DemoDays, "days the generated conversations span, ending now (the report's default 12 weeks)")
	newPassword := fs.Bool("new-password", false, "give the demo admin a new password (signing them out) and print it")
	a.serveWebhookFlags(fs)
	return &ffcli.Command{
		Name:       "demo",
		ShortUsage: "parley demo [--db sqlite:parley-demo.db] [--addr HOST:PORT] [--new-password]",
		ShortHelp:  "Fill a database with sample data, print a demo sign-in, and serve.",
		LongHelp: "An empty database gets twelve weeks of generated conversations, evaluated and grouped;\n" +
			"a database with events keeps them. The demo admin " + demoEmail + " gets a password when\n" +
			"the database is made, kept (on SQLite, in a file beside it) and printed on every start;\n" +
			"--new-password sets and prints a new one.",
		FlagSet: fs,
		Exec: func(ctx context.Context, args []string) error {
			given := false
			fs.Visit(func(f *flag.Flag) { given = given || f.Name == "db" })
			if !given {
				a.dsn = demoDB
			}
			pw, err := a.prepareDemo(ctx, *conversations, *days, *newPassword)
			if err != nil {
				return err
			}
			signin := "with password " + pw
			if pw == "" {
				signin = "with the password printed when this database was made (parley demo --new-password sets a new one)"
			}
			fmt.Fprintf(a.stdout, "\nParley demo: open http://%s and sign in as %s %s\n", *addr, demoEmail, signin)
			fmt.Fprintf(a.stdout, "To send it events, make an ingest token for this database:\n  parley token create --db %s --name \"agent platform\" --scopes ingest\n\n", shellQuote(a.dsn))
			return a.serve(ctx, *addr, func() (*embeddings.Client, error) { return nil, nil })
		},
	}
}

// shellQuote quotes a DSN for a command line when it needs it.
func shellQuote(s string) string {
	if strings.ContainsAny(s, " '\"?&$;|<>*") {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return s
}

// demoPasswordFile is where the demo keeps its admin's password, beside a
// SQLite database ("" for PostgreSQL, where it keeps none): a demo is
// restarted often, and a new password on every start would sign everyone
// out and send them back to the terminal.
func demoPasswordFile(dsn string) string {
	path, ok := strings.CutPrefix(dsn, "sqlite:")
	if !ok || path == "" || strings.HasPrefix(path, ":memory:") {
		return ""
	}
	path, _, _ = strings.Cut(path, "?")
	return path + ".password"
}

// prepareDemo fills an empty database and makes sure the demo admin can
// sign in. It returns their password: a new one for a new admin or when
// asked for, else the one kept beside the database, or "" when none is
// kept.
func (a *app) prepareDemo(ctx context.Context, conversations, days int, newPassword bool) (string, error) {
	db, ws, err := a.open(ctx)
	if err != nil {
		return "", err
	}
	counts, err := db.Count(ctx, ws.ID)
	db.Close()
	if err != nil {
		return "", err
	}
	if counts.Events == 0 {
		fmt.Fprintf(a.stderr, "generating %d conversations over %d days…\n", conversations, days)
		var buf bytes.Buffer
		end := a.now().UTC()
		if _, err := synth.Generate(&buf, synth.Options{Conversations: conversations, Days: days, Seed: 1, End: end, Fixes: synthFixes(end)}); err != nil {
			return "", err
		}
		if err := a.fillDemo(ctx, buf.Bytes(), end); err != nil {
			return "", err
		}
	}
	if err := a.demoPass(ctx); err != nil {
		return "", err
	}
	db, ws, err = a.open(ctx)
	if err != nil {
		return "", err
	}
	defer db.Close()
	file := demoPasswordFile(a.dsn)
	u, _, err := db.Credentials(ctx, demoEmail)
	known := err == nil
	if err != nil && parley.KindOf(err) != parley.KindNotFound {
		return "", err
	}
	if known && !newPassword {
		// The demo admin stays an admin of this workspace, with the
		// password they have.
		if _, err := db.AddMember(ctx, ws.ID, demoEmail, "Demo", "", parley.RoleAdmin, a.now()); err != nil {
			return "", err
		}
		if file == "" {
			return "", nil
		}
		b, err := os.ReadFile(file)
		if errors.Is(err, fs.ErrNotExist) {
			return "", nil
		}
		return strings.TrimSpace(string(b)), err
	}
	pw, err := auth.NewSecret("")
	if err != nil {
		return "", err
	}
	pw = pw[:16]
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return "", err
	}
	if known {
		if err := db.SetPassword(ctx, u.ID, hash); err != nil {
			return "", err
		}
	}
	if _, err := db.AddMember(ctx, ws.ID, demoEmail, "Demo", hash, parley.RoleAdmin, a.now()); err != nil {
		return "", err
	}
	if file != "" {
		if err := os.WriteFile(file, []byte(pw+"\n"), 0o600); err != nil {
			return "", fmt.Errorf("keep the demo password: %w", err)
		}
	}
	return pw, nil
}
