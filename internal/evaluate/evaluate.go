// Package evaluate implements the resolution rule of SPEC §4: the outcome of
// a conversation as a pure function of its events, the workspace settings
// and the current time.
//
// Readings of the rule where SPEC §4 leaves room:
//   - "No later agent reply within W after rᵢ": a reply at exactly rᵢ+W is
//     within the window, so the window is extended by it.
//   - Human involvement counts at any time up to the decision time E, even
//     before the first agent reply: a conversation handed to a human before
//     the agent answered is handed_off, decided at the handoff.
//   - Of several involvements the earliest decides; a handoff and a rep
//     message at the same instant are ordered by arrival.
//   - A feedback whose message_id names no agent reply of the conversation is
//     ignored; it applies once the reply arrives and the conversation is
//     evaluated again.
//   - Reopened: a visitor message that occurred after E of a resolved
//     conversation.
package evaluate

import (
	"cmp"
	"slices"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/gaps"
)

// Outcome evaluates one conversation. events may come in any order (ties of
// OccurredAt are broken by Seq, the arrival order) and are not modified.
func Outcome(events []parley.Event, s parley.Settings, now time.Time) parley.Outcome {
	tl := timeline(events)
	o := parley.Outcome{Kind: parley.OutcomeNotHandled, Channel: parley.ChannelUnknown, DefinitionVersion: parley.DefinitionVersion}
	if len(tl) == 0 {
		return o
	}
	o.ConversationID = tl[0].ConversationID
	o.StartedAt = tl[0].OccurredAt
	describe(&o, tl)

	var replies []*parley.Event
	for _, e := range tl {
		if e.IsAgentReply() {
			replies = append(replies, e)
		}
	}
	o.Ratings = ratings(tl, replies)
	o.Uses = uses(replies, o.Ratings)
	o.CSAT = csat(tl)
	o.GapSignals = gapSignals(tl)
	if len(replies) == 0 {
		return o
	}
	o.FirstReplyAt = replies[0].OccurredAt
	closeTimes(&o, tl)

	// The decision time: the first reply with no other reply within W.
	w := s.Window
	last := replies[len(replies)-1]
	for i, r := range replies[:len(replies)-1] {
		if replies[i+1].OccurredAt.Sub(r.OccurredAt) > w {
			last = r
			break
		}
	}
	due := last.OccurredAt.Add(w)
	o.LastReplyID = last.ID
	o.DecisionDueAt = due

	// A human involvement up to min(now, E) decides at once.
	limit := due
	if now.Before(limit) {
		limit = now
	}
	for _, e := range tl {
		if e.OccurredAt.After(limit) {
			break
		}
		switch {
		case e.Type == parley.EventHandoff:
			o.Kind, o.DecidedAt = parley.OutcomeHandedOff, e.OccurredAt
			o.HandoffInitiator, o.HandoffReason, o.HandoffEventID = e.Initiator, e.Reason, e.ID
			return o
		case e.Type == parley.EventMessage && e.Author == parley.AuthorRep:
			o.Kind, o.DecidedAt = parley.OutcomeHandedOff, e.OccurredAt
			o.HandoffInitiator, o.HandoffReason, o.HandoffEventID = parley.InitiatorRep, parley.ReasonManual, e.ID
			return o
		}
	}
	if now.Before(due) {
		o.Kind = parley.OutcomePending
		return o
	}

	// At E: the criteria, over the events up to E.
	first := parley.CriterionResult{Criterion: parley.CriterionCitedSourceOrAction}
	if s.ResolutionCriterion == parley.CriterionAnyAgentReply {
		first.Criterion = parley.CriterionAnyAgentReply
	}
	noHuman := parley.CriterionResult{Criterion: parley.CriterionNoHumanRequest, Passed: true}
	notNegative := parley.CriterionResult{Criterion: parley.CriterionLastReplyNotNegative, Passed: true}
	var lastRating, lastAction *parley.Event
	for _, e := range tl {
		if e.OccurredAt.After(due) {
			break
		}
		if e.IsAgentReply() && len(e.Actions) > 0 {
			lastAction = e
		}
		switch {
		case first.Criterion == parley.CriterionAnyAgentReply && e.IsAgentReply():
			first.Passed = true
			first.EventIDs = append(first.EventIDs, e.ID)
		case first.Criterion == parley.CriterionCitedSourceOrAction && e.CitedSourceOrAction():
			first.Passed = true
			first.EventIDs = append(first.EventIDs, e.ID)
		case e.Type == parley.EventHumanRequested:
			noHuman.Passed = false
			noHuman.EventIDs = append(noHuman.EventIDs, e.ID)
		case e.Type == parley.EventFeedback && e.MessageID == last.ID:
			lastRating = e
		}
	}
	if lastRating != nil {
		notNegative.EventIDs = []string{lastRating.ID}
		notNegative.Passed = lastRating.Rating != parley.RatingNegative
	}
	o.Explanation = []parley.CriterionResult{first, noHuman, notNegative}
	if s.FailedLastAction {
		// The last action is the last one listed by the latest agent
		// reply that performed any; none at all passes.
		notFailed := parley.CriterionResult{Criterion: parley.CriterionLastActionNotFailed, Passed: true}
		if lastAction != nil {
			notFailed.EventIDs = []string{lastAction.ID}
			notFailed.Passed = lastAction.Actions[len(lastAction.Actions)-1].Succeeded()
		}
		o.Explanation = append(o.Explanation, notFailed)
	}
	o.DecidedAt = due
	o.Kind = parley.OutcomeResolved
	for _, c := range o.Explanation {
		if !c.Passed {
			o.Kind = parley.OutcomeUnresolved
			o.Reasons = append(o.Reasons, c.Criterion.ReasonOf())
		}
	}
	if o.Kind == parley.OutcomeUnresolved {
		return o
	}
	o.Resolution = parley.ResolutionAssumed
	if lastRating != nil && lastRating.Rating == parley.RatingPositive {
		o.Resolution = parley.ResolutionConfirmed
	}
	for _, e := range tl {
		if e.OccurredAt.After(due) && e.Type == parley.EventMessage && e.Author == parley.AuthorVisitor {
			o.Reopened, o.ReopenedAt = true, e.OccurredAt
			break
		}
	}
	return o
}

