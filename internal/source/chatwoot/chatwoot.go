// Package chatwoot maps the webhooks of Chatwoot, the open-source support
// desk, to Parley events. An account webhook (Settings › Integrations ›
// Webhooks in Chatwoot) posts one JSON object per event; Map reads one.
//
// What it makes of them:
//   - message_created: an incoming message is the visitor's; an outgoing
//     one is the customer agent's when an agent bot (or Chatwoot's own
//     Captain assistant) sent it, and a rep's when a person did. Private
//     notes, activity messages, templates and outgoing messages without a
//     sender (automations) say nothing about the conversation and are left
//     out.
//   - the visitor's answer to the CSAT survey is a csat event, its 1–5
//     rating and comment.
//   - a status change from pending to open, which is how a Chatwoot bot
//     hands a conversation to people, is a handoff by the customer agent;
//     a change to resolved closes the conversation.
//   - every payload that describes its conversation also gives its start:
//     conversation.started at the conversation's created_at, with its
//     channel, so a conversation starts right even when the webhook does
//     not subscribe to conversation_created.
//
// Conversations are named chatwoot:ACCOUNT:NUMBER, since Chatwoot numbers
// them from 1 in each account. Event ids come from the payload alone, so a
// payload delivered twice gives the same events and counts once. Times
// come from the payload; where it carries none (status changes from
// versions that send no updated_at), the time of receipt, and the event's
// metadata says which ("occurred_at_source").
package chatwoot

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/source"
)

// Map reads one webhook body and returns the events it says. received is
// when the body arrived. Events Parley does not use (contact_created,
// conversation_typing_on, …), and fields it does not know, are ignored: the
// result is then empty and the error nil. A body that is not a JSON object,
// or an event Parley uses that lacks what it needs to be placed (its
// account, conversation or message id), is an invalid-kind error naming
// the field.
func Map(body []byte, received time.Time) ([]source.Event, error) {
	var env envelope
	if err := decode(body, &env); err != nil {
		return nil, bodyError(err)
	}
	m := mapper{received: received.UTC()}
	switch env.Event {
	case "message_created", "message_updated":
		var msg message
		if err := decode(body, &msg); err != nil {
			return nil, bodyError(err)
		}
		m.message(string(env.Event), &msg)
	case "conversation_created", "conversation_status_changed", "conversation_updated",
		"conversation_resolved", "conversation_opened":
		var c conversation
		if err := decode(body, &c); err != nil {
			return nil, bodyError(err)
		}
		m.conversation(string(env.Event), &c)
	}
	if len(m.problems) > 0 {
		return nil, parley.InvalidInput(m.problems)
	}
	return m.events, nil
}

func bodyError(err error) error {
	return &parley.Error{Kind: parley.KindInvalid, Message: "body: not a Chatwoot webhook: " + err.Error(), Err: err}
}

// mapper gathers the events of one payload and the problems that stop it.
type mapper struct {
	received time.Time
	events   []source.Event
	problems []parley.Problem
}

func (m *mapper) fail(field, msg string) {
	m.problems = append(m.problems, parley.FieldProblem(field, msg))
}

// place is the conversation a payload is about.
type place struct {
	account, number recordID
	channel         string
}

func (p place) conversationID() string {
	return "chatwoot:" + string(p.account) + ":" + string(p.number)
}

// eventID is the id of an event about this conversation; parts make it
// unique within the account.
func (p place) eventID(parts ...string) string {
	id := "chatwoot:" + string(p.account)
	for _, part := range parts {
		if part != "" {
			id += ":" + part
		}
	}
	return id
}

// locate finds the conversation of c, reporting under prefix ("" for a
// conversation_* body, "conversation." for a message's) what is missing.
//
// A message names its account; a conversation_* body names it only on
// newer versions, or on the conversation's last message. One that names
// none belongs to a conversation without messages, of which Parley has
// nothing to count: it is skipped without a problem.
func (m *mapper) locate(c *conversation, account recordID, prefix string) (place, bool) {
	p := place{account: account, number: c.number(), channel: channelOf(string(c.Channel))}
	if p.account == "" {
		p.account = c.account()
	}
	switch {
	case p.account == "" && prefix == "":
		return p, false
	case !p.account.valid():
		m.fail("account.id", "required: the id of the Chatwoot account ("+idRule+")")
		return p, false
	case !p.number.valid():
		m.fail(prefix+"id", "required: the conversation's id ("+idRule+")")
		return p, false
	}
	return p, true
}

