package web

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	statuspb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/source"
	"github.com/parleyhq/parley/internal/source/chatwoot"
	"github.com/parleyhq/parley/internal/source/otlp"
	"github.com/parleyhq/parley/internal/store"
)

// Deliveries from sources: a platform posts in its own format, and what it
// says goes through the same path as events posted to /api/v1/events —
// the same validation, one transaction, idempotent, committed before the
// reply. A delivery that fails to authenticate writes nothing at all; one
// that authenticates and is refused is counted on its source, with why.

// readBody reads a delivery's body, unpacked (see decodeBody), up to the
// ingest limit on both what was sent and what it unpacks to.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := s.readRaw(w, r)
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > s.lims.MaxBytes {
		return nil, parley.Errorf(parley.KindTooLarge, "body: larger than %d bytes", s.lims.MaxBytes)
	}
	return b, nil
}

// sourceByToken finds the live source of a token, of the given kind.
func (s *Server) sourceByToken(ctx context.Context, token string, kind parley.SourceKind) (parley.InboundSource, string, error) {
	src, secret, err := s.db.SourceByToken(ctx, auth.Hash(token))
	switch {
	case err != nil:
		return src, "", err
	case !src.Live():
		return src, "", parley.Errorf(parley.KindUnauthorized, "this source was revoked")
	case src.Kind != kind:
		return src, "", parley.Errorf(parley.KindUnauthorized, "this token is a %s source's, not a %s source's", src.Kind, kind)
	}
	return src, secret, nil
}

// postChatwoot receives one Chatwoot webhook.
func (s *Server) postChatwoot(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	src, secret, err := s.sourceByToken(ctx, r.PathValue("token"), parley.SourceChatwoot)
	if err != nil {
		return err
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return s.rejected(r, src, s.classify(err))
	}
	now := s.now()
	if secret != "" {
		if err := chatwoot.Verify(secret, r.Header.Get(chatwoot.SignatureHeader), r.Header.Get(chatwoot.TimestampHeader), body, now); err != nil {
			s.refusals.note(src.ID, parley.MessageOf(err), now)
			return err
		}
	}
	events, err := chatwoot.Map(body, now)
	if err != nil {
		return s.rejected(r, src, err)
	}
	ws, err := s.db.WorkspaceByID(ctx, src.WorkspaceID)
	if err != nil {
		return err
	}
	res, err := s.storeDelivery(ctx, ws, &src, events)
	if err != nil {
		return s.rejected(r, src, err)
	}
	return writeJSON(w, http.StatusOK, deliveryReply{InsertResult: res, Ignored: len(events) == 0})
}

// deliveryReply is what a source's delivery is answered.
type deliveryReply struct {
	store.InsertResult
	// Ignored reports a delivery that said nothing Parley counts.
	Ignored bool `json:"ignored"`
}

// rejected counts an authenticated delivery that is refused with err on its
// source, and returns err to answer it. A failure of Parley's own (the
// database) is no fault of the delivery's and is not counted.
func (s *Server) rejected(r *http.Request, src parley.InboundSource, err error) error {
	kind := parley.KindOf(err)
	if kind == parley.KindInternal {
		return err
	}
	s.metrics.BatchesRejected.Inc()
	reason := parley.MessageOf(err)
	if ps := parley.ProblemsOf(err); len(ps) > 0 {
		p := ps[0]
		reason += ": " + p.Field + ": " + p.Message
		if len(ps) > 1 {
			reason += fmt.Sprintf(" (and %d more)", len(ps)-1)
		}
	}
	if rerr := s.db.RejectDelivery(r.Context(), src.WorkspaceID, src.ID, clipReason(reason), s.now()); rerr != nil {
		s.log.ErrorContext(r.Context(), "counting a rejected delivery failed", "source", src.ID, "err", rerr)
	}
	return err
}

// clipReason keeps a stored reason short: it is shown in a table cell.
func clipReason(s string) string {
	if r := []rune(s); len(r) > 300 {
		return string(r[:300]) + "…"
	}
	return s
}

