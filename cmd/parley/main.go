// Command parley measures how well a support team's AI customer agent
// performs and what it could not answer. See the README for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "time/tzdata" // time zones work on machines without a zoneinfo database

	"github.com/peterbourgon/ff/v3"
	"github.com/peterbourgon/ff/v3/ffcli"
	"golang.org/x/term"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/web"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, now: time.Now}))
}

// env is what a command may touch of the outside world; tests give their own.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	now            func() time.Time
	// listening, if set, learns the address serve listens on once it
	// accepts connections (tests serve on port 0).
	listening func(addr string)
}

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran and failed (bad input, unreachable database…)
	exitUsage   = 2 // the command line itself was wrong
)

// errUsage marks an error in the command line; run prints usage for it.
var errUsage = errors.New("usage")

// defaultDSN is the embedded database in the working directory.
const defaultDSN = "sqlite:parley.db"

// app holds what every command shares: its environment and the common flags.
type app struct {
	env
	dsn       string
	dbOpt     store.Options
	workspace string
	logLevel  string
	log       *slog.Logger
	// secureCookies is serve's --secure-cookies.
	secureCookies bool
	// webhookAllow is --webhook-allow-net, webhookTimeout serve's
	// --webhook-timeout.
	webhookAllow   string
	webhookTimeout time.Duration
	// trustedProxies and timeouts are serve's --trusted-proxies and
	// --…-timeout flags; demo serves with the defaults.
	trustedProxies string
	timeouts       web.Timeouts
}

// run executes one command line and returns the process exit code.
func run(ctx context.Context, args []string, e env) int {
	a := &app{env: e, timeouts: web.DefaultTimeouts()}
	root := a.command()
	if err := root.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintf(e.stderr, "parley: %v\n", err)
		return exitUsage
	}
	err := root.Run(ctx)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprintln(e.stderr, ffcli.DefaultUsageFunc(root))
		return exitUsage
	case errors.Is(err, errUsage):
		fmt.Fprintf(e.stderr, "parley: %v\n", err)
		return exitUsage
	}
	a.printError(err)
	return exitFailure
}

// command is the tree of every command, ready to parse.
func (a *app) command() *ffcli.Command {
	root := group(&ffcli.Command{
		Name:       "parley",
		ShortUsage: "parley <command> [flags] [args]",
		ShortHelp:  "Measure an AI customer agent and close its knowledge gaps.",
		Subcommands: []*ffcli.Command{
			a.serveCmd(), a.ingestCmd(), a.genCmd(), a.evaluateCmd(), a.rebuildCmd(), a.reportCmd(), a.conversationsCmd(), a.gapsCmd(),
			a.settingsCmd(), a.webhookCmd(), a.demoCmd(), a.userCmd(), a.tokenCmd(), a.sourceCmd(), a.workspaceCmd(), a.migrateCmd(), a.versionCmd(),
		},
	})
	configure(root, a.stderr)
	return root
}

// group readies a command that only gathers subcommands: given none, it
// prints its usage, as a wrong command line does.
func group(c *ffcli.Command) *ffcli.Command {
	c.FlagSet = flag.NewFlagSet(c.Name, flag.ContinueOnError)
	c.Exec = func(context.Context, []string) error { return flag.ErrHelp }
	return c
}

// configure readies every command of the tree, at any depth, to be parsed:
// usage goes to stderr, and each flag also reads PARLEY_ and its name from
// the environment. ffcli parses each command of a path with that command's
// own options, so a nested command such as `token list` given none would
// ignore PARLEY_DB and silently open ./parley.db. A flag on the command
// line still wins over the environment, which wins over the default.
func configure(c *ffcli.Command, stderr io.Writer) {
	if c.FlagSet != nil {
		c.FlagSet.SetOutput(stderr)
	}
	c.Options = append(c.Options, ff.WithEnvVarPrefix("PARLEY"))
	for _, sub := range c.Subcommands {
		configure(sub, stderr)
	}
}

// printError reports a failed command: its user-facing message and every
// problem it carries, one per line.
func (a *app) printError(err error) {
	if parley.KindOf(err) == parley.KindInternal {
		fmt.Fprintf(a.stderr, "parley: %v\n", err)
		return
	}
	fmt.Fprintf(a.stderr, "parley: %s\n", parley.MessageOf(err))
	for _, p := range parley.ProblemsOf(err) {
		if p.Index < 0 {
			fmt.Fprintf(a.stderr, "  %s: %s\n", p.Field, p.Message)
			continue
		}
		id := ""
		if p.ID != "" {
			id = fmt.Sprintf(" (id %q)", p.ID)
		}
		fmt.Fprintf(a.stderr, "  event %d%s: %s: %s\n", p.Index, id, p.Field, p.Message)
	}
}

