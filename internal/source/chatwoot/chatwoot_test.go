package chatwoot_test

// The fixtures in testdata are our own, written in the shapes Chatwoot
// sends, as its source builds them (github.com/chatwoot/chatwoot):
//   - message_created, message_updated: Message#webhook_data in
//     app/models/message.rb, with sender from AgentBot#webhook_data
//     (app/models/agent_bot.rb), User#webhook_data or Contact#webhook_data,
//     and the nested conversation as below; the conversation's messages
//     are Message#push_event_data (integer message_type and created_at);
//   - conversation_*: Conversations::EventDataPresenter#push_data
//     (app/presenters/conversations/event_data_presenter.rb: id is the
//     display id, created_at and timestamp are epoch seconds, updated_at
//     epoch seconds with a fraction), merged with event and
//     changed_attributes by app/listeners/webhook_listener.rb, the latter
//     shaped by BaseListener#extract_changed_attributes
//     (app/listeners/base_listener.rb);
//   - the CSAT survey: MessageTemplates::Template::CsatSurvey
//     (app/services/message_templates/template/csat_survey.rb, a template
//     message of content_type input_csat), answered through
//     content_attributes.submitted_values.csat_survey_response as
//     app/builders/csat_surveys/response_builder.rb reads it.
// The older shapes in the table tests (string ids, a created_at such as
// "2020-03-03 13:05:57 UTC", no updated_at, conversation_resolved) follow
// the samples of Chatwoot's webhook documentation
// (github.com/chatwoot/docs: docs/product/others/webhook-events.md).

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/ingest"
	"github.com/parleyhq/parley/internal/source"
	"github.com/parleyhq/parley/internal/source/chatwoot"
)

var (
	t0       = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	received = time.Date(2026, 11, 24, 11, 0, 0, 0, time.UTC)
)

func at(seconds float64) time.Time {
	return t0.Add(time.Duration(seconds * float64(time.Second))).Round(time.Microsecond)
}

// meta is the metadata Map writes.
func meta(account, conversation, msg, from string) json.RawMessage {
	ids := map[string]string{"account_id": account, "conversation_id": conversation}
	if msg != "" {
		ids["message_id"] = msg
	}
	b, _ := json.Marshal(map[string]any{"chatwoot": ids, "occurred_at_source": from})
	return b
}

func started(conv, channel string, when time.Time) source.Event {
	return source.Event{Event: parley.Event{
		ID: "chatwoot:3:conversation:" + conv + ":created", Type: parley.EventConversationStarted,
		ConversationID: "chatwoot:3:" + conv, OccurredAt: when, Channel: channel,
		Metadata: meta("3", conv, "", "created_at"),
	}}
}

func msg(conv, channel, id string, when time.Time, author parley.Author, text string) source.Event {
	return source.Event{Event: parley.Event{
		ID: "chatwoot:3:message:" + id, Type: parley.EventMessage,
		ConversationID: "chatwoot:3:" + conv, OccurredAt: when, Channel: channel,
		Metadata: meta("3", conv, id, "created_at"), Author: author, Text: text,
	}}
}

func status(conv, channel string, typ parley.EventType, stamp string, when time.Time) source.Event {
	name := map[parley.EventType]string{parley.EventHandoff: "handoff", parley.EventConversationClosed: "resolved"}[typ]
	e := source.Event{Event: parley.Event{
		ID: "chatwoot:3:conversation:" + conv + ":" + name + ":" + stamp, Type: typ,
		ConversationID: "chatwoot:3:" + conv, OccurredAt: when, Channel: channel,
		Metadata: meta("3", conv, "", "updated_at"),
	}}
	if typ == parley.EventHandoff {
		e.Initiator = parley.InitiatorCustomerAgent
	}
	return e
}

// csat is the event of an answer to the survey message msg.
func csat(msg string, rating int, comment string, when time.Time, from string) source.Event {
	sum := sha256.Sum256([]byte(strconv.Itoa(rating) + "\n" + comment))
	return source.Event{Event: parley.Event{
		ID: "chatwoot:3:message:" + msg + ":csat:" + hex.EncodeToString(sum[:6]), Type: parley.EventCSAT,
		ConversationID: "chatwoot:3:41", OccurredAt: when, Channel: "chat",
		Metadata: meta("3", "41", msg, from), Rating: parley.CSATRating(rating), Comment: comment,
	}, ReceiptTimed: from == "receipt"}
}

