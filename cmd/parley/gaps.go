package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
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
	return defaulting(&ffcli.Command{
		Name:       "gaps",
		ShortUsage: "parley gaps [list|show|resolve|dismiss|restore|rename|merge|move|dismiss-questions|restore-questions|fixes|cluster] …",
		ShortHelp:  "List and act on knowledge gaps: topics of questions the agent could not answer.",
		LongHelp: "Without a subcommand, lists the open topics. Questions found by evaluation are grouped\n" +
			"into topics by `parley evaluate` and by the server's background worker.",
		Subcommands: []*ffcli.Command{list, a.gapsShowCmd(),
			a.gapsActionCmd(parley.ActResolve, "resolve", "ID [--question Q] --answer A", "Write a short answer and resolve the topic."),
			a.gapsActionCmd(parley.ActDismiss, "dismiss", "ID", "Dismiss a topic; questions that join it later stay dismissed."),
			a.gapsActionCmd(parley.ActRestore, "restore", "ID", "Restore a dismissed topic."),
			a.gapsActionCmd(parley.ActRename, "rename", "ID NAME", "Name a topic (an empty name goes back to its label)."),
			a.gapsActionCmd(parley.ActMerge, "merge", "INTO FROM…", "Merge topics into topic INTO."),
			a.gapsActionCmd(parley.ActMoveQuestions, "move", "ID --to TOPIC QUESTION_ID…", "Move questions (their event ids) of topic ID to another topic."),
			a.gapsActionCmd(parley.ActDismissQuestions, "dismiss-questions", "ID QUESTION_ID…", "Dismiss single questions of topic ID."),
			a.gapsActionCmd(parley.ActRestoreQuestions, "restore-questions", "ID QUESTION_ID…", "Restore dismissed questions of topic ID."),
			a.gapsFixesCmd(),
			a.gapsClusterCmd(),
		},
	}, list)
}

func (a *app) gapsListCmd() *ffcli.Command {
	fs := a.flags("gaps list")
	var (
		state = fs.String("state", "open", "topics with questions in this state: open, resolved or dismissed")
		from  = fs.String("from", "", "questions asked on or after this local date, YYYY-MM-DD")
		to    = fs.String("to", "", "questions asked on or before this local date, YYYY-MM-DD")
		chans = fs.String("channel", "", "only these channels, comma-separated")
		out   = a.formatFlag(fs, "output format: text, json or csv", "text", "json", "csv")
		f     store.TopicFilter
	)
	return a.dbCommand(dbCmd{
		fs:    fs,
		usage: "[--state S] [--from D] [--to D] [--channel C] [--format text|json|csv]",
		help:  "List topics, most conversations first.",
		out:   out,
		check: func([]string) error {
			f = store.TopicFilter{State: parley.GapState(*state), From: *from, To: *to}
			f.Channels = parley.SplitList(*chans)
			if !slices.Contains(parley.GapStates, f.State) {
				return fmt.Errorf("%w: --state: want open, resolved or dismissed, not %q", errUsage, *state)
			}
			return nil
		},
		run: func(ctx context.Context, db *store.DB, ws parley.Workspace) error {
			topics, err := db.Topics(ctx, ws.ID, f)
			if err != nil {
				return err
			}
			return printTopics(out, topics)
		},
	})
}

func printTopics(out *output, topics []parley.TopicSummary) error {
	switch {
	case out.is("json"):
		return jsonLines(out, topics)
	case out.is("csv"):
		records := [][]string{{"id", "topic", "state", "conversations", "questions", "last_asked", "recurrences"}}
		for _, t := range topics {
			// A topic's title is an editor's name or a label made of
			// visitors' words.
			records = append(records, []string{strconv.FormatInt(t.ID, 10), parley.SafeCell(t.Title()), string(t.State), strconv.Itoa(t.Conversations),
				strconv.Itoa(t.Questions), t.LastAsked.Format(time.RFC3339), strconv.Itoa(t.Recurrences)})
		}
		return out.csv(records)
	}
	t := out.table("ID", "CONVERSATIONS", "QUESTIONS", "LAST ASKED", "TOPIC")
	for _, topic := range topics {
		title := printable(topic.Title())
		if topic.Recurrences > 0 {
			title += fmt.Sprintf(" (%d recurring)", topic.Recurrences)
		}
		t.row(topic.ID, topic.Conversations, topic.Questions, topic.LastAsked.Format(time.RFC3339), title)
	}
	if len(topics) == 0 {
		t.row("(no topics)")
	}
	return t.flush()
}

func (a *app) gapsShowCmd() *ffcli.Command {
	fs := a.flags("gaps show")
	out := a.formatFlag(fs, "output format: text or json", "text", "json")
	return a.idsCommand(dbCmd{fs: fs, usage: "[--format text|json] ID", help: "Show a topic and every question in it.", out: out}, []string{"topic"},
		func(ctx context.Context, db *store.DB, ws parley.Workspace, id []int64) error {
			t, err := db.Topic(ctx, ws.ID, id[0])
			if err != nil {
				return err
			}
			qs, err := db.TopicQuestions(ctx, ws.ID, t.ID, "")
			if err != nil {
				return err
			}
			if out.is("json") {
				return out.json(map[string]any{"topic": t, "questions": qs})
			}
			fmt.Fprintf(a.stdout, "Topic %d: %s (%s", t.ID, printable(t.Title()), t.State)
			if t.Recurrences > 0 {
				fmt.Fprintf(a.stdout, ", %d recurring after it was resolved", t.Recurrences)
			}
			fmt.Fprintln(a.stdout, ")")
			tbl := out.table("QUESTION ID", "ASKED", "CHANNEL", "STATE", "CONVERSATION", "QUESTION")
			for _, q := range qs {
				state := string(q.State)
				if q.Recurrence {
					state += " (recurrence)"
				}
				tbl.row(printable(q.EventID), q.At.Format(time.RFC3339), printable(q.Channel), state, printable(q.ConversationID), printable(q.Question))
			}
			return tbl.flush()
		})
}

