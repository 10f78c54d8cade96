package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"time"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/parleyhq/parley/internal/synth"
)

func (a *app) genCmd() *ffcli.Command {
	fs := a.flags("gen")
	conversations := fs.Int("conversations", 1000, "number of conversations")
	days := fs.Int("days", 28, "days the conversations are spread over, ending at --end")
	seed := fs.Int64("seed", 1, "random seed; the same flags give the same stream")
	end := fs.String("end", "", "RFC 3339 instant or YYYY-MM-DD the stream ends at (default: now)")
	out := fs.String("out", "-", "file to write, - for standard output")
	return &ffcli.Command{
		Name:       "gen",
		ShortUsage: "parley gen [--conversations N] [--days D] [--seed S] [--end T] [--out FILE]",
		ShortHelp:  "Write a deterministic synthetic event stream as NDJSON.",
		FlagSet:    fs,
		Exec: func(ctx context.Context, args []string) error {
			opt := synth.Options{Conversations: *conversations, Days: *days, Seed: *seed, End: a.now().UTC()}
			if *end != "" {
				t, err := parseInstant(*end)
				if err != nil {
					return fmt.Errorf("%w: --end: %v", errUsage, err)
				}
				opt.End = t
			}
			if opt.Conversations < 0 || opt.Days < 1 {
				return fmt.Errorf("%w: --conversations must be ≥ 0 and --days ≥ 1", errUsage)
			}
			w := a.stdout
			if *out != "-" {
				f, err := os.Create(*out)
				if err != nil {
					return fmt.Errorf("gen: %w", err)
				}
				defer f.Close()
				w = f
			}
			bw := bufio.NewWriterSize(w, 1<<20)
			stats, err := synth.Generate(bw, opt)
			if err != nil {
				return fmt.Errorf("gen: %w", err)
			}
			if err := bw.Flush(); err != nil {
				return fmt.Errorf("gen: %w", err)
			}
			a.logger().Debug("generated", "conversations", stats.Conversations, "events", stats.Events)
			return nil
		},
	}
}

// parseInstant reads an RFC 3339 instant or a plain date (midnight UTC).
func parseInstant(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither RFC 3339 nor YYYY-MM-DD", s)
	}
	return t, nil
}