// flags returns a flag set with the flags every command takes.
func (a *app) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&a.dsn, "db", defaultDSN, "database: sqlite:PATH or postgres://… (env PARLEY_DB, or PARLEY_DB_FILE naming a file that holds it)")
	fs.StringVar(&a.workspace, "workspace", parley.DefaultWorkspace, "workspace slug, created on first use (env PARLEY_WORKSPACE)")
	fs.StringVar(&a.logLevel, "log-level", "info", "log level: debug, info, warn, error (env PARLEY_LOG_LEVEL)")
	def := store.DefaultOptions()
	a.dbOpt = def
	fs.DurationVar(&a.dbOpt.LockTimeout, "db-lock-timeout", def.LockTimeout, "PostgreSQL: longest wait for a lock before a statement fails, 0 for none (env PARLEY_DB_LOCK_TIMEOUT)")
	fs.DurationVar(&a.dbOpt.StatementTimeout, "db-statement-timeout", def.StatementTimeout, "PostgreSQL: longest a statement may run, 0 for no limit (env PARLEY_DB_STATEMENT_TIMEOUT)")
	fs.DurationVar(&a.dbOpt.IdleInTransactionTimeout, "db-idle-in-transaction-timeout", def.IdleInTransactionTimeout,
		"PostgreSQL: a session idle this long inside a transaction is ended, freeing its locks; 0 for never (env PARLEY_DB_IDLE_IN_TRANSACTION_TIMEOUT)")
	return fs
}

// interspersed parses the flags that follow a command's arguments, as in
// `parley source create chatwoot --name N`: Go's flag package stops at the
// first argument that is not a flag. It returns the arguments.
func interspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var out []string
	for len(args) > 0 {
		if !strings.HasPrefix(args[0], "-") || args[0] == "-" {
			out, args = append(out, args[0]), args[1:]
			continue
		}
		if args[0] == "--" {
			return append(out, args[1:]...), nil
		}
		if err := fs.Parse(args); err != nil {
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		args = fs.Args()
	}
	return out, nil
}

// idArg reads the id of a topic, source, token…: a whole number above
// zero, as the database numbers them.
func idArg(s, what string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%w: %q is not a %s id", errUsage, s, what)
	}
	return id, nil
}