// gapsActionCmd is one editor action on a topic or its questions. Like the
// API (POST /api/v1/gaps/{id}/{action}) and the topic page, each names the
// topic it acts on first, builds a parley.TopicAction and hands it to the
// store's ApplyTopicAction, which checks it, applies it and writes its
// audit row in one transaction.
func (a *app) gapsActionCmd(kind parley.TopicActionKind, name, usage, help string) *ffcli.Command {
	fs := a.flags("gaps " + name)
	var question, answer *string
	var to *int64
	switch kind {
	case parley.ActResolve:
		question = fs.String("question", "", "the question as the short answer states it (default: the topic's name)")
		answer = fs.String("answer", "", "the answer the agent should give")
	case parley.ActMoveQuestions:
		to = fs.Int64("to", 0, "the topic to move the questions to")
	}
	var act parley.TopicAction
	return a.dbCommand(dbCmd{
		fs: fs, usage: usage, help: help,
		check: func(args []string) error {
			// Flags may follow the topic id, as the README writes them
			// (gaps resolve ID --answer A; gaps move ID --to TOPIC Q…).
			args, err := interspersed(fs, args)
			if err != nil {
				return err
			}
			if act, err = topicActionArgs(kind, name, args); err != nil {
				return err
			}
			if question != nil {
				act.Question, act.Answer = *question, *answer
			}
			if to != nil {
				act.To = *to
			}
			return nil
		},
		run: func(ctx context.Context, db *store.DB, ws parley.Workspace) error {
			if act.Kind == parley.ActResolve && act.Question == "" {
				t, err := db.Topic(ctx, ws.ID, act.Topic)
				if err != nil {
					return err
				}
				act.Question = t.Title()
			}
			sa, err := db.ApplyTopicAction(ctx, ws.ID, act, cliActor, a.now())
			if err != nil {
				return cliProblems(err)
			}
			if act.Kind == parley.ActResolve {
				fmt.Fprintf(a.stdout, "resolved topic %d with short answer %d\n", act.Topic, sa.ID)
				return nil
			}
			fmt.Fprintf(a.stdout, "%s: done\n", name)
			return nil
		},
	})
}

// topicActionArgs reads an action's arguments: the topic acted on, then
// the name of a rename, the topics of a merge or the questions of a
// question action.
func topicActionArgs(kind parley.TopicActionKind, name string, args []string) (parley.TopicAction, error) {
	act := parley.TopicAction{Kind: kind}
	want := map[parley.TopicActionKind]int{parley.ActResolve: 1, parley.ActDismiss: 1, parley.ActRestore: 1, parley.ActRename: 2}
	if n, ok := want[kind]; ok && len(args) != n {
		return act, fmt.Errorf("%w: gaps %s takes %d argument(s)", errUsage, name, n)
	}
	if len(args) < 2 && (kind == parley.ActMerge || kind == parley.ActMoveQuestions || kind == parley.ActDismissQuestions || kind == parley.ActRestoreQuestions) {
		return act, fmt.Errorf("%w: gaps %s needs a topic id and more", errUsage, name)
	}
	id, err := idArg(args[0], "topic")
	if err != nil {
		return act, err
	}
	act.Topic = id
	switch kind {
	case parley.ActRename:
		act.Name = args[1]
	case parley.ActMerge:
		for _, s := range args[1:] {
			from, err := idArg(s, "topic")
			if err != nil {
				return act, err
			}
			act.From = append(act.From, from)
		}
	case parley.ActMoveQuestions, parley.ActDismissQuestions, parley.ActRestoreQuestions:
		act.Questions = args[1:]
	}
	return act, nil
}

// cliProblems names the problems of a refused action as the command line
// spells what the API's body calls them.
func cliProblems(err error) error {
	var e *parley.Error
	if !errors.As(err, &e) || len(e.Problems) == 0 {
		return err
	}
	spelled := map[string]string{"question": "--question", "answer": "--answer", "topic": "--to", "from": "FROM", "questions": "QUESTION_ID", "name": "NAME"}
	out := *e
	out.Problems = slices.Clone(e.Problems)
	for i, p := range out.Problems {
		if s, ok := spelled[p.Field]; ok {
			out.Problems[i].Field = s
		}
	}
	return &out
}

// gapsClusterCmd is `parley gaps cluster FILE|-` (SPEC §8): grouping from
// scratch, offline, with the method and settings the service uses.
func (a *app) gapsClusterCmd() *ffcli.Command {
	fs := flag.NewFlagSet("gaps cluster", flag.ContinueOnError)
	embedder := a.embeddingFlags(fs)
	return &ffcli.Command{
		Name:       "cluster",
		ShortUsage: "parley gaps cluster [--embeddings-url URL] FILE|-",
		ShortHelp:  "Group the `text` of each JSONL line into topics; print each line with a `topic` field added (null: like no other line).",
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
// order, with its topic number added: null for a text like no other.
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
		if topic == gaps.Ungrouped {
			rows[i]["topic"] = json.RawMessage("null") // like no other line
		}
		if err := enc.Encode(rows[i]); err != nil {
			return fmt.Errorf("write: %w", err)
		}
	}
	return w.Flush()
}
