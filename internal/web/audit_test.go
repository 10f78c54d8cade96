package web

import (
	"strings"
	"testing"

	"github.com/parleyhq/parley"
)

// Every action the audit log records has a sentence in both languages that
// takes the entry's parts without a formatting error, and a visitor's text
// in it stays text.
func TestAuditSentenceOfEveryAction(t *testing.T) {
	t.Parallel()
	hostile := `<script>x()</script>`
	entries := []parley.AuditEntry{
		{Action: "gap.resolve", Subject: "topic 3", TopicID: 3, Detail: "short answer 9: " + hostile},
		{Action: "gap.dismiss", Subject: "topic 3", TopicID: 3},
		{Action: "gap.restore", Subject: "topic 3", TopicID: 3},
		{Action: "gap.rename", Subject: "topic 3", TopicID: 3, Old: hostile, New: "Card PIN"},
		{Action: "gap.rename", Subject: "topic 3", TopicID: 3, Detail: "Card PIN"},
		{Action: "gap.merge", Subject: "topic 3", TopicID: 3, Old: "4,5"},
		{Action: "gap.move_questions", Subject: "topic 3", TopicID: 3, Detail: "questions [a b] to topic 4", New: "4"},
		{Action: "gap.dismiss_questions", Subject: "topic 3", TopicID: 3, Detail: "questions [a b]"},
		{Action: "gap.restore_questions", Subject: "topic 3", TopicID: 3, Detail: "questions [a]"},
		{Action: "short_answer.create", Subject: "short answer 9", Detail: hostile},
		{Action: "short_answer.update", Subject: "short answer 9", Detail: "How do I reset my PIN?"},
		{Action: "short_answer.delete", Subject: "short answer 9", Detail: "How do I reset my PIN?"},
		{Action: "settings.update", Subject: "acme", Old: "window=72h0m0s", New: "window=48h0m0s time_zone=Asia/Taipei"},
		{Action: "user.add", Subject: "a@example.com", Detail: "role editor", New: "editor"},
		{Action: "user.remove", Subject: "a@example.com", Old: "editor"},
		{Action: "user.role", Subject: "a@example.com", Old: "viewer", New: "admin"},
		{Action: "token.create", Subject: "ingest", Detail: "scopes ingest,read"},
		{Action: "token.revoke", Subject: "token 7"},
		{Action: "source.create", Subject: "source 2", Detail: `chatwoot "Support", signed true`},
		{Action: "source.secret", Subject: "source 2", Detail: "signing secret set"},
		{Action: "source.revoke", Subject: "source 2"},
		{Action: "conversations.retry", Subject: "all", Detail: "12 set aside"},
		{Action: "conversations.retry", Subject: "c-" + hostile, Detail: "1 set aside"},
		{Action: "webhook.create", Detail: "https://example.com/hook gap.created"},
		{Action: "webhook.update", Detail: "https://example.com/hook"},
		{Action: "webhook.delete", Detail: "https://example.com/hook"},
		{Action: "webhook.rotate_secret"},
		{Action: "webhook.replay"},
	}
	titles := map[int64]string{3: "PIN " + hostile, 4: "Refunds", 5: "Cards"}
	for _, l := range langs {
		for _, e := range entries {
			e.Actor = "editor@example.com"
			if _, ok := messages["audit."+e.Action]; !ok {
				t.Errorf("%s has no sentence", e.Action)
			}
			got := string(auditSentence(l, e, titles))
			if strings.Contains(got, "%!") || strings.Contains(got, "<script>") || strings.Contains(got, "audit.") {
				t.Errorf("%s in %s: %s", e.Action, l, got)
			}
		}
	}
}