// storeDelivery validates a delivery's mapped events by the rules of the
// events API and stores them in one transaction, counted on src (nil for
// an OTLP export authenticated by an API token, which has no source).
//
// An event timed by its receipt takes the time it was stored with, if it
// was stored before, so that a redelivery is a duplicate. Two deliveries
// of one such event can race past that lookup; the one that commits
// second then finds a conflict, and is tried once more, when the lookup
// sees the first.
func (s *Server) storeDelivery(ctx context.Context, ws parley.Workspace, src *parley.InboundSource, events []source.Event) (store.InsertResult, error) {
	start := time.Now()
	release, err := s.ingestSlot(ctx)
	if err != nil {
		return store.InsertResult{}, err
	}
	defer release()
	for attempt := 0; ; attempt++ {
		if ids := source.ReceiptTimedIDs(events); len(ids) > 0 {
			stored, err := s.db.EventTimes(ctx, ws.ID, ids)
			if err != nil {
				return store.InsertResult{}, err
			}
			source.AdoptStoredTimes(events, stored)
		}
		batch, err := source.Validate(events, s.now(), s.lims)
		if err != nil {
			return store.InsertResult{}, err
		}
		var res store.InsertResult
		if src != nil {
			res, err = s.db.InsertDelivery(ctx, ws.ID, store.Delivery{Source: src.ID, Batch: batch, Ignored: len(events) == 0, At: s.now()})
		} else {
			res, err = s.db.InsertEvents(ctx, ws.ID, batch)
		}
		if err != nil && attempt == 0 && receiptConflict(err, events) {
			continue
		}
		if err != nil {
			return res, err
		}
		s.metrics.EventsAccepted.Add(float64(res.Accepted))
		s.metrics.EventsDuplicate.Add(float64(res.Duplicates))
		s.metrics.IngestDuration.Observe(time.Since(start).Seconds())
		if res.Accepted > 0 && s.opt.OnEvents != nil {
			s.opt.OnEvents()
		}
		return res, nil
	}
}

// receiptConflict reports whether err is a conflict over an event timed by
// its receipt.
func receiptConflict(err error, events []source.Event) bool {
	for _, p := range parley.ProblemsOf(err) {
		if p.Field == "id" && p.Index >= 0 && p.Index < len(events) && events[p.Index].ReceiptTimed {
			return true
		}
	}
	return false
}

// refusals remembers, per source, the deliveries refused before they were
// authenticated (a bad signature, a stale timestamp), so that an admin
// setting a source up can see why. They are kept in memory, never written:
// whoever holds a source's URL but not its secret must not be able to make
// Parley write. So they are this process's, and last until it restarts.
type refusals struct {
	mu sync.Mutex
	m  map[int64]refusal
}

// refusal is what refusals keep of one source.
type refusal struct {
	Count  int64
	Reason string
	At     time.Time
}

func (f *refusals) note(sourceID int64, reason string, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[int64]refusal{}
	}
	r := f.m[sourceID]
	f.m[sourceID] = refusal{Count: r.Count + 1, Reason: reason, At: at}
}

func (f *refusals) of(sourceID int64) (refusal, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.m[sourceID]
	return r, ok
}

// OTLP/HTTP (opentelemetry-proto, docs/specification.md "OTLP/HTTP"): a
// POST of an ExportTraceServiceRequest in protobuf or JSON, answered in the
// same encoding: an ExportTraceServiceResponse, with partial_success when
// some spans were refused; or, on failure, a google.rpc.Status with a 4xx
// (not to be retried) or a 503 (to be retried).

