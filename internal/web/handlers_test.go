package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/ingest"
)

// wrapperServer is a Server with only what the route wrappers need, and a
// log that the test can read.
func wrapperServer(t *testing.T) (*Server, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	s := &Server{mux: http.NewServeMux(), log: slog.New(slog.NewTextHandler(&logs, nil)), lims: ingest.DefaultLimits()}
	s.assets = newAssets()
	s.pages = parsePages(s.assets)
	return s, &logs
}

// A returned error is answered once, by the route's wrapper: status by kind,
// the user-safe message in the API's error shape or on the error page in
// the visitor's language, and an internal cause only in the log.
func TestHandlerErrorsAnsweredByKind(t *testing.T) {
	t.Parallel()
	const secret = "dial tcp 10.0.0.7:5432: password authentication failed"
	tests := []struct {
		name    string
		err     error
		status  int
		code    parley.ErrorKind
		message string
	}{
		{"invalid", parley.InvalidInput([]parley.Problem{parley.FieldProblem("from", "must be a date")}), 400, parley.KindInvalid, "1 problem in the input"},
		{"not found", parley.Errorf(parley.KindNotFound, "topic 9 not found"), 404, parley.KindNotFound, "topic 9 not found"},
		{"conflict", parley.Errorf(parley.KindConflict, "event e1 was sent before with other content"), 409, parley.KindConflict, "event e1 was sent before with other content"},
		{"unauthorized", parley.Errorf(parley.KindUnauthorized, "sign in"), 401, parley.KindUnauthorized, "sign in"},
		{"forbidden", parley.Errorf(parley.KindForbidden, "your role (viewer) does not allow this"), 403, parley.KindForbidden, "your role (viewer) does not allow this"},
		{"too large", parley.Errorf(parley.KindTooLarge, "body: too large"), 413, parley.KindTooLarge, "body: too large"},
		{"body over MaxBytesReader", fmt.Errorf("decoding: %w", &http.MaxBytesError{Limit: 10}), 413, parley.KindTooLarge, fmt.Sprintf("body: larger than %d bytes", ingest.DefaultLimits().MaxBytes)},
		{"unclassified", fmt.Errorf("reading topics: %w", errors.New(secret)), 500, parley.KindInternal, "internal error"},
		{"internal with a cause", &parley.Error{Kind: parley.KindInternal, Message: "store", Err: errors.New(secret)}, 500, parley.KindInternal, "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, logs := wrapperServer(t)
			s.publicAPI("GET /api/x", func(w http.ResponseWriter, r *http.Request) error { return tt.err })
			s.publicPage("GET /x", func(w http.ResponseWriter, r *http.Request, l Lang) error { return tt.err })

			rec := httptest.NewRecorder()
			s.mux.ServeHTTP(rec, httptest.NewRequest("GET", "/api/x", nil))
			if rec.Code != tt.status {
				t.Errorf("API status %d, want %d", rec.Code, tt.status)
			}
			var b errorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
				t.Fatalf("API body %q: %v", rec.Body, err)
			}
			if b.Error.Code != tt.code || b.Error.Message != tt.message {
				t.Errorf("API error %q %q, want %q %q", b.Error.Code, b.Error.Message, tt.code, tt.message)
			}
			if got, want := len(b.Error.Problems), len(parley.ProblemsOf(tt.err)); got != want {
				t.Errorf("API problems %d, want %d", got, want)
			}

			for _, lang := range []Lang{English, TraditionalChinese} {
				rec = httptest.NewRecorder()
				s.mux.ServeHTTP(rec, httptest.NewRequest("GET", "/x?lang="+string(lang), nil))
				if rec.Code != tt.status {
					t.Errorf("%s page status %d, want %d", lang, rec.Code, tt.status)
				}
				if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
					t.Errorf("%s page Content-Type %q", lang, ct)
				}
				title := "error.title"
				if tt.code == parley.KindNotFound {
					title = "error.notfound"
				}
				page := rec.Body.String()
				if want := lang.T(title); !strings.Contains(page, want) {
					t.Errorf("%s page lacks its title %q", lang, want)
				}
				if want := template.HTMLEscapeString(tt.message); !strings.Contains(page, want) {
					t.Errorf("%s page lacks the message %q", lang, want)
				}
				if strings.Contains(page, "10.0.0.7") {
					t.Errorf("%s page shows the internal cause", lang)
				}
			}

			if strings.Contains(rec.Body.String(), "10.0.0.7") {
				t.Error("the answer shows the internal cause")
			}
			if logged := strings.Contains(logs.String(), "10.0.0.7"); logged != (tt.code == parley.KindInternal) {
				t.Errorf("cause logged %v, want %v:\n%s", logged, tt.code == parley.KindInternal, logs)
			}
		})
	}
}

// A handler that started its answer and then returns an error keeps the
// answer it started (a second status cannot be sent); the error is logged.
func TestHandlerErrorAfterAnswering(t *testing.T) {
	t.Parallel()
	s, logs := wrapperServer(t)
	s.publicAPI("GET /api/x", func(w http.ResponseWriter, r *http.Request) error {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		return errors.New("late failure")
	})
	rec := httptest.NewRecorder()
	s.mux.ServeHTTP(rec, httptest.NewRequest("GET", "/api/x", nil))
	if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != `{"status":"ok"}` {
		t.Errorf("answer %d %q, want the handler's own", rec.Code, rec.Body)
	}
	if !strings.Contains(logs.String(), "late failure") {
		t.Errorf("the late error is not logged:\n%s", logs)
	}
}

// A page whose template fails is answered with the error page, not half a
// page: render writes nothing before it returns the error.
func TestRenderFailureIsAnErrorPage(t *testing.T) {
	t.Parallel()
	s, logs := wrapperServer(t)
	s.publicPage("GET /x", func(w http.ResponseWriter, r *http.Request, l Lang) error {
		// The conversation page's template reads fields a string lacks.
		return s.render(w, r, http.StatusOK, "conversation", &page{L: l, Data: "not a conversation"})
	})
	rec := httptest.NewRecorder()
	s.mux.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), English.T("error.title")) {
		t.Errorf("answer %d %q, want the error page with 500", rec.Code, rec.Body)
	}
	if !strings.Contains(logs.String(), "render conversation") {
		t.Errorf("the template error is not logged:\n%s", logs)
	}
}
