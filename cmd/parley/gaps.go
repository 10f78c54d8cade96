package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/embeddings"
	"github.com/parleyhq/parley/internal/gaps"
	"github.com/parleyhq/parley/internal/store"
)

// gapsCmd is `parley gaps`: the knowledge gaps of SPEC §6 from a terminal,
// with the same actions as the Knowledge gaps page, and the offline
// grouping command.
func (a *app) gapsCmd() *ffcli.Command {
	list := a.gapsListCmd()
	return &ffcli.Command{
		Name:       "gaps",
		ShortUsage: "parley gaps [list|show|resolve|dismiss|restore|rename|merge|move|dismiss-questions|restore-questions|cluster] …",
		ShortHelp:  "List and act on knowledge gaps: topics of questions the agent could not answer.",
		LongHelp: "Without a subcommand, lists the open topics. Questions found by evaluation are grouped\n" +
			"into topics by `parley evaluate` and by the server's background worker.",
		FlagSet: list.FlagSet,
		Subcommands: []*ffcli.Command{list, a.gapsShowCmd(),
			a.gapsActionCmd("resolve", "ID --question Q --answer A", "Write a short answer and resolve the topic."),
			a.gapsActionCmd("dismiss", "ID", "Dismiss a topic; questions that join it later stay dismissed."),
			a.gapsActionCmd("restore", "ID", "Restore a dismissed topic."),
			a.gapsActionCmd("rename", "ID NAME", "Name a topic (an empty name goes back to its label)."),
			a.gapsActionCmd("merge", "INTO FROM…", "Merge topics into topic INTO."),
			a.gapsActionCmd("move", "QUESTION_ID TOPIC", "Move a question (its event id) to another topic."),
			a.gapsActionCmd("dismiss-questions", "QUESTION_ID…", "Dismiss single questions."),
			a.gapsActionCmd("restore-questions", "QUESTION_ID…", "Restore dismissed questions."),
			a.gapsClusterCmd(),
		},
		Exec: list.Exec,
	}
}

func (a *app) gapsListCmd() *ffcli.Command {
	fs := a.flags("gaps list")
	var (
		state  = fs.String("state", "open", "topics with questions in this state: open, resolved or dismissed")
		from   = fs.String("from", "", "questions asked on or after this local date, YYYY-MM-DD")
		to     = fs.String("to", "", "questions asked on or before this local date, YYYY-MM-DD")
		chans  = fs.String("channel", "", "only these channels, comma-separated")
		format = fs.String("format", "text", "output format: text, json or csv")
	)
	return &ffcli.Command{
		Name:       "list",
		ShortUsage: "parley gaps list [--state S] [--from D] [--to D] [--channel C] [--format text|json|csv]",
		ShortHelp:  "List topics, most conversations first.",
		FlagSet:    fs,
		Exec: func(ctx context.Context, args []string) error {
			if err := formatFlag(*format); err != nil {
				return err
			}
			f := store.TopicFilter{State: parley.GapState(*state), From: *from, To: *to}
			if *chans != "" {
				f.Channels = strings.Split(*chans, ",")
			}
			if !slices.Contains(parley.GapStates, f.State) {
				return fmt.Errorf("%w: --state: want open, resolved or dismissed, not %q", errUsage, *state)
			}
			db, ws, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			topics, err := db.Topics(ctx, ws.ID, f)
			if err != nil {
				return err
			}
			return a.printTopics(topics, *format)
		},
	}
}

