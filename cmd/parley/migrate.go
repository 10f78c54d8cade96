package main

import (
	"context"
	"fmt"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/store"
)

func (a *app) migrateCmd() *ffcli.Command {
	fs := a.flags("migrate")
	distribute := fs.Bool("distribute", false, "Citus: after migrating, place the tables on the cluster — reference tables on every node, the others sharded by workspace (run on the coordinator; again after an upgrade that adds tables)")
	shards := fs.Int("shards", 0, "with --distribute: shards of the distributed tables, 0 for the server's citus.shard_count")
	return a.dbCommand(dbCmd{
		fs:    fs,
		usage: "[--db DSN] [--distribute [--shards N]]",
		help:  "Apply pending database migrations (serve also does this at start); on Citus, distribute the tables.",
		run: func(ctx context.Context, db *store.DB, _ parley.Workspace) error {
			applied, latest, err := db.SchemaVersion(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%s database at schema version %d of %d\n", db.Dialect(), applied, latest)
			if !*distribute {
				return nil
			}
			placed, err := db.Distribute(ctx, store.DistributeOptions{Shards: *shards})
			if err != nil {
				return err
			}
			var done, kept int
			for _, t := range placed {
				if !t.Done {
					kept++
					continue
				}
				done++
				fmt.Fprintf(a.stdout, "%s: %s\n", t.Table, t.Placement)
			}
			fmt.Fprintf(a.stdout, "distributed %d tables (%d already were)\n", done, kept)
			return nil
		},
	})
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
