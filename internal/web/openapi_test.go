package web_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/report"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/web"
	"github.com/parleyhq/parley/internal/webhook"
)

// The OpenAPI document (openapi.json) is written by hand; these tests keep
// it true: its operations are exactly the API's routes, its query
// parameters exactly those the handlers read, its schemas' fields exactly
// those of the Go types they describe, and its examples are accepted by the
// server (requests) or decode into their types (responses).
//
// go test ./internal/web -run OpenAPISchemas -args -print-schemas prints the schemas the
// Go types imply, to paste in when a type changes.

var printSchemas = flag.Bool("print-schemas", false, "print the JSON schemas the Go types imply")

// schemaTypes are the document's component schemas that describe Go types.
var schemaTypes = map[string]any{
	"InsertResult":       store.InsertResult{},
	"Event":              parley.Event{},
	"Report":             report.Report{},
	"Metrics":            report.Metrics{},
	"CSAT":               report.CSAT{},
	"CSATScore":          report.CSATScore{},
	"CSATFact":           parley.CSATFact{},
	"Bucket":             report.Bucket{},
	"ChannelMetrics":     report.ChannelMetrics{},
	"Period":             report.Period{},
	"Durations":          report.Durations{},
	"Recomputing":        report.Recomputing{},
	"Card":               report.Card{},
	"Observation":        report.Observation{},
	"Change":             report.Change{},
	"Settings":           parley.Settings{},
	"VersionedSettings":  parley.VersionedSettings{},
	"SettingsChange":     store.SettingsChange{},
	"Conversation":       parley.Conversation{},
	"Outcome":            parley.Outcome{},
	"TopicSummary":       parley.TopicSummary{},
	"Topic":              parley.Topic{},
	"GapQuestion":        parley.GapQuestion{},
	"ShortAnswer":        parley.ShortAnswer{},
	"Problem":            parley.Problem{},
	"CriterionResult":    parley.CriterionResult{},
	"RatingFact":         parley.RatingFact{},
	"GapSignal":          parley.GapSignal{},
	"Source":             parley.Source{},
	"Action":             parley.Action{},
	"InboundSource":      parley.InboundSource{},
	"Webhook":            parley.Webhook{},
	"WebhookInput":       parley.WebhookInput{},
	"WebhookWithSecret":  webhook.WithSecret{},
	"Delivery":           parley.Delivery{},
	"DeliveryAttempt":    parley.DeliveryAttempt{},
	"WebhookEnvelope":    store.Envelope{},
	"OutcomeDecided":     store.OutcomeDecided{},
	"TopicEvent":         store.TopicEvent{},
	"TopicEventQuestion": store.TopicEventQuestion{},
	"WeeklyReport":       webhook.Weekly{},
	"WeeklyMetrics":      webhook.WeeklyMetrics{},
	"Span":               webhook.Span{},
	"Use":                parley.Use{},
	"Usage":              report.Usage{},
	"UsageRow":           report.UsageRow{},
	"Fixes":              report.Fixes{},
	"FixRow":             report.FixRow{},
	"FixWindow":          report.FixWindow{},
	"FixWeek":            report.FixWeek{},
}

// jsonFields lists the JSON names of a struct's fields, embedded structs
// flattened, with whether each may be left out.
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			for k, v := range jsonFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f
	}
	return out
}

// schemaOf is the JSON schema a Go type implies, with references to the
// named component schemas.
func schemaOf(t reflect.Type, top bool) map[string]any {
	if !top {
		for name, v := range schemaTypes {
			if reflect.TypeOf(v) == t {
				return map[string]any{"$ref": "#/components/schemas/" + name}
			}
		}
	}
	switch {
	case t == reflect.TypeOf(time.Time{}):
		return map[string]any{"type": "string", "format": "date-time"}
	case t == reflect.TypeOf(time.Duration(0)):
		return map[string]any{"type": "integer", "description": "nanoseconds"}
	case t == reflect.TypeOf(json.RawMessage{}):
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		s := schemaOf(t.Elem(), false)
		if ty, ok := s["type"].(string); ok {
			s["type"] = []string{ty, "null"}
			return s
		}
		return map[string]any{"oneOf": []any{s, map[string]any{"type": "null"}}}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Int32:
		return map[string]any{"type": "integer"}
	case reflect.Float64, reflect.Float32:
		return map[string]any{"type": "number"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), false)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), false)}
	case reflect.Struct:
		props := map[string]any{}
		var required []string
		for name, f := range jsonFields(t) {
			props[name] = schemaOf(f.Type, false)
			tag := f.Tag.Get("json")
			if !strings.Contains(tag, ",omitempty") && !strings.Contains(tag, ",omitzero") {
				required = append(required, name)
			}
		}
		sort.Strings(required)
		s := map[string]any{"type": "object", "properties": props}
		if len(required) > 0 {
			s["required"] = required
		}
		return s
	}
	return map[string]any{}
}