// idRule says what idPattern accepts.
const idRule = "up to 40 letters, digits, '_', '.' or '-'"

// started adds the conversation's start, when the payload says when it was.
// Every payload about a conversation adds the same event, so all but the
// first are duplicates: it holds only what never changes.
func (m *mapper) started(p place, c *conversation) {
	if !c.CreatedAt.ok() {
		return
	}
	e := m.event(p, parley.EventConversationStarted, p.eventID("conversation", string(p.number), "created"), c.CreatedAt, "created_at", "", false)
	if e.Channel == "" {
		// conversation.started needs a channel, and a payload without
		// one names none of its conversation's.
		e.Channel = parley.ChannelUnknown
	}
}

// event appends an event of conversation p. at is the payload's time for
// it, named field there; when it has none, the time of receipt is used.
// The event's metadata names the Chatwoot records it comes from (msg, if
// not "", is the message), where its time comes from, and whether its
// text was clipped.
func (m *mapper) event(p place, typ parley.EventType, id string, at instant, field string, msg recordID, clipped bool) *source.Event {
	e := source.Event{Event: parley.Event{ID: id, Type: typ, ConversationID: p.conversationID(), Channel: p.channel}}
	if at.ok() {
		e.OccurredAt = at.t
	} else {
		e.OccurredAt, e.ReceiptTimed, field = m.received, true, "receipt"
	}
	ids := map[string]string{"account_id": string(p.account), "conversation_id": string(p.number)}
	if msg != "" {
		ids["message_id"] = string(msg)
	}
	meta := map[string]any{"chatwoot": ids, "occurred_at_source": field}
	if clipped {
		meta["text_clipped"] = true
	}
	e.Metadata, _ = json.Marshal(meta) // maps of strings and bools always encode
	m.events = append(m.events, e)
	return &m.events[len(m.events)-1]
}

// message maps message_created and message_updated.
func (m *mapper) message(event string, msg *message) {
	if msg.Conversation == nil {
		if event == "message_created" {
			m.fail("conversation", "required: the message's conversation")
		}
		return
	}
	author, use := authorOf(msg)
	csat, isCSAT := csatOf(msg)
	switch {
	case event == "message_created" && use:
	case event == "message_updated" && isCSAT:
	default:
		return
	}
	var account recordID
	if msg.Account != nil {
		account = msg.Account.ID
	}
	p, ok := m.locate(msg.Conversation, account, "conversation.")
	if ok && !msg.ID.valid() {
		m.fail("id", "required: the message's id ("+idRule+")")
		ok = false
	}
	if msg.CreatedAt.bad && !isCSAT {
		m.fail("created_at", "must be a time")
		ok = false
	}
	if !ok {
		return
	}
	m.started(p, msg.Conversation)
	if isCSAT {
		m.csat(p, msg, csat)
		return
	}
	text, clipped := source.Clip(string(msg.Content))
	e := m.event(p, parley.EventMessage, p.eventID("message", string(msg.ID)), msg.CreatedAt, "created_at", msg.ID, clipped)
	e.Author, e.Text = author, text
}

// authorOf says who wrote a message, and whether it is one Parley counts.
func authorOf(msg *message) (parley.Author, bool) {
	if msg.Private {
		return "", false
	}
	switch msg.MessageType {
	case "incoming":
		return parley.AuthorVisitor, true
	case "outgoing":
		if msg.Sender == nil {
			return "", false
		}
		switch msg.Sender.Type {
		case "agent_bot", "captain_assistant":
			return parley.AuthorCustomerAgent, true
		case "user":
			return parley.AuthorRep, true
		}
	}
	return "", false
}

