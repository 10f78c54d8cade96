package parley

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// UseKind is what a customer agent reply can use: a cited source (a help
// article, a document) or a performed action (a tool call, a booking).
type UseKind string

// The kinds of use.
const (
	UseSource UseKind = "source"
	UseAction UseKind = "action"
)

// UseKinds lists them.
var UseKinds = []UseKind{UseSource, UseAction}

// Use is one source or action as one conversation used it, for the content
// and action performance views: how many of the agent's replies used it,
// how many of those carry a rating (the latest of each reply) and how many
// of those are negative, and for an action how often it was performed and
// how often that failed. A source is named by its id, with the title and
// URL of its last citation in the conversation; an action by its name.
type Use struct {
	Kind     UseKind `json:"kind"`
	Key      string  `json:"key"`
	Title    string  `json:"title,omitempty"`
	URL      string  `json:"url,omitempty"`
	Replies  int     `json:"replies"`
	Rated    int     `json:"rated"`
	Negative int     `json:"negative"`
	Calls    int     `json:"calls,omitempty"`
	Failed   int     `json:"failed,omitempty"`
}

// Hash names the use in rollups and filters: 16 hex digits of SHA-256 of
// its kind and key. A source id is the caller's text and may hold any
// character; its hash is a slug, safe in every key and separator.
func (u Use) Hash() string { return UseHash(u.Kind, u.Key) }

// UseHash is Use.Hash for a kind and key.
func UseHash(kind UseKind, key string) string {
	sum := sha256.Sum256([]byte(string(kind) + "\x00" + key))
	return hex.EncodeToString(sum[:8])
}

// UsageItem is a source or action as last seen: its id or name, and for a
// source its latest title and URL, by its hash.
type UsageItem struct {
	Kind       UseKind
	Hash, Key  string
	Title, URL string
}

// UseStat is one count of the uses of a source or action in the rollups,
// cohorted, like a conversation's outcome, by the day it started.
type UseStat string

// The counts kept per source or action, day and channel.
const (
	StatConversations UseStat = "conversations" // conversations that used it
	StatDecided       UseStat = "decided"       // of those, decided
	StatResolved      UseStat = "resolved"
	StatHandedOff     UseStat = "handed_off"
	StatRated         UseStat = "rated"    // rated replies that used it
	StatNegative      UseStat = "negative" // of those, rated negative
	StatCalls         UseStat = "calls"    // an action's performances
	StatFailed        UseStat = "failed"   // of those, failed
)

// MetricUse is the rollup metric of uses; its key is UseKey's.
const MetricUse Metric = "use"

// UseKey is the key of a MetricUse cell: kind, hash and count, as
// "source:9f86d081884c7d65:resolved".
func UseKey(kind UseKind, hash string, s UseStat) string {
	return string(kind) + ":" + hash + ":" + string(s)
}

// ParseUseKey reads a UseKey.
func ParseUseKey(key string) (UseKind, string, UseStat, bool) {
	kind, rest, ok := strings.Cut(key, ":")
	hash, stat, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 || (UseKind(kind) != UseSource && UseKind(kind) != UseAction) || len(hash) != 16 {
		return "", "", "", false
	}
	return UseKind(kind), hash, UseStat(stat), true
}

// useStats is the most contributions one use adds in useContributions:
// conversations, decided, resolved or handed off, rated, negative, calls and
// failed.
const useStats = 7

// useContributions are what the outcome's uses add to the rollups.
func (o *Outcome) useContributions(add func(m Metric, key string, n int64)) {
	for _, u := range o.Uses {
		h := u.Hash()
		stat := func(s UseStat, n int) {
			if n > 0 {
				add(MetricUse, UseKey(u.Kind, h, s), int64(n))
			}
		}
		stat(StatConversations, 1)
		if o.Decided() {
			stat(StatDecided, 1)
		}
		switch o.Kind {
		case OutcomeResolved:
			stat(StatResolved, 1)
		case OutcomeHandedOff:
			stat(StatHandedOff, 1)
		}
		stat(StatRated, u.Rated)
		stat(StatNegative, u.Negative)
		stat(StatCalls, u.Calls)
		stat(StatFailed, u.Failed)
	}
}