// openAPI fetches the document the server serves.
func openAPI(t *testing.T) (map[string]any, []web.Route) {
	t.Helper()
	srv, db, _ := reportServer(t)
	res, err := http.Get(srv.URL + "/api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("/api/openapi.json: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var doc map[string]any
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
		t.Fatalf("the OpenAPI document is not JSON: %v", err)
	}
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v, want 3.1.0", doc["openapi"])
	}
	return doc, web.New(db, web.Options{Logger: quiet}).Routes()
}

func TestOpenAPISchemasMatchTypes(t *testing.T) {
	t.Parallel()
	if *printSchemas {
		out := map[string]any{}
		for name, v := range schemaTypes {
			out[name] = schemaOf(reflect.TypeOf(v), true)
		}
		b, _ := json.MarshalIndent(out, "", "  ")
		os.Stdout.Write(b)
		return
	}
	doc, _ := openAPI(t)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for name, v := range schemaTypes {
		s, ok := schemas[name].(map[string]any)
		if !ok {
			t.Errorf("schema %s is missing from the document", name)
			continue
		}
		want := jsonFields(reflect.TypeOf(v))
		props, _ := s["properties"].(map[string]any)
		for field := range want {
			if _, ok := props[field]; !ok {
				t.Errorf("schema %s lacks the field %q that %T has", name, field, v)
			}
		}
		for field := range props {
			if _, ok := want[field]; !ok {
				t.Errorf("schema %s has the field %q that %T does not have", name, field, v)
			}
		}
		implied := schemaOf(reflect.TypeOf(v), true)
		var wantReq, gotReq []string
		for _, r := range asList(implied["required"]) {
			wantReq = append(wantReq, r)
		}
		for _, r := range asList(s["required"]) {
			gotReq = append(gotReq, r)
		}
		if !slices.Equal(wantReq, gotReq) {
			t.Errorf("schema %s requires %v; %T always has %v", name, gotReq, v, wantReq)
		}
	}
}

func asList(v any) []string {
	var out []string
	switch l := v.(type) {
	case []any:
		for _, x := range l {
			out = append(out, x.(string))
		}
	case []string:
		out = l
	}
	sort.Strings(out)
	return out
}

// pathOf turns a route pattern into the document's method and path.
func pathOf(pattern string) (string, string) {
	method, path, _ := strings.Cut(pattern, " ")
	return strings.ToLower(method), path
}

func TestOpenAPIRoutesAndParameters(t *testing.T) {
	t.Parallel()
	doc, routes := openAPI(t)
	paths := doc["paths"].(map[string]any)
	have := map[string]bool{}
	for _, r := range routes {
		method, path := pathOf(r.Pattern)
		if !strings.HasPrefix(path, "/api/v1/") {
			continue
		}
		have[method+" "+path] = true
		op, _ := paths[path].(map[string]any)
		if op == nil || op[method] == nil {
			t.Errorf("route %s is not in the OpenAPI document", r.Pattern)
		}
	}
	docParams := map[string]bool{}
	for path, item := range paths {
		for method, op := range item.(map[string]any) {
			if method == "parameters" {
				continue
			}
			if !have[method+" "+path] {
				t.Errorf("the document describes %s %s, which the server does not have", strings.ToUpper(method), path)
			}
			for _, p := range op.(map[string]any)["parameters"].([]any) {
				p := resolve(doc, p.(map[string]any))
				if p["in"] == "query" {
					docParams[p["name"].(string)] = true
				}
			}
		}
	}
	// The query parameters the API's handlers read, found in their source.
	read := regexp.MustCompile(`(?:q\.Get|Query\(\)\.Get|SplitParam\(q,)\s*\(?"([a-z_]+)"`)
	code := map[string]bool{}
	// The conversation filter's, which the domain parses for every surface.
	for _, p := range parley.ConversationFilterParams {
		code[p.Name] = true
	}
	for _, file := range []string{"api.go", "reports.go", "query.go", "gaps.go", "access.go", "webhooks.go", "usage.go"} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range read.FindAllStringSubmatch(string(b), -1) {
			code[m[1]] = true
		}
	}
	for p := range code {
		if !docParams[p] && p != "next" && p != "lang" {
			t.Errorf("the API reads the query parameter %q, which the document does not describe", p)
		}
	}
	for p := range docParams {
		if !code[p] {
			t.Errorf("the document describes the query parameter %q, which no handler reads", p)
		}
	}
}

