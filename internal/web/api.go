package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/ingest"
	"github.com/parleyhq/parley/internal/store"
)

// postEvents stores a batch of events (SPEC §3). The reply is sent only
// after the batch is committed: a 2xx means the events are durable.
func (s *Server) postEvents(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	start := time.Now()
	res, err := s.ingest(w, r, ws)
	if err != nil {
		s.metrics.BatchesRejected.Inc()
		return err
	}
	s.metrics.EventsAccepted.Add(float64(res.Accepted))
	s.metrics.EventsDuplicate.Add(float64(res.Duplicates))
	s.metrics.IngestDuration.Observe(time.Since(start).Seconds())
	if res.Accepted > 0 && s.opt.OnEvents != nil {
		s.opt.OnEvents()
	}
	return writeJSON(w, http.StatusOK, res)
}

// ingest decodes and stores one request's batch. The body is read first,
// then the batch waits for an ingest slot (see Options.IngestConcurrency),
// so that a slow sender holds no slot.
func (s *Server) ingest(w http.ResponseWriter, r *http.Request, ws parley.Workspace) (store.InsertResult, error) {
	raw, err := s.readRaw(w, r)
	if err != nil {
		return store.InsertResult{}, err
	}
	release, err := s.ingestSlot(r.Context())
	if err != nil {
		return store.InsertResult{}, err
	}
	defer release()
	batch, err := ingest.DecodeBytes(raw, ingest.FormatForContentType(r.Header.Get("Content-Type")), s.now(), s.lims)
	if err != nil {
		return store.InsertResult{}, err
	}
	return s.db.InsertEvents(r.Context(), ws.ID, batch)
}

// readRaw reads a request's body, a gzip one decompressed (see
// decodeBody). The decoder enforces the body limit itself; the extra byte
// lets it see that a body is over the limit rather than exactly at it, and
// MaxBytesReader stops a client that streams on regardless. A body that
// gives its length is read into a buffer of that size, up to
// rawPrealloc, rather than one doubled as it fills.
func (s *Server) readRaw(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	limit := s.lims.MaxBytes + 1
	size := int64(512)
	if r.ContentLength >= 0 {
		// One byte more, to read the end without growing the buffer.
		size = min(r.ContentLength+1, limit, rawPrealloc)
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	raw := make([]byte, 0, size)
	for {
		if len(raw) == cap(raw) {
			raw = append(raw, 0)[:len(raw)] // room for more, as io.ReadAll makes it
		}
		n, err := body.Read(raw[len(raw):cap(raw)])
		raw = raw[:len(raw)+n]
		switch {
		case err == io.EOF:
			return raw, nil
		case err != nil:
			return nil, bodyError(err)
		}
	}
}

// rawPrealloc bounds the buffer readRaw sets aside for a body before it
// arrives: a client that announces ten megabytes and sends them slowly
// holds no more than this until it does.
const rawPrealloc = 1 << 20

// ingestSlot waits for a slot to decode and store a batch in, and returns
// the function that gives it back.
func (s *Server) ingestSlot(ctx context.Context) (func(), error) {
	s.metrics.IngestWaiting.Inc()
	defer s.metrics.IngestWaiting.Dec()
	select {
	case s.ingestSlots <- struct{}{}:
		return func() { <-s.ingestSlots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// errorBody is the one shape of every API error (SPEC §8).
type errorBody struct {
	Error struct {
		Code     parley.ErrorKind `json:"code"`
		Message  string           `json:"message"`
		Problems []parley.Problem `json:"problems,omitempty"`
	} `json:"error"`
}

var statusOf = map[parley.ErrorKind]int{
	parley.KindInvalid:      http.StatusBadRequest,
	parley.KindNotFound:     http.StatusNotFound,
	parley.KindConflict:     http.StatusConflict,
	parley.KindUnauthorized: http.StatusUnauthorized,
	parley.KindForbidden:    http.StatusForbidden,
	parley.KindTooLarge:     http.StatusRequestEntityTooLarge,
	parley.KindUnsupported:  http.StatusUnsupportedMediaType,
	parley.KindTimeout:      http.StatusRequestTimeout,
	parley.KindUnavailable:  http.StatusServiceUnavailable,
	parley.KindInternal:     http.StatusInternalServerError,
}

// apiError answers err in the API's error shape. Internal errors are
// logged with their cause and shown to the client only as "internal error".
func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	err = s.classify(err)
	kind := parley.KindOf(err)
	if kind == parley.KindInternal {
		s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", loggedPath(r), "err", err)
	}
	if kind == parley.KindUnavailable {
		s.log.WarnContext(r.Context(), "database unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", retryUnavailable)
	}
	var b errorBody
	b.Error.Code = kind
	b.Error.Message = parley.MessageOf(err)
	b.Error.Problems = parley.ProblemsOf(err)
	if err := writeJSON(w, statusOf[kind], b); err != nil {
		s.log.WarnContext(r.Context(), "error answer cut short", "err", err)
	}
}

// classify gives an error the kind it is answered by, where the error does
// not carry it itself: a body that MaxBytesReader cut off is too large,
// whatever wrapped it.
func (s *Server) classify(err error) error {
	// A standby refuses every write: say so, and name the primary. A
	// primary that turned read-only (a failover under way) is an outage:
	// that is a 503 below.
	if refusal, ok := store.ReadOnlyRefusal(err); ok && s.db.ReadOnly() {
		return refusal
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return parley.Errorf(parley.KindTooLarge, "body: larger than %d bytes", s.lims.MaxBytes)
	}
	if parley.KindOf(err) == parley.KindInternal && store.Unavailable(err) {
		return &parley.Error{Kind: parley.KindUnavailable, Message: "the database is unavailable just now; try again shortly", Err: err}
	}
	return err
}

// retryUnavailable is the Retry-After of a 503: long enough for a
// restarting database, short enough that events wait little.
const retryUnavailable = "5"

// writeJSON answers v as JSON with status, and so ends a handler: return
// writeJSON(…). An error is the answer cut short after it began, which the
// route's wrapper logs, as the CSV exports log theirs.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}
