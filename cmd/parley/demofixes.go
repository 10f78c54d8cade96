package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/embeddings"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/synth"
)

// demoFix is a knowledge gap the demo closes with a short answer part-way
// through its weeks, so that "did the fix work?" has something to show: the
// agent answers most of the topic's questions with it from then on (Share
// percent of them), citing it.
type demoFix struct {
	intent           string
	ago              time.Duration // before the demo's end
	share            int
	question, answer string
}

var demoFixes = []demoFix{
	{"student_discount", 35 * 24 * time.Hour, 85, "Is there a student discount?",
		"Yes: 15 % off every order with a student email address. Verify it once under Account › Student, and the discount applies at checkout."},
	{"warranty_extension", 21 * 24 * time.Hour, 60, "Can I extend the warranty on my purchase?",
		"Yes, within 30 days of delivery: open the order, choose Extend warranty, and pick one or two more years."},
	{"account_inheritance", 14 * 24 * time.Hour, 10, "How do I access the account of someone who died?",
		"We are sorry for your loss. Send the death certificate and proof that you are the executor to estates@example.com; we answer within two working days."},
	{"pet_policy_delivery", 3 * 24 * time.Hour, 80, "Will the courier deliver if I have a dog?",
		"Yes. Add a note for the driver under Orders › Delivery instructions, for instance to keep the dog inside or not to ring, and the courier reads it before arriving."},
}

// synthFixes are the fixes as the generator plays them: the short answers
// the demo will write, numbered in order from the first, as in a new
// database.
func synthFixes(end time.Time) []synth.Fix {
	var out []synth.Fix
	for i, f := range demoFixes {
		out = append(out, synth.Fix{Intent: f.intent, From: end.Add(-f.ago), Share: f.share, Answer: f.answer,
			SourceID: parley.ShortAnswerSourceID(int64(i + 1))})
	}
	return out
}

// fillDemo ingests a generated stream in the order it happened: up to each
// fix, evaluated and grouped, then the fix written as of its time (its
// topic resolved, questions asked later counting as recurrences), then the
// rest.
func (a *app) fillDemo(ctx context.Context, stream []byte, end time.Time) error {
	fixes := synthFixes(end)
	parts := splitStream(stream, fixes)
	for i, part := range parts {
		if _, err := a.ingestFrom(ctx, bytes.NewReader(part)); err != nil {
			return err
		}
		if err := a.demoPass(ctx); err != nil {
			return err
		}
		if i < len(fixes) {
			if err := a.writeDemoFix(ctx, demoFixes[i], fixes[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// splitStream cuts an NDJSON stream whose conversations come in start order
// before the first conversation started at or after each fix.
func splitStream(stream []byte, fixes []synth.Fix) [][]byte {
	var parts [][]byte
	start, next, offset := 0, 0, 0
	sc := bufio.NewScanner(bytes.NewReader(stream))
	sc.Buffer(make([]byte, 0, 1<<16), 1<<24)
	for sc.Scan() {
		line := sc.Bytes()
		var e struct {
			Type       parley.EventType `json:"type"`
			OccurredAt time.Time        `json:"occurred_at"`
		}
		if next < len(fixes) && json.Unmarshal(line, &e) == nil && e.Type == parley.EventConversationStarted {
			for next < len(fixes) && !e.OccurredAt.Before(fixes[next].From) {
				parts = append(parts, stream[start:offset])
				start = offset
				next++
			}
		}
		offset += len(line) + 1
	}
	for ; next < len(fixes); next++ {
		parts = append(parts, stream[start:start])
	}
	return append(parts, stream[start:])
}

// demoPass evaluates and groups what has been ingested.
func (a *app) demoPass(ctx context.Context) error {
	return a.withDB(ctx, func(db *store.DB, _ parley.Workspace) error {
		w, err := a.worker(db, a.now, func() (*embeddings.Client, error) { return nil, nil })
		if err != nil {
			return err
		}
		_, err = w.Pass(ctx)
		return err
	})
}

// writeDemoFix resolves the topic of a fix's intent with its short answer,
// as of the fix's time: the largest topic named after one of the intent's
// phrasings, else the one holding the most of them.
func (a *app) writeDemoFix(ctx context.Context, f demoFix, sf synth.Fix) error {
	return a.withDB(ctx, func(db *store.DB, ws parley.Workspace) error {
		intent := slices.IndexFunc(synth.GapIntents, func(in synth.Intent) bool { return in.Name == f.intent })
		if intent < 0 {
			return fmt.Errorf("demo: no intent %q", f.intent)
		}
		in := synth.GapIntents[intent]
		texts := map[string]bool{}
		for _, q := range slices.Concat(in.EN, in.ZhTW, in.ZhCN) {
			texts[q] = true
		}
		topics, err := db.Topics(ctx, ws.ID, store.TopicFilter{})
		if err != nil {
			return err
		}
		best, most := int64(0), 0
		for _, t := range topics { // most conversations first
			if texts[t.Label] {
				best, most = t.ID, len(texts)+1
				break
			}
		}
		for _, t := range topics {
			if most > len(texts) {
				break
			}
			qs, err := db.TopicQuestions(ctx, ws.ID, t.ID, parley.GapOpen)
			if err != nil {
				return err
			}
			n := 0
			for _, q := range qs {
				if texts[q.Question] {
					n++
				}
			}
			if n > most {
				best, most = t.ID, n
			}
		}
		var sa parley.ShortAnswer
		if best == 0 {
			// Too few conversations asked it to make a topic yet: the answer
			// is written all the same, as the generated citations name it.
			sa, err = db.CreateShortAnswer(ctx, ws.ID, parley.ShortAnswer{Question: f.question, Answer: f.answer}, sf.From)
		} else {
			sa, err = db.ApplyTopicAction(ctx, ws.ID, parley.TopicAction{Kind: parley.ActResolve, Topic: best,
				Question: f.question, Answer: f.answer}, "demo", sf.From)
		}
		if err != nil {
			return err
		}
		if sa.SourceID() != sf.SourceID {
			fmt.Fprintf(a.stderr, "demo: the short answer for %q is %s, not %s as the generated citations say\n", f.intent, sa.SourceID(), sf.SourceID)
		}
		return nil
	})
}
