// Package synth generates a deterministic, realistic stream of events from a
// sample support desk: several channels, a daily and weekly rhythm, agent
// replies citing sources, handoffs, feedback, unanswered questions in
// English and Chinese, and a little test traffic. It feeds `parley gen`, the
// demo, tests and benchmarks.
//
// Every conversation is drawn from its own random source, seeded by the
// stream's seed and the conversation's number, so a stream of any size is
// produced in constant memory and the same options give the same bytes.
package synth

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"github.com/parleyhq/parley"
)

// DemoConversations and DemoDays are the size of the sample desk `parley
// demo` starts with: twelve weeks, the report's default window. They are
// one constant so the command's defaults and the tests that check what the
// demo shows cannot drift apart.
const (
	DemoConversations = 9000
	DemoDays          = 84
)

// Options shape a stream.
type Options struct {
	Conversations int
	Days          int       // the stream covers the Days days before End
	End           time.Time // no event occurs after End
	Seed          int64
	// Fixes are short answers that reach the agent during the stream:
	// conversations started after one asking its intent are mostly
	// answered with it. None leaves the stream as it always was.
	Fixes []Fix
}

// Fix is a short answer for one of the GapIntents, in use from From on:
// the agent answers Share percent of the conversations that ask it (the
// others word it too far from the answer), citing the answer as the
// source SourceID.
type Fix struct {
	Intent   string
	From     time.Time
	Share    int
	SourceID string
	Answer   string
}

// Stats summarise a generated stream.
type Stats struct {
	Conversations int `json:"conversations"`
	Events        int `json:"events"`
}

// Generate writes the stream as NDJSON, conversations in start order, each
// conversation's events together and in time order.
func Generate(w io.Writer, opt Options) (Stats, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	g := New(opt)
	var st Stats
	var buf []parley.Event
	for i := range opt.Conversations {
		buf = g.Conversation(i, buf[:0])
		st.Conversations++
		for j := range buf {
			line, err := json.Marshal(&buf[j])
			if err != nil {
				return st, fmt.Errorf("synth: encode event: %w", err)
			}
			bw.Write(line)
			if err := bw.WriteByte('\n'); err != nil {
				return st, fmt.Errorf("synth: write: %w", err)
			}
			st.Events++
		}
	}
	if err := bw.Flush(); err != nil {
		return st, fmt.Errorf("synth: write: %w", err)
	}
	return st, nil
}

// Generator draws the conversations of one stream.
type Generator struct {
	opt   Options
	start time.Time
	// cum[h] is the share of conversations that start before hour h of the
	// period: the inverse of this curve spaces start times so that busy
	// hours get more conversations than quiet ones.
	cum []float64
}

// New prepares a generator for opt.
func New(opt Options) *Generator {
	if opt.Days < 1 {
		opt.Days = 1
	}
	g := &Generator{opt: opt, start: opt.End.Add(-time.Duration(opt.Days) * 24 * time.Hour)}
	hours := opt.Days * 24
	g.cum = make([]float64, hours+1)
	for h := range hours {
		g.cum[h+1] = g.cum[h] + intensity(g.start.Add(time.Duration(h)*time.Hour), float64(h)/float64(hours))
	}
	total := g.cum[hours]
	for h := range g.cum {
		g.cum[h] /= total
	}
	return g
}

// intensity is the relative rate of new conversations in the hour starting
// at t (UTC), progress being how far into the period it lies: busy in
// working hours, quiet at night and at weekends, and slowly growing.
func intensity(t time.Time, progress float64) float64 {
	h := float64(t.Hour()) + 0.5
	day := 0.15 + math.Exp(-math.Pow((h-11)/3.2, 2)) + 0.7*math.Exp(-math.Pow((h-15.5)/2.8, 2)) + 0.25*math.Exp(-math.Pow((h-21)/1.5, 2))
	switch t.Weekday() {
	case time.Saturday:
		day *= 0.55
	case time.Sunday:
		day *= 0.45
	}
	return day * (0.85 + 0.3*progress)
}