// timeline returns the events in conversation order without touching the
// caller's slice: by occurred_at, ties by arrival.
func timeline(events []parley.Event) []*parley.Event {
	tl := make([]*parley.Event, len(events))
	for i := range events {
		tl[i] = &events[i]
	}
	slices.SortStableFunc(tl, func(a, b *parley.Event) int {
		if c := a.OccurredAt.Compare(b.OccurredAt); c != 0 {
			return c
		}
		switch {
		case a.Seq < b.Seq:
			return -1
		case a.Seq > b.Seq:
			return 1
		}
		return 0
	})
	return tl
}

// describe fills in what the conversation is, as opposed to what became of
// it: start, channel, test flag, ticket and visitor.
func describe(o *parley.Outcome, tl []*parley.Event) {
	channelSet := false
	startSet := false
	for _, e := range tl {
		if !channelSet && e.Channel != "" {
			o.Channel, channelSet = e.Channel, true
		}
		if !startSet && e.Type == parley.EventConversationStarted {
			startSet = true
			o.StartedAt, o.Test, o.TicketURL, o.VisitorID = e.OccurredAt, e.Test, e.TicketURL, e.VisitorID
		}
	}
}

// ratings returns the latest rating of each agent reply, in reply order.
func ratings(tl []*parley.Event, replies []*parley.Event) []parley.RatingFact {
	var out []parley.RatingFact
	for _, r := range replies {
		var latest *parley.Event
		for _, e := range tl {
			if e.Type == parley.EventFeedback && e.MessageID == r.ID {
				latest = e
			}
		}
		if latest != nil {
			out = append(out, parley.RatingFact{MessageID: r.ID, EventID: latest.ID, Rating: latest.Rating, At: latest.OccurredAt})
		}
	}
	return out
}

// uses lists the sources the replies cited and the actions they performed,
// each once (sources first, each kind in the order first used), with how
// many replies used it, how many of those carry a rating and how many of
// those are negative, and for actions how often each was performed and
// failed. A source's title and URL are those of its last citation that
// gave them.
func uses(replies []*parley.Event, rated []parley.RatingFact) []parley.Use {
	rating := make(map[string]parley.Rating, len(rated))
	for _, r := range rated {
		rating[r.MessageID] = r.Rating
	}
	var (
		out []parley.Use
		at  = map[parley.UseKind]map[string]int{parley.UseSource: {}, parley.UseAction: {}}
	)
	find := func(kind parley.UseKind, key string) int {
		i, ok := at[kind][key]
		if !ok {
			i = len(out)
			at[kind][key] = i
			out = append(out, parley.Use{Kind: kind, Key: key})
		}
		return i
	}
	for _, r := range replies {
		seen := map[int]bool{}
		count := func(i int) {
			if seen[i] {
				return
			}
			seen[i] = true
			out[i].Replies++
			if rt, ok := rating[r.ID]; ok {
				out[i].Rated++
				if rt == parley.RatingNegative {
					out[i].Negative++
				}
			}
		}
		for _, src := range r.Sources {
			i := find(parley.UseSource, src.ID)
			if src.Title != "" {
				out[i].Title = src.Title
			}
			if src.URL != "" {
				out[i].URL = src.URL
			}
			count(i)
		}
		for _, a := range r.Actions {
			i := find(parley.UseAction, a.Name)
			out[i].Calls++
			if !a.Succeeded() {
				out[i].Failed++
			}
			count(i)
		}
	}
	// Sources first, then actions, each kind in the order first used.
	slices.SortStableFunc(out, func(a, b parley.Use) int {
		return cmp.Compare(slices.Index(parley.UseKinds, a.Kind), slices.Index(parley.UseKinds, b.Kind))
	})
	return out
}