func read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFixtures maps three realistic exchanges delivery by delivery: a bot
// that answers and is rated, a bot that hands off to a rep, and people
// alone on an email inbox.
func TestFixtures(t *testing.T) {
	a41 := started("41", "chat", t0)
	b42 := started("42", "chat", at(600))
	c43 := started("43", "email", at(1200))
	handoff := status("42", "chat", parley.EventHandoff, "1795511405.318275", at(605.318275))
	tests := []struct {
		file string
		want []source.Event
	}{
		// No messages yet, so no account: nothing to count.
		{"bot_answer_01_conversation_created.json", nil},
		{"bot_answer_02_visitor_message.json", []source.Event{a41, msg("41", "chat", "9001", at(3), parley.AuthorVisitor, "How do I reset my card PIN?")}},
		{"bot_answer_03_bot_reply.json", []source.Event{a41, msg("41", "chat", "9002", at(5), parley.AuthorCustomerAgent,
			"You can reset it in the app under Card › PIN. You will get a code by text message.")}},
		{"bot_answer_04_resolved.json", []source.Event{a41, status("41", "chat", parley.EventConversationClosed, "1795510870.318275", at(70.318275))}},
		{"bot_answer_05_activity.json", nil},
		{"bot_answer_06_csat_survey.json", nil},
		{"bot_answer_07_csat_response.json", []source.Event{a41, csat("9004", 5, "Quick and clear, thanks!", at(121.733102), "conversation.updated_at")}},
		{"handoff_01_visitor_message.json", []source.Event{b42, msg("42", "chat", "9011", at(602), parley.AuthorVisitor,
			"Someone charged my card twice at a hotel, I want to dispute it")}},
		{"handoff_02_bot_reply.json", []source.Event{b42, msg("42", "chat", "9012", at(604), parley.AuthorCustomerAgent,
			"I'm sorry, I can't open disputes. Let me connect you with a person.")}},
		{"handoff_03_status_changed.json", []source.Event{b42, handoff}},
		// The same change, sent again as conversation_updated: the same events.
		{"handoff_04_conversation_updated.json", []source.Event{b42, handoff}},
		{"handoff_05_private_note.json", nil},
		{"handoff_06_rep_reply.json", []source.Event{b42, msg("42", "chat", "9014", at(720), parley.AuthorRep,
			"Hi Omar, I'm Maria. I've opened a dispute for the duplicate charge.")}},
		{"handoff_07_resolved.json", []source.Event{b42, status("42", "chat", parley.EventConversationClosed, "1795511700.318275", at(900.318275))}},
		{"human_01_visitor_message.json", []source.Event{c43, msg("43", "email", "9021", at(1200), parley.AuthorVisitor,
			"Hello, my statement shows a fee I don't understand.")}},
		{"human_02_rep_reply.json", []source.Event{c43, msg("43", "email", "9022", at(4800), parley.AuthorRep,
			"Hi Sam, that is the yearly card fee; I have waived it this time.")}},
		{"human_03_resolved.json", []source.Event{c43, status("43", "email", parley.EventConversationClosed, "1795515700.318275", at(4900.318275))}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := chatwoot.Map(read(t, tt.file), received)
			if err != nil {
				t.Fatalf("Map: %v %v", err, parley.ProblemsOf(err))
			}
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(sameJSON)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if _, err := source.Validate(got, received, ingest.DefaultLimits()); err != nil {
				t.Errorf("the events do not pass ingest: %v %v", err, parley.ProblemsOf(err))
			}
		})
	}
}

func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	return cmp.Equal(x, y)
}