// startOf places conversation i: the (i+u)/n quantile of the intensity
// curve, which keeps start times in conversation order.
func (g *Generator) startOf(i int, u float64) time.Time {
	q := (float64(i) + u) / float64(max(g.opt.Conversations, 1))
	h := sort.SearchFloat64s(g.cum, q) - 1
	h = min(max(h, 0), len(g.cum)-2)
	frac := (q - g.cum[h]) / (g.cum[h+1] - g.cum[h])
	return g.start.Add(time.Duration((float64(h) + frac) * float64(time.Hour))).Truncate(time.Second)
}

// Scenario shares, in percent of conversations handled by the agent.
const (
	pctTest          = 1
	pctNotHandled    = 10
	pctGap           = 13 // the agent cannot answer
	pctHandoff       = 18 // handed to a human for another reason
	pctAskNoTransfer = 3  // asks for a human, never transferred
	pctFeedback      = 30
	pctNegative      = 20
	pctZh            = 30
)

var channels = []struct {
	name   string
	weight int
}{{"chat", 52}, {"email", 18}, {"whatsapp", 13}, {"messenger", 9}, {"sms", 5}, {"voice", 3}}

// conv accumulates the events of one conversation.
type conv struct {
	r      *rand.Rand
	id     string
	prefix string
	n      int
	events []parley.Event
	lang   string
	t      time.Time
	// fixes are the short answers in use when the conversation started,
	// by intent.
	fixes map[string]Fix
}

// add appends e at the conversation's current time. The pointer it returns
// is valid only until the next add.
func (c *conv) add(e parley.Event) *parley.Event {
	c.n++
	e.ID = fmt.Sprintf("%s-%02d", c.prefix, c.n)
	e.ConversationID = c.id
	e.OccurredAt = c.t
	c.events = append(c.events, e)
	return &c.events[len(c.events)-1]
}

// wait moves the conversation's clock on by a random time in [lo, hi).
func (c *conv) wait(lo, hi time.Duration) {
	c.t = c.t.Add(lo + time.Duration(c.r.Int64N(int64(hi-lo)))).Truncate(time.Second)
}

func (c *conv) pct(p int) bool { return c.r.IntN(100) < p }

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func (c *conv) visitor(text string) {
	c.wait(5*time.Second, 90*time.Second)
	c.add(parley.Event{Type: parley.EventMessage, Author: parley.AuthorVisitor, Text: text})
}

// agent adds a customer agent reply and returns its id, for feedback.
func (c *conv) agent(e parley.Event) string {
	c.wait(2*time.Second, 25*time.Second)
	e.Type, e.Author = parley.EventMessage, parley.AuthorCustomerAgent
	return c.add(e).ID
}

func (c *conv) answer() string {
	e := parley.Event{Text: pick(c.r, agentReplies[c.lang])}
	switch n := c.r.IntN(100); {
	case n < 78:
		k := c.r.IntN(len(sourceTitles))
		e.Sources = []parley.Source{{ID: fmt.Sprintf("kb-%03d", k+100), Title: sourceTitles[k],
			URL: fmt.Sprintf("https://help.example.com/articles/%d", k+100)}}
	case n < 90:
		a := parley.Action{Name: pick(c.r, actionNames)}
		if c.pct(20) {
			a.Status = parley.ActionFailed
		}
		e.Actions = []parley.Action{a}
	}
	return c.agent(e)
}

func (c *conv) rep(text string) {
	c.wait(30*time.Second, 20*time.Minute)
	c.add(parley.Event{Type: parley.EventMessage, Author: parley.AuthorRep, Text: text})
}