func (a *app) printTopics(topics []parley.TopicSummary, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(a.stdout)
		for _, t := range topics {
			if err := enc.Encode(t); err != nil {
				return fmt.Errorf("write: %w", err)
			}
		}
		return nil
	case "csv":
		cw := csv.NewWriter(a.stdout)
		cw.Write([]string{"id", "topic", "state", "conversations", "questions", "last_asked", "recurrences"})
		for _, t := range topics {
			// A topic's title is an editor's name or a label made of
			// visitors' words.
			cw.Write([]string{strconv.FormatInt(t.ID, 10), parley.SafeCell(t.Title()), string(t.State), strconv.Itoa(t.Conversations),
				strconv.Itoa(t.Questions), t.LastAsked.Format(time.RFC3339), strconv.Itoa(t.Recurrences)})
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCONVERSATIONS\tQUESTIONS\tLAST ASKED\tTOPIC")
	for _, t := range topics {
		title := printable(t.Title())
		if t.Recurrences > 0 {
			title += fmt.Sprintf(" (%d recurring)", t.Recurrences)
		}
		fmt.Fprintf(tw, "%d\t%d\t%d\t%s\t%s\n", t.ID, t.Conversations, t.Questions, t.LastAsked.Format(time.RFC3339), title)
	}
	if len(topics) == 0 {
		fmt.Fprintln(tw, "(no topics)")
	}
	return tw.Flush()
}

func (a *app) gapsShowCmd() *ffcli.Command {
	fs := a.flags("gaps show")
	format := fs.String("format", "text", "output format: text or json")
	return &ffcli.Command{
		Name:       "show",
		ShortUsage: "parley gaps show [--format text|json] ID",
		ShortHelp:  "Show a topic and every question in it.",
		FlagSet:    fs,
		Exec: func(ctx context.Context, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("%w: gaps show takes one topic id", errUsage)
			}
			id, err := topicArg(args[0])
			if err != nil {
				return err
			}
			db, ws, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			t, err := db.Topic(ctx, ws.ID, id)
			if err != nil {
				return err
			}
			qs, err := db.TopicQuestions(ctx, ws.ID, t.ID, "")
			if err != nil {
				return err
			}
			if *format == "json" {
				return json.NewEncoder(a.stdout).Encode(map[string]any{"topic": t, "questions": qs})
			}
			fmt.Fprintf(a.stdout, "Topic %d: %s (%s", t.ID, printable(t.Title()), t.State)
			if t.Recurrences > 0 {
				fmt.Fprintf(a.stdout, ", %d recurring after it was resolved", t.Recurrences)
			}
			fmt.Fprintln(a.stdout, ")")
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "QUESTION ID\tASKED\tCHANNEL\tSTATE\tCONVERSATION\tQUESTION")
			for _, q := range qs {
				state := string(q.State)
				if q.Recurrence {
					state += " (recurrence)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", printable(q.EventID), q.At.Format(time.RFC3339), printable(q.Channel),
					state, printable(q.ConversationID), printable(q.Question))
			}
			return tw.Flush()
		},
	}
}

// topicArg reads a topic id argument.
func topicArg(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%w: %q is not a topic id", errUsage, s)
	}
	return id, nil
}

// gapsActionCmd is one editor action on topics or questions.
func (a *app) gapsActionCmd(name, args, help string) *ffcli.Command {
	fs := a.flags("gaps " + name)
	var question, answer *string
	if name == "resolve" {
		question = fs.String("question", "", "the question as the short answer states it (default: the topic's name)")
		answer = fs.String("answer", "", "the answer the agent should give")
	}
	return &ffcli.Command{
		Name:       name,
		ShortUsage: "parley gaps " + name + " " + args,
		ShortHelp:  help,
		FlagSet:    fs,
		Exec: func(ctx context.Context, argv []string) error {
			return a.gapsAction(ctx, name, argv, question, answer)
		},
	}
}