// resolve follows a $ref inside the document.
func resolve(doc map[string]any, v map[string]any) map[string]any {
	ref, ok := v["$ref"].(string)
	if !ok {
		return v
	}
	var cur any = doc
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		cur = cur.(map[string]any)[part]
	}
	return cur.(map[string]any)
}

// TestOpenAPIExamples sends every request example to a server and checks
// the documented status, and decodes every response example into the Go
// type its schema describes, refusing unknown fields.
func TestOpenAPIExamples(t *testing.T) {
	t.Parallel()
	doc, _ := openAPI(t)
	srv, db, ws := reportServer(t)
	all := clientWith(credentials{bearer: token(t, db, ws, reportNow, parley.ScopeIngest, parley.ScopeRead, parley.ScopeWrite, parley.ScopeAdmin)}, false)
	topic := topicIDs(t, srv, "")[0]
	answer, err := db.CreateShortAnswer(t.Context(), ws.ID, parley.ShortAnswer{Question: "Opening hours?", Answer: "9 to 5."}, reportNow)
	if err != nil {
		t.Fatal(err)
	}
	examples := 0
	paths := doc["paths"].(map[string]any)
	for _, path := range slices.Sorted(maps.Keys(paths)) {
		for _, method := range slices.Sorted(maps.Keys(paths[path].(map[string]any))) {
			op := paths[path].(map[string]any)[method].(map[string]any)
			// Request examples go to the server.
			if rb, ok := op["requestBody"].(map[string]any); ok {
				for ctype, media := range rb["content"].(map[string]any) {
					ex, ok := media.(map[string]any)["example"]
					if !ok {
						continue
					}
					body, _ := json.Marshal(ex)
					if s, ok := ex.(string); ok {
						body = []byte(s)
					}
					u := srv.URL + strings.NewReplacer("{id}", fmt.Sprint(topic), "{action}", "rename").Replace(path)
					if strings.HasPrefix(path, "/api/v1/short-answers/{id}") {
						u = srv.URL + strings.Replace(path, "{id}", fmt.Sprint(answer.ID), 1)
					}
					if strings.HasPrefix(path, "/api/v1/webhooks/{id}") {
						h, err := webhook.Create(t.Context(), db, ws.ID, parley.WebhookPolicy{}, parley.WebhookInput{URL: "https://hooks.example.com/p", Events: parley.WebhookEvents}, "test", reportNow)
						if err != nil {
							t.Fatal(err)
						}
						u = srv.URL + strings.Replace(path, "{id}", fmt.Sprint(h.ID), 1)
					}
					req, _ := http.NewRequest(strings.ToUpper(method), u, strings.NewReader(string(body)))
					req.Header.Set("Content-Type", ctype)
					res, err := all.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					got, _ := io.ReadAll(res.Body)
					res.Body.Close()
					if _, ok := op["responses"].(map[string]any)[fmt.Sprint(res.StatusCode)]; !ok || res.StatusCode >= 300 {
						t.Errorf("%s %s with its example: %d %s", strings.ToUpper(method), path, res.StatusCode, got)
					}
					examples++
				}
			}
			// Response examples decode into their types.
			for status, r := range op["responses"].(map[string]any) {
				r := resolve(doc, r.(map[string]any))
				content, _ := r["content"].(map[string]any)
				media, _ := content["application/json"].(map[string]any)
				ex, ok := media["example"]
				if !ok {
					continue
				}
				schema, _ := media["schema"].(map[string]any)
				if err := checkExample(doc, schema, ex); err != nil {
					t.Errorf("%s %s %s example: %v", strings.ToUpper(method), path, status, err)
				}
				examples++
			}
		}
	}
	if examples < 10 {
		t.Errorf("only %d examples in the document", examples)
	}
}