// Conversation appends the events of conversation i to dst, in time order,
// leaving out any that would occur after the stream's end.
func (g *Generator) Conversation(i int, dst []parley.Event) []parley.Event {
	r := rand.New(rand.NewPCG(uint64(g.opt.Seed), uint64(i)))
	c := &conv{r: r, id: fmt.Sprintf("c-%07d", i), prefix: fmt.Sprintf("s%d-c%07d", g.opt.Seed, i), events: dst, lang: "en"}
	c.t = g.startOf(i, r.Float64())
	for _, f := range g.opt.Fixes {
		if !c.t.Before(f.From) {
			if c.fixes == nil {
				c.fixes = map[string]Fix{}
			}
			c.fixes[f.Intent] = f
		}
	}
	if c.pct(pctZh) {
		c.lang = "zh"
	}
	ch := channels[0].name
	w := r.IntN(100)
	for _, x := range channels {
		if w < x.weight {
			ch = x.name
			break
		}
		w -= x.weight
	}
	started := parley.Event{Type: parley.EventConversationStarted, Channel: ch,
		VisitorID: fmt.Sprintf("v-%06d", r.IntN(max(g.opt.Conversations/2, 1)))}
	if c.pct(60) {
		started.TicketURL = fmt.Sprintf("https://support.example.com/tickets/%d", 100000+i)
	}
	started.Test = c.pct(pctTest)
	c.add(started)

	if c.pct(pctNotHandled) {
		c.add(parley.Event{Type: parley.EventAssigned, Assignee: parley.AssigneeRep})
		c.visitor(pick(r, answerable[c.lang]))
		c.rep("Hi, this is Sam from support. Let me check that for you.")
		c.close(2 * time.Hour)
		c.survey(g.opt.Seed, i)
		return c.finish(g.opt.End)
	}
	c.add(parley.Event{Type: parley.EventAssigned, Assignee: parley.AssigneeCustomerAgent})

	switch n := r.IntN(100); {
	case n < pctGap:
		c.gap()
	case n < pctGap+pctHandoff:
		c.visitor(c.opening())
		c.answer()
		c.handoff()
	default:
		c.visitor(c.opening())
		last := c.answer()
		for range r.IntN(3) {
			c.visitor(pick(r, followUps[c.lang]))
			last = c.answer()
		}
		if n < pctGap+pctHandoff+pctAskNoTransfer {
			c.wait(10*time.Second, time.Minute)
			c.add(parley.Event{Type: parley.EventHumanRequested})
		}
		c.feedback(last)
		if c.pct(4) { // a follow-up days later: reopened after resolution
			c.t = c.t.Add(time.Duration(80+r.IntN(100)) * time.Hour)
			c.visitor(pick(r, followUps[c.lang]))
		}
	}
	c.close(6 * time.Hour)
	c.survey(g.opt.Seed, i)
	return c.finish(g.opt.End)
}

// pctSurveyed is the share of conversations whose visitor answers the
// satisfaction survey.
const pctSurveyed = 25

// survey sometimes adds the visitor's rating of the whole conversation
// (csat), minutes to days after its last event: high when the agent
// answered and nobody complained, lower after a handoff, low when the
// agent could not answer or a reply was rated negative. It draws from a
// random source of its own, so that every other event of the stream is the
// same as without surveys.
func (c *conv) survey(seed int64, i int) {
	r := rand.New(rand.NewPCG(uint64(seed)^0x5ca7_5ca7_5ca7_5ca7, uint64(i)))
	if r.IntN(100) >= pctSurveyed {
		return
	}
	scores := []int{4, 5, 5, 5, 4, 3} // answered
	for _, e := range c.events {
		switch {
		case e.Unanswered || e.Rating == parley.RatingNegative || e.Type == parley.EventHumanRequested:
			scores = []int{1, 2, 2, 3, 1, 4}
		case e.Type == parley.EventHandoff || e.Author == parley.AuthorRep:
			if scores[0] == 4 {
				scores = []int{3, 4, 5, 2, 4, 3}
			}
		}
	}
	last := c.events[len(c.events)-1].OccurredAt
	c.t = last.Add(5*time.Minute + time.Duration(r.Int64N(int64(48*time.Hour)))).Truncate(time.Second)
	score := scores[r.IntN(len(scores))]
	e := parley.Event{Type: parley.EventCSAT, Rating: parley.CSATRating(score)}
	if r.IntN(100) < 30 {
		comments := surveyComplaints
		if score >= parley.SatisfiedCSAT {
			comments = surveyPraise
		}
		e.Comment = pick(r, comments[c.lang])
	}
	c.add(e)
}

