package main

import (
	"context"
	"fmt"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/parleyhq/parley"
)

func (a *app) migrateCmd() *ffcli.Command {
	return &ffcli.Command{
		Name:       "migrate",
		ShortUsage: "parley migrate [--db DSN]",
		ShortHelp:  "Apply pending database migrations (serve also does this at start).",
		FlagSet:    a.flags("migrate"),
		Exec: func(ctx context.Context, args []string) error {
			db, _, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			applied, latest, err := db.SchemaVersion(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%s database at schema version %d of %d\n", db.Dialect(), applied, latest)
			return nil
		},
	}
}

func (a *app) versionCmd() *ffcli.Command {
	return &ffcli.Command{
		Name:       "version",
		ShortUsage: "parley version",
		ShortHelp:  "Print the version.",
		FlagSet:    a.flags("version"),
		Exec: func(ctx context.Context, args []string) error {
			fmt.Fprintf(a.stdout, "parley %s\n", parley.Version)
			return nil
		},
	}
}