// checkExample decodes an example into the Go type of a component schema
// (directly, or as the items or a property of an inline wrapper), refusing
// unknown fields.
func checkExample(doc map[string]any, schema map[string]any, ex any) error {
	b, _ := json.Marshal(ex)
	if ref, ok := schema["$ref"].(string); ok {
		name := filepath.Base(ref)
		v, ok := schemaTypes[name]
		if !ok {
			// A schema of the document's own (errors, wrappers): its
			// properties must be the example's.
			return checkProperties(doc, resolve(doc, schema), ex)
		}
		p := reflect.New(reflect.TypeOf(v))
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		return dec.Decode(p.Interface())
	}
	return checkProperties(doc, schema, ex)
}

// checkProperties checks an object example against an object schema.
func checkProperties(doc map[string]any, schema map[string]any, ex any) error {
	obj, ok := ex.(map[string]any)
	if !ok {
		return fmt.Errorf("example is not an object")
	}
	props, _ := schema["properties"].(map[string]any)
	for _, r := range asList(schema["required"]) {
		if _, ok := obj[r]; !ok {
			return fmt.Errorf("example lacks the required %q", r)
		}
	}
	for k, v := range obj {
		ps, ok := props[k].(map[string]any)
		if !ok {
			return fmt.Errorf("example has %q, which the schema does not", k)
		}
		if items, ok := ps["items"].(map[string]any); ok {
			list, _ := v.([]any)
			for _, it := range list {
				if err := checkExample(doc, items, it); err != nil {
					return fmt.Errorf("%s: %w", k, err)
				}
			}
			continue
		}
		if _, ok := ps["$ref"]; ok {
			if err := checkExample(doc, ps, v); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
		}
	}
	return nil
}

// TestOpenAPIWebhookPayloads checks that the document describes the payload
// of every event a webhook can subscribe to, under its webhooks, with an
// example that decodes into the types the sender encodes.
func TestOpenAPIWebhookPayloads(t *testing.T) {
	t.Parallel()
	doc, _ := openAPI(t)
	hooks, _ := doc["webhooks"].(map[string]any)
	data := map[parley.WebhookEvent]any{
		parley.WebhookOutcomeDecided: &store.OutcomeDecided{},
		parley.WebhookTopicCreated:   &store.TopicEvent{},
		parley.WebhookTopicRecurred:  &store.TopicEvent{},
		parley.WebhookReportWeekly:   &webhook.Weekly{},
	}
	for _, e := range parley.WebhookEvents {
		item, ok := hooks[string(e)].(map[string]any)
		if !ok {
			t.Errorf("the document has no webhooks entry for %s", e)
			continue
		}
		media := item["post"].(map[string]any)["requestBody"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)
		b, _ := json.Marshal(media["example"])
		var env struct {
			store.Envelope
			Data json.RawMessage `json:"data"`
		}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&env); err != nil || env.Type != e {
			t.Errorf("%s example: %v (type %q)", e, err, env.Type)
			continue
		}
		dec = json.NewDecoder(strings.NewReader(string(env.Data)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(data[e]); err != nil {
			t.Errorf("%s example data: %v", e, err)
		}
		if !strings.Contains(fmt.Sprint(media["schema"]), schemaName(data[e])) {
			t.Errorf("%s: schema %v does not name %s", e, media["schema"], schemaName(data[e]))
		}
	}
}

// schemaName is the component schema that describes v's type.
func schemaName(v any) string {
	for name, s := range schemaTypes {
		if reflect.TypeOf(s) == reflect.TypeOf(v).Elem() {
			return name
		}
	}
	return "?"
}
