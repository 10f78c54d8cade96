package web

import (
	"fmt"
	"html"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/store"
)

// The audit log reads as sentences: who did what to which topic (linked),
// from which value to which, and when, in the workspace's time zone. Each
// action has its sentence in both languages ("audit.<action>"); an action
// without one still reads as its code, subject and detail.

// auditView is what the audit page shows.
type auditView struct {
	Entries []auditLine
	Loc     *time.Location
}

// auditLine is one change, said in words.
type auditLine struct {
	At       time.Time
	Actor    string
	Sentence template.HTML
	// Action is the stable name of the change, for the page's classes.
	Action string
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	es, err := s.db.AuditLog(r.Context(), ws.ID, 500)
	if err != nil {
		return err
	}
	topics, err := s.db.Topics(r.Context(), ws.ID, store.TopicFilter{AnyState: true})
	if err != nil {
		return err
	}
	titles := map[int64]string{}
	for _, t := range topics {
		titles[t.ID] = t.Title()
	}
	loc, _ := ws.Settings.Location()
	v := &auditView{Loc: loc}
	for _, e := range es {
		v.Entries = append(v.Entries, auditLine{At: e.At, Actor: e.Actor, Action: e.Action, Sentence: auditSentence(l, e, titles)})
	}
	return s.renderSetting(w, r, http.StatusOK, "audit", "audit", ws, l, v)
}

// auditSentence says an audit entry in l. Every value from the entry is
// escaped; the sentence's own words are ours.
func auditSentence(l Lang, e parley.AuditEntry, titles map[int64]string) template.HTML {
	esc := html.EscapeString
	topic := func(id int64) string {
		name, ok := titles[id]
		if !ok {
			return esc(l.T("audit.topic", id))
		}
		return fmt.Sprintf(`<a href="%s">%s</a>`, esc(pathOf("gaps", strconv.FormatInt(id, 10))), esc(name))
	}
	who := "<strong>" + esc(e.Actor) + "</strong>"
	key := "audit." + e.Action
	if _, ok := messages[key]; !ok {
		return template.HTML(fmt.Sprintf("%s: <code>%s</code> %s %s", who, esc(e.Action), esc(e.Subject), esc(e.Detail)))
	}
	id := e.TopicID
	if id == 0 { // entries from before the topic was kept apart
		id, _ = strconv.ParseInt(strings.TrimPrefix(e.Subject, "topic "), 10, 64)
	}
	var args []any
	switch e.Action {
	case "gap.resolve":
		_, question, _ := strings.Cut(e.Detail, ": ")
		args = []any{topic(id), esc(question)}
	case "gap.rename":
		if e.Old == "" {
			key = "audit.gap.rename.new"
		}
		args = []any{topic(id), esc(e.Old), esc(cmpOr(e.New, e.Detail))}
	case "gap.merge":
		var from []string
		for part := range strings.SplitSeq(e.Old, ",") {
			if n, err := strconv.ParseInt(part, 10, 64); err == nil {
				from = append(from, topic(n))
			}
		}
		if len(from) == 0 {
			from = []string{esc(e.Detail)}
		}
		args = []any{topic(id), strings.Join(from, l.T("list.sep"))}
	case "gap.move_questions":
		to, _ := strconv.ParseInt(e.New, 10, 64)
		n := countQuestions(e.Detail)
		key = plural(key, n)
		args = []any{topic(id), n, topic(to)}
	case "gap.dismiss_questions", "gap.restore_questions":
		n := countQuestions(e.Detail)
		key = plural(key, n)
		args = []any{topic(id), n}
	case "source.create":
		// Detail: KIND "NAME", signed BOOL (sources.go).
		kind, rest, _ := strings.Cut(e.Detail, " ")
		quoted, signed, _ := strings.Cut(rest, ", signed ")
		name, err := strconv.Unquote(quoted)
		if err != nil {
			name = quoted
		}
		args = []any{esc(l.word("sources.kind.", kind)), esc(name), esc(l.T(map[bool]string{true: "sources.signed", false: "sources.unsigned"}[signed == "true"]))}
	case "source.secret":
		if strings.HasSuffix(e.Detail, "removed") {
			key = "audit.source.secret.removed"
		}
		args = []any{esc(strings.TrimPrefix(e.Subject, "source "))}
	case "gap.dismiss", "gap.restore":
		args = []any{topic(id)}
	case "short_answer.create", "short_answer.update", "short_answer.delete":
		n, _ := strconv.ParseInt(strings.TrimPrefix(e.Subject, "short answer "), 10, 64)
		text := "“" + esc(e.Detail) + "”"
		if e.Detail == "" {
			text = esc(e.Subject)
		}
		if e.Action != "short_answer.delete" && n > 0 {
			text = fmt.Sprintf(`<a href="%s">%s</a>`, esc(pathOf("content", strconv.FormatInt(n, 10))), text)
		}
		args = []any{text}
	case "conversations.retry":
		n, _, _ := strings.Cut(e.Detail, " ")
		count, _ := strconv.Atoi(n)
		if e.Subject == "all" {
			key = "audit.conversations.retry.all"
			args = []any{count}
			break
		}
		args = []any{fmt.Sprintf(`<a href="%s">%s</a>`, esc(pathOf("conversations", e.Subject)), esc(e.Subject))}
	case "settings.update":
		args = []any{settingsChange(l, e)}
	case "token.create":
		var scopes []string
		for sc := range strings.SplitSeq(strings.TrimPrefix(e.Detail, "scopes "), ",") {
			scopes = append(scopes, l.word("scope.", strings.TrimSpace(sc)))
		}
		args = []any{esc(e.Subject), esc(strings.Join(scopes, l.T("list.sep")))}
	case "token.revoke", "source.revoke":
		args = []any{esc(strings.TrimPrefix(strings.TrimPrefix(e.Subject, "token "), "source "))}
	case "user.add":
		args = []any{esc(e.Subject), esc(l.T("role." + cmpOr(e.New, strings.TrimPrefix(e.Detail, "role "))))}
	case "user.role":
		if e.Old == "" {
			key = "audit.user.role.new"
		}
		args = []any{esc(e.Subject), esc(l.word("role.", e.Old)), esc(l.word("role.", cmpOr(e.New, strings.TrimPrefix(e.Detail, "role "))))}
	default:
		args = []any{esc(e.Subject), esc(e.Detail)}
	}
	return template.HTML(l.T(key, append([]any{who}, args...)...))
}

// plural is key's form for one ("KEY.one") when n is 1 and there is one.
func plural(key string, n int) string {
	if _, ok := messages[key+".one"]; ok && n == 1 {
		return key + ".one"
	}
	return key
}

// cmpOr is a, or b when a is empty.
func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// countQuestions counts the questions a question action's detail lists:
// "questions [a b c]" or "questions [a b] to topic 7".
func countQuestions(detail string) int {
	inside, _, _ := strings.Cut(strings.TrimPrefix(detail, "questions ["), "]")
	return len(strings.Fields(inside))
}

// settingsChange says which settings a change changed, each from its old
// value to its new one, in words.
func settingsChange(l Lang, e parley.AuditEntry) string {
	values := func(s string) map[string]string {
		out := map[string]string{}
		for kv := range strings.FieldsSeq(s) {
			k, v, _ := strings.Cut(kv, "=")
			out[k] = v
		}
		return out
	}
	newText := e.New
	if newText == "" { // entries from before old and new were kept apart
		_, newText, _ = strings.Cut(e.Detail, ": ")
	}
	return html.EscapeString(l.SettingChanges(values(e.Old), values(newText)))
}