// opening is the first visitor message: usually an answerable question,
// sometimes a hostile text.
func (c *conv) opening() string {
	if c.pct(2) {
		return pick(c.r, hostile)
	}
	return pick(c.r, answerable[c.lang])
}

// gap plays a question the agent cannot answer.
func (c *conv) gap() {
	intent := GapIntents[c.r.IntN(len(GapIntents))]
	q := pick(c.r, intent.EN)
	if c.lang == "zh" {
		q = pick(c.r, intent.ZhTW)
		if c.pct(25) {
			q = pick(c.r, intent.ZhCN)
		}
	}
	c.visitor(q)
	if f, ok := c.fixes[intent.Name]; ok && c.pct(f.Share) {
		c.feedback(c.agent(parley.Event{Text: f.Answer, Sources: []parley.Source{{ID: f.SourceID, Title: intent.EN[0]}}}))
		return
	}
	reply := parley.Event{Text: pick(c.r, cannotAnswer[c.lang]), Unanswered: true}
	if c.pct(50) {
		reply.Question = q
	}
	last := c.agent(reply)
	switch n := c.r.IntN(100); {
	case n < 55:
		c.wait(5*time.Second, 40*time.Second)
		c.add(parley.Event{Type: parley.EventHandoff, Initiator: parley.InitiatorCustomerAgent, Reason: parley.ReasonCannotAnswer})
		c.rep("Hi, I'm taking over from here. Let me find out for you.")
	case n < 75:
		c.feedback(last)
	}
}

// handoff transfers the conversation to a human, for one of the usual reasons.
func (c *conv) handoff() {
	h := parley.Event{Type: parley.EventHandoff}
	switch n := c.r.IntN(100); {
	case n < 50:
		c.visitor(pick(c.r, followUps[c.lang]))
		c.wait(5*time.Second, 30*time.Second)
		c.add(parley.Event{Type: parley.EventHumanRequested})
		h.Initiator, h.Reason = parley.InitiatorCustomerAgent, "customer_request"
	case n < 65:
		h.Initiator, h.Reason = parley.InitiatorRule, "trigger_phrase"
	case n < 75:
		h.Initiator, h.Reason = parley.InitiatorRule, "capacity_limit"
	case n < 82:
		h.Initiator, h.Reason = parley.InitiatorRule, "agent_paused"
	case n < 92:
		// A rep joins without any handoff event: a manual takeover.
		c.rep("Hi, I'm jumping in to help with this one.")
		return
	default:
		h.Initiator, h.Reason = parley.InitiatorRep, "other"
	}
	c.wait(5*time.Second, 2*time.Minute)
	c.add(h)
	c.rep("Hi, thanks for waiting — I can help you with that.")
}

// feedback sometimes rates the agent's reply, and now and then changes the
// rating later.
func (c *conv) feedback(id string) {
	if !c.pct(pctFeedback) {
		return
	}
	rating := parley.RatingPositive
	if c.pct(pctNegative) {
		rating = parley.RatingNegative
	}
	c.wait(10*time.Second, 3*time.Minute)
	f := parley.Event{Type: parley.EventFeedback, MessageID: id, Rating: rating}
	if rating == parley.RatingNegative && c.pct(30) {
		f.Comment = "This didn't answer my question."
	}
	c.add(f)
	if c.pct(8) {
		c.wait(time.Minute, time.Hour)
		other := parley.RatingPositive
		if rating == parley.RatingPositive {
			other = parley.RatingNegative
		}
		c.add(parley.Event{Type: parley.EventFeedback, MessageID: id, Rating: other})
	}
}

// close closes most conversations some time after the last message.
func (c *conv) close(within time.Duration) {
	if c.pct(88) {
		c.wait(time.Minute, within)
		c.add(parley.Event{Type: parley.EventConversationClosed})
	}
}

// finish drops events after end and puts the rest in time order.
func (c *conv) finish(end time.Time) []parley.Event {
	events := slices.DeleteFunc(c.events, func(e parley.Event) bool { return e.OccurredAt.After(end) })
	slices.SortStableFunc(events, func(a, b parley.Event) int { return a.OccurredAt.Compare(b.OccurredAt) })
	return events
}