// postTraces receives an OTLP/HTTP trace export.
func (s *Server) postTraces(w http.ResponseWriter, r *http.Request) error {
	enc, ok := otlpEncoding(r.Header.Get("Content-Type"))
	if !ok {
		s.otlpFail(w, otlp.JSON, http.StatusUnsupportedMediaType, "Content-Type: must be application/x-protobuf or application/json")
		return nil
	}
	ctx := r.Context()
	ws, src, err := s.otlpCaller(r)
	if err != nil {
		status := statusOf[parley.KindOf(err)]
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="parley"`)
		}
		s.otlpFail(w, enc, status, parley.MessageOf(err))
		return nil
	}
	fail := func(err error) error {
		err = s.classify(err)
		if src != nil {
			err = s.rejected(r, *src, err)
		}
		if parley.KindOf(err) == parley.KindInternal {
			s.log.ErrorContext(ctx, "storing an OTLP export failed", "err", err)
			// Nothing was stored: the exporter should send it again.
			w.Header().Set("Retry-After", "5")
			s.otlpFail(w, enc, http.StatusServiceUnavailable, "internal error; try again")
			return nil
		}
		s.otlpFail(w, enc, statusOf[parley.KindOf(err)], parley.MessageOf(err))
		return nil
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return fail(err)
	}
	req, err := otlp.Decode(body, enc)
	if err != nil {
		return fail(err)
	}
	mapped := otlp.Map(req)
	events, rejected, message := s.acceptSpans(mapped)
	if _, err := s.storeDelivery(ctx, ws, src, events); err != nil {
		return fail(err)
	}
	resp := &coltracepb.ExportTraceServiceResponse{}
	switch {
	case rejected > 0:
		resp.PartialSuccess = &coltracepb.ExportTracePartialSuccess{RejectedSpans: int64(rejected), ErrorMessage: message}
	case mapped.Spans > 0 && mapped.GenAI == 0:
		// Accepted, but a sender wiring Parley up wants to know why
		// nothing shows: the specification lets a warning say so.
		resp.PartialSuccess = &coltracepb.ExportTracePartialSuccess{ErrorMessage: fmt.Sprintf(
			"none of the %d spans carries gen_ai.conversation.id (or session.id), on itself or an ancestor in the same export; Parley counts only spans of a conversation", mapped.Spans)}
	}
	writeOTLP(w, enc, http.StatusOK, resp)
	return nil
}

// otlpCaller authenticates an export: the Bearer token of an otlp source,
// or an API token with the ingest scope.
func (s *Server) otlpCaller(r *http.Request) (parley.Workspace, *parley.InboundSource, error) {
	ctx := r.Context()
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	token = strings.TrimSpace(token)
	if !ok || token == "" {
		return parley.Workspace{}, nil, parley.Errorf(parley.KindUnauthorized,
			"Authorization: want a Bearer token (set OTEL_EXPORTER_OTLP_HEADERS=\"Authorization=Bearer TOKEN\")")
	}
	if strings.HasPrefix(token, auth.SourceTokenPrefix) {
		src, _, err := s.sourceByToken(ctx, token, parley.SourceOTLP)
		if err != nil {
			return parley.Workspace{}, nil, err
		}
		ws, err := s.db.WorkspaceByID(ctx, src.WorkspaceID)
		return ws, &src, err
	}
	_, ws, err := s.access(r, parley.PermIngest)
	return ws, nil, err
}

// acceptSpans drops the events of every span that the mapping or ingest's
// validation refuses (and of the spans merged with them), and says how
// many spans were refused and why.
func (s *Server) acceptSpans(m otlp.Result) ([]source.Event, int, string) {
	refused := map[int]bool{}
	var reasons []string
	note := func(p parley.Problem, span int) {
		refused[span] = true
		if len(reasons) < 5 {
			field := p.Field
			if field == "" {
				field = "span"
			}
			reasons = append(reasons, fmt.Sprintf("%s: %s: %s", p.ID, field, p.Message))
		}
	}
	for _, p := range m.Problems {
		note(p, p.Index)
	}
	if _, err := source.Validate(m.Events, s.now(), s.lims); err != nil {
		for _, p := range parley.ProblemsOf(err) {
			if p.Index >= 0 && p.Index < len(m.From) {
				for _, span := range m.From[p.Index] {
					note(p, span)
				}
			}
		}
	}
	// An event made from a refused span goes too, and takes the other
	// spans it was made from with it, until nothing changes.
	var kept []source.Event
	for changed := true; changed; {
		changed = false
		kept = kept[:0]
		for i, e := range m.Events {
			if !anyRefused(m.From[i], refused) {
				kept = append(kept, e)
				continue
			}
			for _, span := range m.From[i] {
				if !refused[span] {
					refused[span], changed = true, true
				}
			}
		}
	}
	msg := ""
	if len(refused) > 0 {
		msg = fmt.Sprintf("%d of %d spans refused: %s", len(refused), m.Spans, strings.Join(reasons, "; "))
		if len(refused) > len(reasons) {
			msg += "; …"
		}
	}
	return kept, len(refused), msg
}

func anyRefused(spans []int, refused map[int]bool) bool {
	for _, s := range spans {
		if refused[s] {
			return true
		}
	}
	return false
}

// otlpEncoding reads an OTLP/HTTP request's Content-Type.
func otlpEncoding(contentType string) (otlp.Encoding, bool) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return 0, false
	}
	switch mt {
	case "application/x-protobuf", "application/protobuf":
		return otlp.Protobuf, true
	case "application/json":
		return otlp.JSON, true
	}
	return 0, false
}

// otlpFail answers an export that failed with a google.rpc.Status.
func (s *Server) otlpFail(w http.ResponseWriter, enc otlp.Encoding, status int, msg string) {
	code := map[int]int32{ // gRPC's codes, which Status carries
		http.StatusBadRequest: 3, http.StatusUnauthorized: 16, http.StatusForbidden: 7, http.StatusNotFound: 5,
		http.StatusRequestEntityTooLarge: 8, http.StatusUnsupportedMediaType: 3, http.StatusServiceUnavailable: 14,
	}[status]
	if code == 0 {
		code = 2 // unknown
	}
	writeOTLP(w, enc, status, &statuspb.Status{Code: code, Message: msg})
}

// writeOTLP answers in the request's encoding.
func writeOTLP(w http.ResponseWriter, enc otlp.Encoding, status int, m proto.Message) {
	var (
		b   []byte
		err error
	)
	if enc == otlp.JSON {
		w.Header().Set("Content-Type", "application/json")
		b, err = protojson.Marshal(m)
	} else {
		w.Header().Set("Content-Type", "application/x-protobuf")
		b, err = proto.Marshal(m)
	}
	if err != nil {
		status, b = http.StatusInternalServerError, nil
	}
	w.WriteHeader(status)
	w.Write(b)
}
