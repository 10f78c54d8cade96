package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/store"
)

// settingsCmd is `parley settings`: every workspace setting from a
// terminal, changed through the one settings change that the Settings page
// and the API make too.
func (a *app) settingsCmd() *ffcli.Command {
	show := a.settingsShowCmd()
	return defaulting(&ffcli.Command{
		Name:        "settings",
		ShortUsage:  "parley settings [show|set] …",
		ShortHelp:   "Show or change the workspace's settings.",
		LongHelp:    "Without a subcommand, shows them. The settings are " + strings.Join(parley.SettingKeys, ", ") + ".",
		Subcommands: []*ffcli.Command{show, a.settingsSetCmd()},
	}, show)
}

func (a *app) settingsShowCmd() *ffcli.Command {
	fs := a.flags("settings show")
	out := a.formatFlag(fs, "output format: text (KEY=VALUE lines, as settings set reads them) or json", "text", "json")
	return a.dbCommand(dbCmd{
		fs: fs, usage: "[--format text|json]", help: "Print every setting, as KEY=VALUE lines or as the API's JSON.", out: out,
		check: func(args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("%w: settings show takes no arguments", errUsage)
			}
			return nil
		},
		run: func(ctx context.Context, db *store.DB, ws parley.Workspace) error {
			v := parley.VersionedSettings{Version: ws.SettingsVersion, Settings: ws.Settings}
			if out.is("json") {
				return out.json(v)
			}
			fmt.Fprintf(a.stderr, "workspace %s, settings version %d\n", ws.Slug, v.Version)
			printSettings(a.stdout, v.Settings)
			return nil
		},
	})
}

func (a *app) settingsSetCmd() *ffcli.Command {
	fs := a.flags("settings set")
	out := a.formatFlag(fs, "output format: text or json (the API's reply to PUT /api/v1/settings)", "text", "json")
	values := map[string]string{}
	return a.dbCommand(dbCmd{
		fs:    fs,
		usage: "[--format text|json] KEY=VALUE…",
		help:  "Change some settings; the others keep their values.",
		long: "Keys: " + strings.Join(parley.SettingKeys, ", ") + ". Values as settings show prints them:\n" +
			"window a duration (72h, 1h30m, 7d); counted_channels comma-separated, empty for every channel;\n" +
			"resolution_criterion cited_source_or_action or any_agent_reply; failed_last_action true or false.\n" +
			"Changing the time zone, the window or the resolution definition has every conversation evaluated\n" +
			"again from the raw events, by parley serve (in the background) or parley evaluate; until that is\n" +
			"done, reports show the previous numbers and how far it has come.",
		out: out,
		check: func(args []string) error {
			if len(args) == 0 {
				return fmt.Errorf("%w: settings set takes KEY=VALUE arguments, such as window=48h", errUsage)
			}
			for _, arg := range args {
				key, value, ok := strings.Cut(arg, "=")
				if !ok {
					return fmt.Errorf("%w: %q is not KEY=VALUE", errUsage, arg)
				}
				if _, twice := values[key]; twice {
					return fmt.Errorf("%w: %s is given twice", errUsage, key)
				}
				values[key] = value
			}
			return nil
		},
		run: func(ctx context.Context, db *store.DB, ws parley.Workspace) error {
			change, err := db.ChangeSettings(ctx, ws.ID, func(s parley.Settings) (parley.Settings, error) { return s.ApplyText(values) }, cliActor, a.now())
			if err != nil {
				return err
			}
			if out.is("json") {
				return out.json(change)
			}
			reportChange(a.stderr, ws, change)
			printSettings(a.stdout, change.Settings)
			return nil
		},
	})
}

// printSettings writes every setting as a KEY=VALUE line, which settings
// set reads back.
func printSettings(w io.Writer, s parley.Settings) {
	for _, k := range parley.SettingKeys {
		fmt.Fprintf(w, "%s=%s\n", k, s.Text(k))
	}
}

// reportChange says what a change did.
func reportChange(w io.Writer, ws parley.Workspace, c store.SettingsChange) {
	switch {
	case c.Diff == "":
		fmt.Fprintf(w, "nothing changed: workspace %s, settings version %d\n", ws.Slug, c.Version)
	case c.Recompute:
		fmt.Fprintf(w, "workspace %s, settings version %d: changed %s\n"+
			"every conversation is evaluated again with them, by parley serve in the background (or run parley evaluate);\n"+
			"until then reports show the previous numbers\n", ws.Slug, c.Version, c.Diff)
	default:
		fmt.Fprintf(w, "workspace %s, settings version %d: changed %s\n", ws.Slug, c.Version, c.Diff)
	}
}