// csatOf finds the visitor's answer to a CSAT survey in a message.
func csatOf(msg *message) (csatResponse, bool) {
	var r struct {
		Response *csatResponse `json:"csat_survey_response"`
	}
	if msg.ContentType != "input_csat" || len(msg.ContentAttributes.SubmittedValues) == 0 ||
		msg.ContentAttributes.SubmittedValues.Kind() != '{' {
		return csatResponse{}, false
	}
	if err := decode(msg.ContentAttributes.SubmittedValues, &r); err != nil || r.Response == nil || len(r.Response.Rating) == 0 {
		return csatResponse{}, false
	}
	return *r.Response, true
}

// csat maps the answer to a CSAT survey. Chatwoot keeps one answer per
// survey and lets the visitor change it; each answer is its own event
// (the latest counts), so a changed answer is no conflict.
func (m *mapper) csat(p place, msg *message, r csatResponse) {
	rating, err := strconv.Atoi(scalar(r.Rating))
	if err != nil || rating < parley.MinCSAT || rating > parley.MaxCSAT {
		m.fail("content_attributes.submitted_values.csat_survey_response.rating",
			fmt.Sprintf("must be a whole number from %d to %d", parley.MinCSAT, parley.MaxCSAT))
		return
	}
	comment, clipped := source.Clip(string(r.FeedbackMessage))
	sum := sha256.Sum256([]byte(strconv.Itoa(rating) + "\n" + comment))
	id := p.eventID("message", string(msg.ID), "csat", hex.EncodeToString(sum[:6]))
	// The survey message's created_at is when the survey was sent; the
	// answer touches the conversation, whose updated_at is when it came.
	e := m.event(p, parley.EventCSAT, id, msg.Conversation.UpdatedAt, "conversation.updated_at", msg.ID, clipped)
	e.Rating, e.Comment = parley.CSATRating(rating), comment
}

// conversation maps the conversation_* events.
func (m *mapper) conversation(event string, c *conversation) {
	p, ok := m.locate(c, "", "")
	if !ok {
		return
	}
	m.started(p, c)
	if event == "conversation_created" {
		return
	}
	previous, status := "", string(c.Status)
	if change, ok := c.ChangedAttributes["status"]; ok {
		previous, status = change[0], change[1]
	} else if event != "conversation_resolved" {
		// Without the change, an open or resolved status says nothing
		// new: conversation_updated sends the status whatever changed.
		return
	}
	// The time of the change: updated_at, from versions that send it.
	// Ids take the payload's own text of a time, so the two events
	// Chatwoot sends for one change (conversation_status_changed and
	// conversation_updated) are one.
	at, field := c.UpdatedAt, "updated_at"
	stamp := c.UpdatedAt.raw
	if stamp == "" {
		stamp = c.Timestamp.raw
	}
	switch {
	case previous == "pending" && status == "open":
		e := m.event(p, parley.EventHandoff, p.eventID("conversation", string(p.number), "handoff", stamp), at, field, "", false)
		e.Initiator = parley.InitiatorCustomerAgent
	case status == "resolved" && previous != "resolved":
		m.event(p, parley.EventConversationClosed, p.eventID("conversation", string(p.number), "resolved", stamp), at, field, "", false)
	}
}

// channelSlug is what a Channel:: class becomes when no name below fits.
var channelSlug = regexp.MustCompile(`[A-Z]`)

// channelOf names the Parley channel of a Chatwoot inbox's channel class.
func channelOf(class string) string {
	name, ok := strings.CutPrefix(class, "Channel::")
	if !ok || name == "" {
		return ""
	}
	switch name {
	case "WebWidget":
		return "chat"
	case "Email":
		return "email"
	case "Whatsapp":
		return "whatsapp"
	case "FacebookPage":
		return "messenger"
	case "TwilioSms", "Sms":
		return "sms"
	case "TwitterProfile":
		return "twitter"
	}
	// Api, Telegram, Line, Instagram, Voice, and channels to come:
	// TikTok becomes tik_tok.
	slug := strings.TrimPrefix(channelSlug.ReplaceAllStringFunc(name, func(s string) string { return "_" + strings.ToLower(s) }), "_")
	if !parley.ValidSlug(slug) {
		return ""
	}
	return slug
}

// String helps tests and logs name a place.
func (p place) String() string { return fmt.Sprintf("%s (%s)", p.conversationID(), p.channel) }