// patch decodes a fixture, applies edit to it, and encodes it again.
func patch(t *testing.T, file string, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(read(t, file), &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func conv(m map[string]any) map[string]any { return m["conversation"].(map[string]any) }

// TestRules holds one rule each: which messages count, as whose, and how
// status changes and times are read.
func TestRules(t *testing.T) {
	type want struct {
		types   []string // type/author of each event after conversation.started
		ids     []string // their ids, where the rule is about ids
		receipt bool     // the last event is timed by its receipt
	}
	tests := []struct {
		name string
		body []byte
		want want
	}{
		{"an outgoing message from Captain is the customer agent's", patch(t, "bot_answer_03_bot_reply.json", func(m map[string]any) {
			m["sender"] = map[string]any{"id": 1, "name": "Captain", "type": "captain_assistant", "description": "", "avatar_url": "", "created_at": "2026-01-01T00:00:00.000Z"}
		}), want{types: []string{"message/customer_agent"}}},
		{"an outgoing message without a sender (an automation) is left out", patch(t, "bot_answer_03_bot_reply.json", func(m map[string]any) {
			m["sender"] = nil
		}), want{}},
		{"an outgoing message from a contact is left out", patch(t, "bot_answer_03_bot_reply.json", func(m map[string]any) {
			m["sender"] = map[string]any{"id": 501, "name": "Lena Park"}
		}), want{}},
		{"an incoming message is the visitor's whoever the sender", patch(t, "bot_answer_02_visitor_message.json", func(m map[string]any) {
			delete(m, "sender")
		}), want{types: []string{"message/visitor"}}},
		{"message_type as a number, as in push_event_data", patch(t, "bot_answer_02_visitor_message.json", func(m map[string]any) {
			m["message_type"] = 1
			m["sender"] = map[string]any{"id": 2, "name": "Acme Assistant", "type": "agent_bot"}
		}), want{types: []string{"message/customer_agent"}}},
		{"a template message is left out", patch(t, "bot_answer_03_bot_reply.json", func(m map[string]any) {
			m["message_type"] = "template"
		}), want{}},
		{"an edited message (message_updated) is not counted again", patch(t, "bot_answer_03_bot_reply.json", func(m map[string]any) {
			m["event"] = "message_updated"
			m["content"] = "edited"
		}), want{}},
		{"unknown events are ignored", patch(t, "bot_answer_03_bot_reply.json", func(m map[string]any) {
			m["event"] = "conversation_typing_on"
		}), want{}},
		{"unknown fields are ignored", patch(t, "bot_answer_02_visitor_message.json", func(m map[string]any) {
			m["brand_new_field"] = map[string]any{"nested": []any{1, "two", nil}}
			conv(m)["another"] = true
			m["sender"].(map[string]any)["type"] = 7
		}), want{types: []string{"message/visitor"}}},
		{"string ids, as in the documentation's samples", patch(t, "bot_answer_02_visitor_message.json", func(m map[string]any) {
			m["id"] = "9001"
			m["account"] = map[string]any{"id": "3", "name": "Acme Bank"}
			conv(m)["id"] = "41"
		}), want{types: []string{"message/visitor"}, ids: []string{"chatwoot:3:message:9001"}}},
		{"a display_id wins over id", patch(t, "bot_answer_02_visitor_message.json", func(m map[string]any) {
			conv(m)["id"] = 123456
			conv(m)["display_id"] = 41
		}), want{types: []string{"message/visitor"}, ids: []string{"chatwoot:3:message:9001"}}},
		{"created_at in the documentation's form", patch(t, "bot_answer_02_visitor_message.json", func(m map[string]any) {
			m["created_at"] = "2026-11-24 09:00:03 UTC"
		}), want{types: []string{"message/visitor"}}},
		{"a status change from pending to open is a handoff", read(t, "handoff_03_status_changed.json"), want{types: []string{"handoff"}}},
		{"open to pending is nothing", patch(t, "handoff_03_status_changed.json", func(m map[string]any) {
			m["changed_attributes"] = []any{map[string]any{"status": map[string]any{"previous_value": "open", "current_value": "pending"}}}
		}), want{}},
		{"resolved to open (reopened) is nothing", patch(t, "handoff_03_status_changed.json", func(m map[string]any) {
			m["changed_attributes"] = []any{map[string]any{"status": map[string]any{"previous_value": "resolved", "current_value": "open"}}}
		}), want{}},
		{"snoozed to resolved closes", patch(t, "handoff_03_status_changed.json", func(m map[string]any) {
			m["changed_attributes"] = []any{map[string]any{"status": map[string]any{"previous_value": "snoozed", "current_value": "resolved"}}}
		}), want{types: []string{"conversation.closed"}}},
		{"changed_attributes as pairs", patch(t, "handoff_03_status_changed.json", func(m map[string]any) {
			m["changed_attributes"] = []any{map[string]any{"status": []any{"pending", "open"}}}
		}), want{types: []string{"handoff"}}},
		{"conversation_updated without a status change is nothing", patch(t, "handoff_04_conversation_updated.json", func(m map[string]any) {
			m["changed_attributes"] = []any{map[string]any{"label_list": map[string]any{"previous_value": []any{}, "current_value": []any{"billing"}}}}
		}), want{}},
		{"conversation_opened, which does not say from what, is nothing", patch(t, "handoff_03_status_changed.json", func(m map[string]any) {
			m["event"] = "conversation_opened"
			delete(m, "changed_attributes")
		}), want{}},
		{"conversation_resolved closes", patch(t, "handoff_07_resolved.json", func(m map[string]any) {
			m["event"] = "conversation_resolved"
			delete(m, "changed_attributes")
		}), want{types: []string{"conversation.closed"}, ids: []string{"chatwoot:3:conversation:42:resolved:1795511700.318275"}}},
		{"no updated_at: the time of receipt, the id from timestamp", patch(t, "handoff_07_resolved.json", func(m map[string]any) {
			delete(m, "updated_at")
		}), want{types: []string{"conversation.closed"}, ids: []string{"chatwoot:3:conversation:42:resolved:1795511520"}, receipt: true}},
		{"an account id on the conversation (newer versions)", patch(t, "bot_answer_01_conversation_created.json", func(m map[string]any) {
			m["account_id"] = 3
		}), want{}}, // conversation.started only
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := chatwoot.Map(tt.body, received)
			if err != nil {
				t.Fatalf("Map: %v %v", err, parley.ProblemsOf(err))
			}
			var types, ids []string
			for i, e := range got {
				if i == 0 {
					if e.Type != parley.EventConversationStarted {
						t.Fatalf("first event is %s, want conversation.started", e.Type)
					}
					continue
				}
				s := string(e.Type)
				if e.Author != "" {
					s += "/" + string(e.Author)
				}
				types, ids = append(types, s), append(ids, e.ID)
			}
			if diff := cmp.Diff(tt.want.types, types); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if tt.want.ids != nil {
				if diff := cmp.Diff(tt.want.ids, ids); diff != "" {
					t.Errorf("ids (-want +got):\n%s", diff)
				}
			}
			if n := len(got); n > 1 {
				last := got[n-1]
				if last.ReceiptTimed != tt.want.receipt {
					t.Errorf("receipt-timed = %v, want %v", last.ReceiptTimed, tt.want.receipt)
				}
				if tt.want.receipt && (!last.OccurredAt.Equal(received) || !strings.Contains(string(last.Metadata), `"occurred_at_source":"receipt"`)) {
					t.Errorf("a receipt-timed event has time %v and metadata %s", last.OccurredAt, last.Metadata)
				}
			}
			if _, err := source.Validate(got, received, ingest.DefaultLimits()); err != nil {
				t.Errorf("the events do not pass ingest: %v %v", err, parley.ProblemsOf(err))
			}
		})
	}
}

