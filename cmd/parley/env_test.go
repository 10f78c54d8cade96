package main

import (
	"flag"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/peterbourgon/ff/v3/ffcli"
)

// runnable lists the path of every command that takes flags, at any
// depth, such as ["token", "list"]; the others (user, token, workspace)
// only print their subcommands.
func runnable(c *ffcli.Command, path []string) [][]string {
	var out [][]string
	if len(path) > 0 && c.FlagSet != nil && hasFlags(c.FlagSet) {
		out = append(out, path)
	}
	for _, sub := range c.Subcommands {
		out = append(out, runnable(sub, append(path[:len(path):len(path)], sub.Name))...)
	}
	return out
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parsed parses args with a fresh command tree and returns the flag set of
// the command they select.
func parsed(t *testing.T, args []string) *flag.FlagSet {
	t.Helper()
	a := &app{env: env{stdout: io.Discard, stderr: io.Discard}}
	root := a.command()
	if err := root.Parse(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	c := root
	for _, name := range args {
		for _, sub := range c.Subcommands {
			if sub.Name == name {
				c = sub
			}
		}
	}
	return c.FlagSet
}

func isString(v any) bool { _, ok := v.(string); return ok }

// envName is the variable that sets a flag, as the README says.
func envName(flag string) string {
	return "PARLEY_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// TestEveryCommandReadsEnvironment checks, for every string flag of every
// command however deeply nested, that PARLEY_<FLAG> sets it and that the
// flag on the command line wins over the variable.
func TestEveryCommandReadsEnvironment(t *testing.T) {
	paths := runnable((&app{env: env{stderr: io.Discard}}).command(), nil)
	if len(paths) < 20 {
		t.Fatalf("found only %d commands: %v", len(paths), paths)
	}
	for _, path := range paths {
		t.Run(strings.Join(path, "_"), func(t *testing.T) {
			fs := parsed(t, path)
			// Every command takes --db and --workspace (SPEC §8) except the
			// offline grouping, which reads no database.
			if strings.Join(path, " ") != "gaps cluster" {
				for _, name := range []string{"db", "workspace"} {
					if fs.Lookup(name) == nil {
						t.Errorf("parley %s has no --%s", strings.Join(path, " "), name)
					}
				}
			}
			fs.VisitAll(func(f *flag.Flag) {
				if g, ok := f.Value.(flag.Getter); !ok || !isString(g.Get()) {
					return
				}
				t.Setenv(envName(f.Name), "from-env")
				if got := parsed(t, path).Lookup(f.Name).Value.String(); got != "from-env" {
					t.Errorf("with %s=from-env, --%s is %q", envName(f.Name), f.Name, got)
				}
				args := append(path[:len(path):len(path)], "--"+f.Name+"=from-flag")
				if got := parsed(t, args).Lookup(f.Name).Value.String(); got != "from-flag" {
					t.Errorf("with %s set, --%s=from-flag gave %q", envName(f.Name), f.Name, got)
				}
				os.Unsetenv(envName(f.Name)) // t.Setenv restores it when the test ends
			})
		})
	}
}

// TestNestedCommandsUseEnvironmentDatabase runs the people, token,
// workspace and gaps commands with only PARLEY_DB and PARLEY_WORKSPACE: the
// work lands in that database and workspace, and no parley.db appears in
// the working directory.
func TestNestedCommandsUseEnvironmentDatabase(t *testing.T) {
	t.Chdir(t.TempDir())
	dsn := migratedDB(t)
	t.Setenv("PARLEY_DB", dsn)
	t.Setenv("PARLEY_WORKSPACE", "acme")
	t.Setenv("PARLEY_PASSWORD", "correct horse battery")
	tests := []struct {
		args     []string
		code     int
		contains string // in stdout, or in stderr for a failure
	}{
		{[]string{"user", "add", "--email", "lead@example.com", "--role", "admin"}, exitOK, "admin of workspace acme"},
		{[]string{"user", "list"}, exitOK, "lead@example.com"},
		{[]string{"token", "create", "--name", "agent"}, exitOK, "pk_"},
		{[]string{"token", "list"}, exitOK, "agent"},
		{[]string{"token", "revoke", "1"}, exitOK, "token 1 revoked"},
		{[]string{"workspace", "create", "other"}, exitOK, "workspace other is ready"},
		{[]string{"workspace", "list"}, exitOK, "other"},
		{[]string{"gaps", "list"}, exitOK, "(no topics)"},
		{[]string{"gaps", "show", "1"}, exitFailure, "not found"},
		{[]string{"gaps", "dismiss", "1"}, exitFailure, "not found"},
	}
	for _, tt := range tests {
		r := runParley(t, "", tt.args...)
		out := r.stdout
		if tt.code != exitOK {
			out = r.stderr
		}
		if r.code != tt.code || !strings.Contains(out, tt.contains) {
			t.Errorf("parley %s: exit %d, stdout %q, stderr %q; want exit %d and %q",
				strings.Join(tt.args, " "), r.code, r.stdout, r.stderr, tt.code, tt.contains)
		}
		if _, err := os.Stat("parley.db"); !os.IsNotExist(err) {
			t.Errorf("parley %s made ./parley.db despite PARLEY_DB (stat: %v)", strings.Join(tt.args, " "), err)
			os.Remove("parley.db") // so that the next command is judged on its own
		}
	}

	// What the commands did is in the environment's database and
	// workspace, read back with flags.
	if r := runParley(t, "", "user", "list", "--db", dsn, "--workspace", "acme"); !strings.Contains(r.stdout, "lead@example.com") {
		t.Errorf("workspace acme of PARLEY_DB lacks the user: %q %q", r.stdout, r.stderr)
	}
	if r := runParley(t, "", "token", "list", "--db", dsn, "--workspace", "acme"); !strings.Contains(r.stdout, "agent") {
		t.Errorf("workspace acme of PARLEY_DB lacks the token: %q %q", r.stdout, r.stderr)
	}
}
