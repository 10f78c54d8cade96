package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"

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
	conversations := fs.Int("conversations", 4000, "conversations to generate into an empty database")
	days := fs.Int("days", 28, "days the generated conversations span, ending now")
	return &ffcli.Command{
		Name:       "demo",
		ShortUsage: "parley demo [--db sqlite:parley-demo.db] [--addr HOST:PORT]",
		ShortHelp:  "Fill a database with sample data, print a demo sign-in, and serve.",
		LongHelp: "An empty database gets a few weeks of generated conversations, evaluated and grouped;\n" +
			"a database with events keeps them. The demo admin " + demoEmail + " gets a new password\n" +
			"on every start, printed here.",
		FlagSet: fs,
		Exec: func(ctx context.Context, args []string) error {
			given := false
			fs.Visit(func(f *flag.Flag) { given = given || f.Name == "db" })
			if !given {
				a.dsn = demoDB
			}
			pw, err := a.prepareDemo(ctx, *conversations, *days)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "\nParley demo: open http://%s and sign in as %s with password %s\n\n", *addr, demoEmail, pw)
			return a.serve(ctx, *addr, func() (*embeddings.Client, error) { return nil, nil })
		},
	}
}

// prepareDemo fills an empty database and sets the demo admin's password,
// which it returns.
func (a *app) prepareDemo(ctx context.Context, conversations, days int) (string, error) {
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
		if _, err := synth.Generate(&buf, synth.Options{Conversations: conversations, Days: days, Seed: 1, End: a.now().UTC()}); err != nil {
			return "", err
		}
		if _, err := a.ingestFrom(ctx, &buf); err != nil {
			return "", err
		}
	}
	db, ws, err = a.open(ctx)
	if err != nil {
		return "", err
	}
	defer db.Close()
	w, err := a.worker(db, a.now, func() (*embeddings.Client, error) { return nil, nil })
	if err != nil {
		return "", err
	}
	if _, err := w.Pass(ctx); err != nil {
		return "", err
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
	u, _, err := db.Credentials(ctx, demoEmail)
	switch {
	case parley.KindOf(err) == parley.KindNotFound:
		if _, err := db.AddMember(ctx, ws.ID, demoEmail, "Demo", hash, parley.RoleAdmin, a.now()); err != nil {
			return "", err
		}
	case err != nil:
		return "", err
	default:
		if err := db.SetPassword(ctx, u.ID, hash); err != nil {
			return "", err
		}
		if _, err := db.AddMember(ctx, ws.ID, demoEmail, "Demo", hash, parley.RoleAdmin, a.now()); err != nil {
			return "", err
		}
	}
	return pw, nil
}