// idArgs reads a command's arguments when they are ids, of what — "webhook",
// "delivery" — in that order, each read by idArg. Flags may come after
// them too ("webhook deliveries 3 --state failed"; see interspersed).
func idArgs(fs *flag.FlagSet, args []string, what ...string) ([]int64, error) {
	args, err := interspersed(fs, args)
	if err != nil {
		return nil, err
	}
	if len(args) != len(what) {
		return nil, fmt.Errorf("%w: %s takes a %s id", errUsage, fs.Name(), strings.Join(what, " id and a "))
	}
	ids := make([]int64, len(args))
	for i, s := range args {
		if ids[i], err = idArg(s, what[i]); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// idCmd is a command whose arguments are ids of what — a webhook, then a
// delivery —, with no flags of its own, which runs do with them on the
// open database.
func (a *app) idCmd(path, usage, help string, what []string, do func(ctx context.Context, db *store.DB, ws parley.Workspace, ids []int64) error) *ffcli.Command {
	return a.idsCommand(dbCmd{fs: a.flags(path), usage: usage, help: help}, what, do)
}

// idsCommand makes c, which declares no run, a command whose arguments are
// ids of what, read by idArgs (flags may follow them) before c.check, if
// it has one, checks its flags; do runs with them on the open database.
func (a *app) idsCommand(c dbCmd, what []string, do func(ctx context.Context, db *store.DB, ws parley.Workspace, ids []int64) error) *ffcli.Command {
	var ids []int64
	check := c.check
	c.check = func(args []string) (err error) {
		if ids, err = idArgs(c.fs, args, what...); err != nil || check == nil {
			return err
		}
		return check(args)
	}
	c.run = func(ctx context.Context, db *store.DB, ws parley.Workspace) error { return do(ctx, db, ws, ids) }
	return a.dbCommand(c)
}

// listing is a command that lists what read returns: a table of header
// and each row's cells or, with --format json, one JSON value — the rows,
// or what asJSON makes of them.
type listing[T any] struct {
	// path, usage and help are as in dbCmd.
	path, usage, help string
	// formatUsage is --format's usage, "" for a command that prints a
	// table only.
	formatUsage string
	read        func(ctx context.Context, db *store.DB, ws parley.Workspace) ([]T, error)
	asJSON      func(rows []T) any
	header      []string
	cells       func(row T) []any
}

func listCmd[T any](a *app, l listing[T]) *ffcli.Command {
	fs := a.flags(l.path)
	out := a.text()
	if l.formatUsage != "" {
		out = a.formatFlag(fs, l.formatUsage, "text", "json")
	}
	return a.dbCommand(dbCmd{
		fs: fs, usage: l.usage, help: l.help, out: out,
		run: func(ctx context.Context, db *store.DB, ws parley.Workspace) error {
			rows, err := l.read(ctx, db, ws)
			if err != nil {
				return err
			}
			if out.is("json") {
				var v any = rows
				if l.asJSON != nil {
					v = l.asJSON(rows)
				}
				return out.json(v)
			}
			t := out.table(l.header...)
			for _, r := range rows {
				t.row(l.cells(r)...)
			}
			return t.flush()
		},
	})
}

// defaulting readies a command that runs its subcommand def when given
// none (`parley gaps` lists, as `parley gaps list` does): it takes def's
// flags and Exec.
func defaulting(c, def *ffcli.Command) *ffcli.Command {
	c.FlagSet, c.Exec = def.FlagSet, def.Exec
	return c
}

// dbCmd is a command that works on a workspace, as its file declares it;
// a.dbCommand makes it an ffcli command. Every such command reads its
// command line in the same order — its arguments and flags, then --format —
// and opens the database only once they are good, closing it after run.
type dbCmd struct {
	// fs holds the common flags (a.flags) and the command's own; its name
	// is the command's path after "parley", such as "token revoke".
	fs *flag.FlagSet
	// usage follows "parley PATH" in the usage line; help and long are
	// ffcli's ShortHelp and LongHelp.
	usage, help, long string
	// out is the command's --format (a.formatFlag), nil if it has none.
	out *output
	// now is the command's --now (a.nowFlag), nil if it has none. It is
	// read before check, so that check and run only ask it for the time.
	now *present
	// check reads the arguments and checks what flags need more than
	// their type, before the database is opened; nil for a command that
	// reads no arguments.
	check func(args []string) error
	run   func(ctx context.Context, db *store.DB, ws parley.Workspace) error
}

func (a *app) dbCommand(c dbCmd) *ffcli.Command {
	path := c.fs.Name()
	return &ffcli.Command{
		Name:       path[strings.LastIndex(path, " ")+1:],
		ShortUsage: strings.TrimSpace("parley " + path + " " + c.usage),
		ShortHelp:  c.help,
		LongHelp:   c.long,
		FlagSet:    c.fs,
		Exec: func(ctx context.Context, args []string) error {
			if c.now != nil {
				if err := c.now.read(); err != nil {
					return err
				}
			}
			if c.check != nil {
				if err := c.check(args); err != nil {
					return err
				}
			}
			if c.out != nil {
				if err := c.out.check(); err != nil {
					return err
				}
			}
			return a.withDB(ctx, func(db *store.DB, ws parley.Workspace) error { return c.run(ctx, db, ws) })
		},
	}
}

// open connects to the database and resolves the workspace. A DSN that
// holds a password may come from the file PARLEY_DB_FILE names instead of
// a flag or PARLEY_DB, which other users of the machine could read.
func (a *app) open(ctx context.Context) (*store.DB, parley.Workspace, error) {
	a.log = a.logger()
	if f := os.Getenv("PARLEY_DB_FILE"); f != "" && os.Getenv("PARLEY_DB") == "" && a.dsn == defaultDSN {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, parley.Workspace{}, fmt.Errorf("PARLEY_DB_FILE: %w", err)
		}
		a.dsn = strings.TrimSpace(string(b))
	}
	db, err := store.OpenWith(ctx, a.dsn, a.dbOpt)
	if err != nil {
		return nil, parley.Workspace{}, fmt.Errorf("open database: %w", err)
	}
	ws, err := db.EnsureWorkspace(ctx, a.workspace, a.now())
	if err != nil {
		db.Close()
		return nil, ws, err
	}
	return db, ws, nil
}

// withDB runs fn with the database open and the workspace resolved, and
// closes the database after: what every command that reads or changes a
// workspace does once its command line has been checked.
func (a *app) withDB(ctx context.Context, fn func(db *store.DB, ws parley.Workspace) error) error {
	db, ws, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(db, ws)
}

// logger builds the process logger at the requested level: text for a
// person at a terminal, JSON for a log collector, and every line written
// while serving a request carries its request id.
func (a *app) logger() *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(strings.ToUpper(a.logLevel))); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewJSONHandler(a.stderr, opts)
	if f, ok := a.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		h = slog.NewTextHandler(a.stderr, opts)
	}
	return slog.New(web.ContextHandler{Handler: h})
}
