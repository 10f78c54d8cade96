package chatwoot

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// The shapes below are the parts of Chatwoot's webhook bodies that Parley
// reads; every other member is ignored, so that fields Chatwoot adds over
// time change nothing. Where each shape comes from, in
// github.com/chatwoot/chatwoot:
//   - message_created, message_updated: Message#webhook_data
//     (app/models/message.rb), merged with {event} by
//     app/listeners/webhook_listener.rb;
//   - conversation_created, conversation_status_changed,
//     conversation_updated: Conversation#webhook_data, which is
//     Conversations::EventDataPresenter#push_data
//     (app/presenters/conversations/event_data_presenter.rb), merged with
//     {event, changed_attributes} by the listener; changed_attributes is
//     BaseListener#extract_changed_attributes
//     (app/listeners/base_listener.rb);
//   - conversation_resolved, conversation_opened: the same conversation
//     data, without changed_attributes, from the older listeners and
//     app/listeners/agent_bot_listener.rb;
//   - senders: AgentBot#webhook_data (app/models/agent_bot.rb, type
//     "agent_bot"), User#webhook_data (type "user"), Contact#webhook_data,
//     Captain::Assistant#webhook_data (type "captain_assistant");
//   - CSAT: MessageTemplates::Template::CsatSurvey
//     (app/services/message_templates/template/csat_survey.rb) sends a
//     template message of content_type input_csat; the visitor's answer
//     updates its content_attributes.submitted_values.csat_survey_response
//     ({rating, feedback_message}, read by
//     app/builders/csat_surveys/response_builder.rb), and Chatwoot sends
//     message_updated.

// envelope is the member every body has.
type envelope struct {
	Event label `json:"event"`
}

// message is Message#webhook_data.
type message struct {
	ID                recordID          `json:"id"`
	Content           label             `json:"content"`
	CreatedAt         instant           `json:"created_at"`
	MessageType       messageType       `json:"message_type"`
	ContentType       label             `json:"content_type"`
	Private           bool              `json:"private"`
	ContentAttributes contentAttributes `json:"content_attributes"`
	Sender            *sender           `json:"sender"`
	Conversation      *conversation     `json:"conversation"`
	Account           *record           `json:"account"`
}

type record struct {
	ID recordID `json:"id"`
}

type sender struct {
	ID   recordID `json:"id"`
	Type label    `json:"type"`
}

type contentAttributes struct {
	SubmittedValues jsontext.Value `json:"submitted_values"`
}

// csatResponse is submitted_values.csat_survey_response of a CSAT survey
// message. submitted_values is an object on CSAT messages, but an array of
// form values on other template messages; it is read only on the former.
type csatResponse struct {
	Rating          jsontext.Value `json:"rating"`
	FeedbackMessage label          `json:"feedback_message"`
}

// conversation is Conversations::EventDataPresenter#push_data: the body of
// a conversation_* event, and the conversation member of a message event.
type conversation struct {
	// ID is the conversation's display id, which counts from 1 within
	// each Chatwoot account; some versions send it again as display_id.
	ID        recordID `json:"id"`
	DisplayID recordID `json:"display_id"`
	// AccountID is sent by newer versions; older ones only name the
	// account on the conversation's messages.
	AccountID recordID `json:"account_id"`
	Account   *record  `json:"account"`
	Channel   label    `json:"channel"`
	Status    label    `json:"status"`
	Messages  []struct {
		AccountID recordID `json:"account_id"`
	} `json:"messages"`
	CreatedAt instant `json:"created_at"`
	// UpdatedAt is when the conversation row last changed (newer
	// versions); on a status change, the time of the change.
	UpdatedAt instant `json:"updated_at"`
	// Timestamp is the conversation's last activity.
	Timestamp         instant           `json:"timestamp"`
	ChangedAttributes changedAttributes `json:"changed_attributes"`
}

// account returns the id of the conversation's Chatwoot account, from
// wherever this version of Chatwoot puts it.
func (c *conversation) account() recordID {
	switch {
	case c.AccountID != "":
		return c.AccountID
	case c.Account != nil && c.Account.ID != "":
		return c.Account.ID
	}
	for _, m := range c.Messages {
		if m.AccountID != "" {
			return m.AccountID
		}
	}
	return ""
}

// number is the conversation's display id.
func (c *conversation) number() recordID {
	if c.DisplayID != "" {
		return c.DisplayID
	}
	return c.ID
}

// changedAttributes is what a conversation_status_changed or
// conversation_updated event says changed: a list of one-member objects,
// {"status": {"previous_value": "pending", "current_value": "open"}}; some
// versions send the value as the pair [previous, current] instead.
type changedAttributes map[string][2]string