func (a *app) gapsAction(ctx context.Context, name string, args []string, question, answer *string) error {
	need := map[string]int{"resolve": 1, "dismiss": 1, "restore": 1, "rename": 2, "move": 2}
	if n, ok := need[name]; ok && len(args) != n {
		return fmt.Errorf("%w: gaps %s takes %d argument(s)", errUsage, name, n)
	}
	if len(args) == 0 || (name == "merge" && len(args) < 2) {
		return fmt.Errorf("%w: gaps %s needs more arguments", errUsage, name)
	}
	var ids []int64
	if name != "move" && name != "dismiss-questions" && name != "restore-questions" {
		topicArgs := args
		if name == "rename" {
			topicArgs = args[:1]
		}
		for _, s := range topicArgs {
			id, err := topicArg(s)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
	}
	db, ws, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	now := a.now()
	switch name {
	case "resolve":
		q := *question
		if q == "" {
			t, err := db.Topic(ctx, ws.ID, ids[0])
			if err != nil {
				return err
			}
			q = t.Title()
		}
		sa, err := db.ResolveTopic(ctx, ws.ID, ids[0], parley.ShortAnswer{Question: q, Answer: *answer}, now)
		if err != nil {
			return err
		}
		a.audit(ctx, db, ws, "gap.resolve", fmt.Sprintf("topic %d", ids[0]), fmt.Sprintf("short answer %d: %s", sa.ID, q))
		fmt.Fprintf(a.stdout, "resolved topic %d with short answer %d\n", ids[0], sa.ID)
		return nil
	case "dismiss":
		err = db.DismissTopic(ctx, ws.ID, ids[0], now)
	case "restore":
		err = db.RestoreTopic(ctx, ws.ID, ids[0], now)
	case "rename":
		err = db.RenameTopic(ctx, ws.ID, ids[0], args[1], now)
	case "merge":
		err = db.MergeTopics(ctx, ws.ID, ids[0], ids[1:], now)
	case "move":
		to, terr := topicArg(args[1])
		if terr != nil {
			return terr
		}
		err = db.MoveQuestion(ctx, ws.ID, args[0], to, now)
	case "dismiss-questions":
		err = db.SetQuestionsState(ctx, ws.ID, args, parley.GapDismissed, now)
	case "restore-questions":
		err = db.SetQuestionsState(ctx, ws.ID, args, parley.GapOpen, now)
	}
	if err != nil {
		return err
	}
	a.audit(ctx, db, ws, "gap."+strings.ReplaceAll(name, "-", "_"), strings.Join(args, " "), "")
	fmt.Fprintf(a.stdout, "%s: done\n", name)
	return nil
}

// gapsClusterCmd is `parley gaps cluster FILE|-` (SPEC §8): grouping from
// scratch, offline, with the method and settings the service uses.
func (a *app) gapsClusterCmd() *ffcli.Command {
	fs := flag.NewFlagSet("gaps cluster", flag.ContinueOnError)
	embedder := a.embeddingFlags(fs)
	return &ffcli.Command{
		Name:       "cluster",
		ShortUsage: "parley gaps cluster [--embeddings-url URL] FILE|-",
		ShortHelp:  "Group the `text` of each JSONL line into topics; print each line with a `topic` field added.",
		FlagSet:    fs,
		Exec: func(ctx context.Context, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("%w: gaps cluster takes one file (- for standard input)", errUsage)
			}
			in := a.stdin
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				in = f
			}
			c, err := embedder()
			if err != nil {
				return err
			}
			return cluster(ctx, in, a.stdout, c)
		},
	}
}

// cluster reads JSONL objects with a text field, groups the texts (by
// their embeddings when c is not nil), and writes each object back, in
// order, with its topic number added.
func cluster(ctx context.Context, in io.Reader, out io.Writer, c *embeddings.Client) error {
	var (
		rows  []map[string]json.RawMessage
		texts []string
	)
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		var row map[string]json.RawMessage
		if err := json.Unmarshal(b, &row); err != nil {
			return parley.InvalidInput([]parley.Problem{parley.FieldProblem(fmt.Sprintf("line %d", line), "not a JSON object: "+err.Error())})
		}
		var text string
		if err := json.Unmarshal(row["text"], &text); err != nil {
			return parley.InvalidInput([]parley.Problem{parley.FieldProblem(fmt.Sprintf("line %d: text", line), "must be a string")})
		}
		rows, texts = append(rows, row), append(texts, text)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read: %w", err)
	}
	var topics []int
	if c != nil {
		vecs, err := c.Embed(ctx, texts)
		if err != nil {
			return err
		}
		topics = gaps.GroupVectors(vecs)
	} else {
		topics = gaps.Group(texts)
	}
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	for i, topic := range topics {
		rows[i]["topic"] = json.RawMessage(strconv.Itoa(topic))
		if err := enc.Encode(rows[i]); err != nil {
			return fmt.Errorf("write: %w", err)
		}
	}
	return w.Flush()
}