// csat returns the latest rating of the whole conversation, at any time:
// a satisfaction survey is often answered after the decision, and it never
// changes the outcome.
func csat(tl []*parley.Event) *parley.CSATFact {
	var latest *parley.Event
	for _, e := range tl {
		if e.Type == parley.EventCSAT {
			latest = e
		}
	}
	if latest == nil {
		return nil
	}
	score, ok := latest.Rating.Score()
	if !ok {
		return nil // ingest lets no other rating through
	}
	return &parley.CSATFact{EventID: latest.ID, Rating: score, Comment: latest.Comment, At: latest.OccurredAt}
}

// gapSignals finds the questions the agent could not answer (SPEC §6), one
// per question: an unanswered reply and the cannot_answer handoff that
// follows it are about the same question, and count once.
//
// A signal's question is the event's own question, else the visitor
// message it responds to: the latest one before it that asks something of
// its own, skipping acknowledgements and follow-ups ("ok", "anything
// else?", "還有嗎"; see gaps.IsFollowUp). Two signals are about the same
// question when their questions read the same once normalised, or when
// either has no question of its own and both respond to the same visitor
// message. Of such signals the earliest is kept, with the event's own
// question if one of them gave it. A question is kept to its first
// gaps.QuestionBudget characters (see gaps.Clip).
func gapSignals(tl []*parley.Event) []parley.GapSignal {
	type signal struct {
		parley.GapSignal
		asked  string // the visitor message responded to, "" if none
		own    bool   // the question is the event's own
		normal string
	}
	var (
		kept      []signal
		asked     string // latest visitor message asking something
		askedText string
		// seen is how many events of tl asked and askedText account for.
		// They are brought up to a signal only when one comes: most
		// conversations have none, and telling a follow-up from a question
		// was a third of deciding one. Walking back from the signal, the
		// first visitor message that asks something is the latest; if none
		// does, the one found before still is.
		seen int
	)
	for i, e := range tl {
		var kind parley.GapKind
		switch {
		case e.IsAgentReply() && e.Unanswered:
			kind = parley.GapUnanswered
		case e.Type == parley.EventHandoff && e.Reason == parley.ReasonCannotAnswer:
			kind = parley.GapCannotAnswer
		default:
			continue
		}
		for j := i - 1; j >= seen; j-- {
			if v := tl[j]; v.Type == parley.EventMessage && v.Author == parley.AuthorVisitor && !gaps.IsFollowUp(v.Text) {
				asked, askedText = v.ID, v.Text
				break
			}
		}
		seen = i
		s := signal{GapSignal: parley.GapSignal{EventID: e.ID, Kind: kind, At: e.OccurredAt, Question: e.Question},
			asked: asked, own: e.Question != ""}
		if !s.own {
			s.Question = askedText
		}
		s.Question = gaps.Clip(s.Question)
		s.normal = gaps.Normalize(s.Question)
		same := slices.IndexFunc(kept, func(k signal) bool {
			return (s.normal != "" && k.normal == s.normal) || ((!s.own || !k.own) && s.asked != "" && k.asked == s.asked)
		})
		if same < 0 {
			kept = append(kept, s)
			continue
		}
		if k := &kept[same]; s.own && !k.own {
			k.Question, k.own, k.normal = s.Question, true, s.normal
		}
	}
	out := make([]parley.GapSignal, len(kept))
	for i, k := range kept {
		out[i] = k.GapSignal
	}
	return out
}

// closeTimes fills in assignment, close and the time to close.
func closeTimes(o *parley.Outcome, tl []*parley.Event) {
	for _, e := range tl {
		switch {
		case e.Type == parley.EventAssigned && e.Assignee == parley.AssigneeCustomerAgent && o.AssignedToAgentAt.IsZero():
			o.AssignedToAgentAt = e.OccurredAt
		case e.Type == parley.EventConversationClosed:
			o.ClosedAt = e.OccurredAt
		}
	}
	from := o.AssignedToAgentAt
	if from.IsZero() {
		from = o.FirstReplyAt
	}
	if !o.ClosedAt.IsZero() && !o.ClosedAt.Before(from) {
		o.TimeToClose = o.ClosedAt.Sub(from)
	}
}

// Next returns when the outcome o of events, evaluated at now, may change
// with the passing of time alone; zero when only a new event can change it.
// Only a pending outcome waits on time: for its decision time, or sooner
// for an event stamped after now (a handoff may be reported ahead of its
// time), which counts once now reaches it.
func Next(o parley.Outcome, events []parley.Event, now time.Time) time.Time {
	if o.Kind != parley.OutcomePending {
		return time.Time{}
	}
	next := o.DecisionDueAt
	for i := range events {
		if t := events[i].OccurredAt; t.After(now) && t.Before(next) {
			next = t
		}
	}
	return next
}