func (c *changedAttributes) UnmarshalJSON(b []byte) error {
	*c = changedAttributes{}
	if string(b) == "null" {
		return nil
	}
	var list []map[string]jsontext.Value
	if err := json.Unmarshal(b, &list); err != nil {
		// A shape this version does not know says nothing Parley reads.
		return nil
	}
	for _, m := range list {
		for name, v := range m {
			var change struct {
				Previous jsontext.Value `json:"previous_value"`
				Current  jsontext.Value `json:"current_value"`
			}
			var pair []jsontext.Value
			switch {
			case json.Unmarshal(v, &change) == nil:
			case json.Unmarshal(v, &pair) == nil && len(pair) == 2:
				change.Previous, change.Current = pair[0], pair[1]
			default:
				continue
			}
			(*c)[name] = [2]string{scalar(change.Previous), scalar(change.Current)}
		}
	}
	return nil
}

// scalar is a JSON string's value, or a number's text; "" for anything else.
func scalar(v jsontext.Value) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	if v.Kind() == '0' {
		return string(v)
	}
	return ""
}

// label is a string member; a value of another type, which no version of
// Chatwoot sends, reads as absent rather than failing the whole body.
type label string

func (l *label) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) != nil {
		s = ""
	}
	*l = label(s)
	return nil
}

// messageType is incoming, outgoing, activity or template: the enum's name
// in webhook_data, its number (0–3) in push_event_data.
type messageType string

func (t *messageType) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*t = messageType(s)
		return nil
	}
	names := []messageType{"incoming", "outgoing", "activity", "template"}
	if n, err := strconv.Atoi(string(b)); err == nil && n >= 0 && n < len(names) {
		*t = names[n]
		return nil
	}
	*t = ""
	return nil
}

// recordID is a Chatwoot record id: an integer, or (in the samples of
// Chatwoot's documentation) the same as a string. It is kept as text.
type recordID string

func (id *recordID) UnmarshalJSON(b []byte) error {
	var s string
	switch {
	case string(b) == "null":
		*id = ""
	case json.Unmarshal(b, &s) == nil:
		*id = recordID(s)
	case jsontext.Value(b).Kind() == '0':
		*id = recordID(b)
	default:
		return fmt.Errorf("an id must be a number or a string")
	}
	return nil
}

// idPattern is what Parley accepts as a Chatwoot id inside its own ids.
var idPattern = regexp.MustCompile(`^[0-9A-Za-z_.-]{1,40}$`)

func (id recordID) valid() bool { return idPattern.MatchString(string(id)) }

// instant is a time as Chatwoot writes it: Rails' JSON form of a time
// ("2021-07-23T18:02:48.000Z"), the form of its documentation's samples
// ("2020-03-03 13:05:57 UTC"), or seconds since 1970, whole (created_at,
// timestamp) or with a fraction (updated_at). raw is the text as sent,
// which goes into event ids unchanged.
type instant struct {
	t   time.Time
	raw string
	bad bool // present, but not a time
}

func (in *instant) UnmarshalJSON(b []byte) error {
	*in = instant{}
	if string(b) == "null" {
		return nil
	}
	var s string
	if json.Unmarshal(b, &s) == nil {
		in.raw = s
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05 MST", "2006-01-02 15:04:05 -0700"} {
			if t, err := time.Parse(layout, s); err == nil {
				in.t = t.UTC()
				return nil
			}
		}
		in.bad = true
		return nil
	}
	in.raw = string(b)
	t, ok := unixSeconds(string(b))
	in.t, in.bad = t, !ok
	return nil
}

func (in instant) ok() bool { return in.raw != "" && !in.bad }

// unixSeconds reads a decimal number of seconds since 1970 exactly, to the
// nanosecond, where a float64 would round off the microseconds.
func unixSeconds(s string) (time.Time, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	sec, err := strconv.ParseInt(whole, 10, 64)
	// Years 1970 to 9999: what an event time may be.
	if err != nil || sec < 0 || sec > 253402300799 || len(frac) > 30 {
		return time.Time{}, false
	}
	var ns int64
	for i, c := range []byte(frac) {
		if c < '0' || c > '9' {
			return time.Time{}, false
		}
		if i < 9 {
			ns = ns*10 + int64(c-'0')
		}
	}
	for i := len(frac); i < 9; i++ {
		ns *= 10
	}
	return time.Unix(sec, ns).UTC(), true
}

// decode reads a body strictly: one JSON object, valid UTF-8, no member
// named twice (which would leave what it says to the reader's choice).
func decode(body []byte, v any) error {
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return fmt.Errorf("a JSON object is expected, one per request")
	}
	return json.Unmarshal(body, v)
}
