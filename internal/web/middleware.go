package web

import (
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/store"
)

// Every request gets an id: the caller's X-Request-Id when it is a sane
// token, else a new random one. It is sent back, and every log line written
// while serving the request carries it (see ContextHandler).

type requestIDKey struct{}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// RequestID returns the id of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

func newRequestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// ContextHandler adds the request id of the context to every record, so
// that a handler's log lines can be told apart from other requests'.
type ContextHandler struct{ slog.Handler }

// Handle implements slog.Handler.
func (h ContextHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h ContextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return ContextHandler{h.Handler.WithAttrs(attrs)}
}

// WithGroup implements slog.Handler.
func (h ContextHandler) WithGroup(name string) slog.Handler {
	return ContextHandler{h.Handler.WithGroup(name)}
}

// statusWriter remembers the status a handler sent.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe wraps h: request id, one log line per request (method, route,
// status, duration; never the query, which may hold visitor text), and
// the request metrics.
func (s *Server) observe(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !requestIDPattern.MatchString(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		ctx := context.WithValue(r.Context(), requestIDKey{}, id)
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			// A read may be answered from a replica (--read-db); an
			// action reads what it wrote from the primary.
			ctx = store.MayLag(ctx)
		}
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		took := time.Since(start)
		s.metrics.ObserveHTTP(r.Pattern, r.Method, sw.status, took)
		level := slog.LevelDebug
		if sw.status >= 500 {
			level = slog.LevelError
		} else if r.Pattern != "GET /healthz" && r.Pattern != "GET /readyz" && r.Pattern != "GET /metrics" && r.Pattern != "GET /static/" {
			level = slog.LevelInfo
		}
		s.log.Log(r.Context(), level, "request", "method", r.Method, "route", r.Pattern, "path", loggedPath(r),
			"status", sw.status, "duration_ms", float64(took.Microseconds())/1000)
	})
}

// loggedPath is a request's path as a log may show it: a source's token in
// the path (a webhook URL holds it, as a webhook sender cannot set
// headers) is cut to its first characters, as lists show it.
func loggedPath(r *http.Request) string {
	if t := r.PathValue("token"); len(t) > 7 {
		return strings.Replace(r.URL.Path, t, t[:7]+"…", 1)
	}
	return r.URL.Path
}

// guard wraps h with what every request gets, before routing: answers are
// never stored by a browser or a proxy (pages, API answers and CSV exports
// carry private numbers and visitor text, and a shared computer's back
// button must not show them after sign-out — nor a token or secret shown
// once, which no handler needs to say again; only the versioned static
// files say otherwise), and a request body is read in the one encoding it
// names (see decodeBody), within the timeouts (see deadlines).
func (s *Server) guard(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w, r = s.deadlines(w, r)
		if err := s.decodeBody(w, r); err != nil {
			s.apiError(w, r, err)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// decodeBody makes the body of a request with Content-Encoding gzip read
// decompressed, for every route, and refuses any other encoding (415)
// rather than reading compressed bytes as JSON. The compressed body is
// bounded by the largest body any route takes (the ingest limit); each
// route still bounds what it reads after decompression, so a small body
// that inflates to gigabytes is cut off at that route's limit.
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request) error {
	enc := strings.TrimSpace(r.Header.Get("Content-Encoding"))
	switch strings.ToLower(enc) {
	case "", "identity":
		return nil
	case "gzip", "x-gzip":
		r.Body = &gzipBody{raw: http.MaxBytesReader(w, r.Body, s.lims.MaxBytes+1)}
		r.Header.Del("Content-Encoding")
		r.ContentLength = -1
		return nil
	}
	return parley.Errorf(parley.KindUnsupported, "Content-Encoding %q: a body may be sent as it is or with gzip", enc)
}

// gzipBody decompresses a request body as it is read. Its header is read
// on the first Read, so that the route's handler, not this layer, meets
// (and answers) a body that is not gzip.
type gzipBody struct {
	raw io.ReadCloser
	zr  *gzip.Reader
	err error
}

func (b *gzipBody) Read(p []byte) (int, error) {
	if b.zr == nil && b.err == nil {
		b.zr, b.err = gzip.NewReader(b.raw)
		b.err = b.invalid(b.err)
	}
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.zr.Read(p)
	if err != nil && err != io.EOF {
		err = b.invalid(err)
	}
	return n, err
}

// invalid says a decompression error is the body's fault, unless the body
// was only cut off (too large, too slow), which keeps its own answer.
func (b *gzipBody) invalid(err error) error {
	var tooBig *http.MaxBytesError
	if err == nil || errors.As(err, &tooBig) || parley.KindOf(err) != parley.KindInternal {
		return err
	}
	return &parley.Error{Kind: parley.KindInvalid, Message: "body: not valid gzip", Err: err}
}

func (b *gzipBody) Close() error { return b.raw.Close() }