// TestCSAT: the answer to Chatwoot's survey, in the forms it may take.
func TestCSAT(t *testing.T) {
	answer := func(rating any, comment any, edit func(m map[string]any)) []byte {
		return patch(t, "bot_answer_07_csat_response.json", func(m map[string]any) {
			r := m["content_attributes"].(map[string]any)["submitted_values"].(map[string]any)["csat_survey_response"].(map[string]any)
			r["rating"], r["feedback_message"] = rating, comment
			if edit != nil {
				edit(m)
			}
		})
	}
	first := at(121.733102)
	tests := []struct {
		name  string
		body  []byte
		want  []source.Event // after conversation.started
		field string         // of the problem, if refused
	}{
		{"a rating as a string", answer("4", nil, nil), []source.Event{csat("9004", 4, "", first, "conversation.updated_at")}, ""},
		{"a changed answer is another event, which replaces the first", answer(2, "too slow", nil),
			[]source.Event{csat("9004", 2, "too slow", first, "conversation.updated_at")}, ""},
		{"no updated_at: the time of receipt", answer(5, "great", func(m map[string]any) { delete(conv(m), "updated_at") }),
			[]source.Event{csat("9004", 5, "great", received, "receipt")}, ""},
		{"a survey not yet answered is nothing", patch(t, "bot_answer_07_csat_response.json", func(m map[string]any) {
			m["content_attributes"] = map[string]any{"display_type": "emoji"}
		}), nil, ""},
		{"submitted_values of a form are not a survey answer", patch(t, "bot_answer_07_csat_response.json", func(m map[string]any) {
			m["content_type"] = "form"
			m["content_attributes"] = map[string]any{"submitted_values": []any{map[string]any{"name": "email", "value": "a@b.c"}}}
		}), nil, ""},
		{"a rating of 6", answer(6, nil, nil), nil, "content_attributes.submitted_values.csat_survey_response.rating"},
		{"a rating of 4.5", answer(4.5, nil, nil), nil, "content_attributes.submitted_values.csat_survey_response.rating"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := chatwoot.Map(tt.body, received)
			if tt.field != "" {
				if ps := parley.ProblemsOf(err); len(ps) != 1 || ps[0].Field != tt.field {
					t.Fatalf("Map: %v %+v, want a problem with %s", err, ps, tt.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) > 0 {
				got = got[1:] // conversation.started
			}
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(sameJSON)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if _, err := source.Validate(got, received, ingest.DefaultLimits()); err != nil {
				t.Errorf("the events do not pass ingest: %v %v", err, parley.ProblemsOf(err))
			}
		})
	}
}

// TestRedelivery: a payload delivered again, later, gives the same events,
// except for the time of receipt of those that have no other.
func TestRedelivery(t *testing.T) {
	body := patch(t, "handoff_07_resolved.json", func(m map[string]any) { delete(m, "updated_at") })
	first, err := chatwoot.Map(body, received)
	if err != nil {
		t.Fatal(err)
	}
	again, err := chatwoot.Map(body, received.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != len(again) {
		t.Fatalf("%d events, then %d", len(first), len(again))
	}
	for i := range first {
		a, b := first[i], again[i]
		if a.ID != b.ID {
			t.Errorf("event %d: id %s, then %s", i, a.ID, b.ID)
		}
		if !a.ReceiptTimed && !a.OccurredAt.Equal(b.OccurredAt) {
			t.Errorf("event %d: time %v, then %v", i, a.OccurredAt, b.OccurredAt)
		}
		source.AdoptStoredTimes(again[i:i+1], map[string]time.Time{a.ID: a.OccurredAt})
		ca, _ := ingest.Canonical(&a.Event)
		cb, _ := ingest.Canonical(&again[i].Event)
		if string(ca) != string(cb) {
			t.Errorf("event %d differs after taking the stored time:\n%s\n%s", i, ca, cb)
		}
	}
}

// TestAccountsStayApart: the same conversation number in two Chatwoot
// accounts is two conversations.
func TestAccountsStayApart(t *testing.T) {
	one, err := chatwoot.Map(read(t, "bot_answer_02_visitor_message.json"), received)
	if err != nil {
		t.Fatal(err)
	}
	other, err := chatwoot.Map(patch(t, "bot_answer_02_visitor_message.json", func(m map[string]any) {
		m["account"] = map[string]any{"id": 4, "name": "Other"}
	}), received)
	if err != nil {
		t.Fatal(err)
	}
	for i := range one {
		if one[i].ConversationID == other[i].ConversationID || one[i].ID == other[i].ID {
			t.Errorf("event %d: accounts 3 and 4 share %s / %s", i, one[i].ConversationID, one[i].ID)
		}
	}
}

func TestBadBodies(t *testing.T) {
	tests := []struct {
		name  string
		body  []byte
		field string // of the problem, "" for a body that is not a webhook at all
	}{
		{"empty", []byte(""), ""},
		{"an array", []byte(`[{"event":"message_created"}]`), ""},
		{"not JSON", []byte(`{"event":`), ""},
		{"a member twice", []byte(`{"event":"message_created","event":"contact_created"}`), ""},
		{"invalid UTF-8", []byte("{\"event\":\"message_created\",\"content\":\"\xff\"}"), ""},
		{"a message without its account", patch(t, "bot_answer_02_visitor_message.json", func(m map[string]any) {
			delete(m, "account")
			delete(conv(m), "messages")
		}), "account.id"},
		{"a message without its conversation", patch(t, "bot_answer_02_visitor_message.json", func(m map[string]any) {
			delete(m, "conversation")
		}), "conversation"},
		{"a message whose conversation has no id", patch(t, "bot_answer_02_visitor_message.json", func(m map[string]any) {
			delete(conv(m), "id")
		}), "conversation.id"},
		{"a message without an id", patch(t, "bot_answer_02_visitor_message.json", func(m map[string]any) {
			delete(m, "id")
		}), "id"},
		{"an id that is no id", patch(t, "bot_answer_02_visitor_message.json", func(m map[string]any) {
			m["id"] = "9001:fake"
		}), "id"},
		{"a created_at that is no time", patch(t, "bot_answer_02_visitor_message.json", func(m map[string]any) {
			m["created_at"] = "yesterday"
		}), "created_at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := chatwoot.Map(tt.body, received)
			if err == nil {
				t.Fatalf("Map accepted it: %+v", got)
			}
			if parley.KindOf(err) != parley.KindInvalid {
				t.Fatalf("error kind %s: %v", parley.KindOf(err), err)
			}
			problems := parley.ProblemsOf(err)
			if tt.field == "" {
				if len(problems) != 0 || !strings.HasPrefix(parley.MessageOf(err), "body: ") {
					t.Errorf("want a body error, got %q %v", parley.MessageOf(err), problems)
				}
				return
			}
			if len(problems) != 1 || problems[0].Field != tt.field {
				t.Errorf("problems %+v, want one about %s", problems, tt.field)
			}
		})
	}
}

// TestLongText: text over ingest's limit is clipped, and said to be.
func TestLongText(t *testing.T) {
	long := strings.Repeat("退款", source.MaxText) // 3 bytes a character
	got, err := chatwoot.Map(patch(t, "bot_answer_02_visitor_message.json", func(m map[string]any) { m["content"] = long }), received)
	if err != nil {
		t.Fatal(err)
	}
	e := got[len(got)-1]
	if len(e.Text) > source.MaxText || !strings.HasPrefix(long, e.Text) || len(e.Text) < source.MaxText-3 {
		t.Errorf("text of %d bytes", len(e.Text))
	}
	if !strings.Contains(string(e.Metadata), `"text_clipped":true`) {
		t.Errorf("metadata %s does not say the text was clipped", e.Metadata)
	}
	if _, err := source.Validate(got, received, ingest.DefaultLimits()); err != nil {
		t.Errorf("the events do not pass ingest: %v %v", err, parley.ProblemsOf(err))
	}
}

func TestChannels(t *testing.T) {
	for class, want := range map[string]string{
		"Channel::WebWidget": "chat", "Channel::Email": "email", "Channel::Whatsapp": "whatsapp",
		"Channel::FacebookPage": "messenger", "Channel::TwilioSms": "sms", "Channel::Sms": "sms",
		"Channel::Api": "api", "Channel::Telegram": "telegram", "Channel::Line": "line",
		"Channel::Instagram": "instagram", "Channel::TwitterProfile": "twitter", "Channel::Tiktok": "tiktok",
		"Channel::SomethingNew": "something_new", "": "unknown", "WebWidget": "unknown", "Channel::Ünï": "unknown",
	} {
		got, err := chatwoot.Map(patch(t, "bot_answer_02_visitor_message.json", func(m map[string]any) { conv(m)["channel"] = class }), received)
		if err != nil {
			t.Fatal(err)
		}
		if got[0].Channel != want {
			t.Errorf("%q: conversation.started on channel %q, want %q", class, got[0].Channel, want)
		}
	}
}

// FuzzMap: whatever arrives, Map does not panic, and what it returns is
// either an invalid-input error or events that ingest accepts.
func FuzzMap(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		b, _ := os.ReadFile(name)
		f.Add(b)
	}
	f.Add([]byte(`{"event":"conversation_status_changed","id":1,"account_id":2,"changed_attributes":[{"status":["pending","open"]}],"updated_at":1e400}`))
	f.Add([]byte(`{"event":"message_created","id":1,"account":{"id":1},"message_type":"incoming","conversation":{"id":1,"created_at":-5}}`))
	f.Add([]byte(`{"event":"message_created","id":1,"account":{"id":1},"message_type":"incoming","content":"a\u0000b","conversation":{"id":1,"created_at":1795510800}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := chatwoot.Map(body, received)
		if err != nil {
			if parley.KindOf(err) != parley.KindInvalid {
				t.Fatalf("error of kind %s: %v", parley.KindOf(err), err)
			}
			return
		}
		if len(events) == 0 {
			return
		}
		if _, err := source.Validate(events, received, ingest.DefaultLimits()); err != nil {
			for _, p := range parley.ProblemsOf(err) {
				// Ingest may refuse a time the payload gives far in the
				// future, and text no database can store (a NUL, which
				// Chatwoot's own PostgreSQL never holds); nothing else.
				e := events[p.Index]
				_, storable := parley.CheckStorable(p.Field, e.Text+e.Comment)
				if p.Field != "occurred_at" && storable {
					t.Fatalf("mapped events fail ingest: %v %+v\n%s", err, p, body)
				}
			}
		}
	})
}

func TestVerify(t *testing.T) {
	body := read(t, "bot_answer_02_visitor_message.json")
	const secret = "whsec_4f8d2c"
	now := time.Unix(1795510900, 0)
	ts := now.Unix() - 30
	good := chatwoot.Sign(secret, ts, body)
	if !strings.HasPrefix(good, "sha256=") || len(good) != len("sha256=")+64 {
		t.Fatalf("signature %q", good)
	}
	stamp := func(n int64) string { return strconv.FormatInt(n, 10) }
	tests := []struct {
		name, sig, ts string
		body          []byte
		header        string // the header the refusal names; "" for accepted
	}{
		{"signed as Chatwoot signs", good, stamp(ts), body, ""},
		{"no signature", "", stamp(ts), body, chatwoot.SignatureHeader},
		{"no timestamp", good, "", body, chatwoot.TimestampHeader},
		{"a timestamp that is no number", good, "yesterday", body, chatwoot.TimestampHeader},
		{"older than five minutes", chatwoot.Sign(secret, now.Unix()-301, body), stamp(now.Unix() - 301), body, chatwoot.TimestampHeader},
		{"five minutes ahead", chatwoot.Sign(secret, now.Unix()+301, body), stamp(now.Unix() + 301), body, chatwoot.TimestampHeader},
		{"signed with another secret", chatwoot.Sign("other", ts, body), stamp(ts), body, chatwoot.SignatureHeader},
		{"a changed body", good, stamp(ts), append([]byte(" "), body...), chatwoot.SignatureHeader},
		{"the signature of another time", good, stamp(ts + 1), body, chatwoot.SignatureHeader},
		{"no sha256= prefix", strings.TrimPrefix(good, "sha256="), stamp(ts), body, chatwoot.SignatureHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := chatwoot.Verify(secret, tt.sig, tt.ts, tt.body, now)
			if tt.header == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if parley.KindOf(err) != parley.KindUnauthorized || !strings.Contains(parley.MessageOf(err), tt.header) {
				t.Errorf("Verify: %v, want unauthorized naming %s", err, tt.header)
			}
		})
	}
}
