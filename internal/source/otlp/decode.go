package otlp

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/parleyhq/parley"
)

// Encoding is how an OTLP/HTTP body is written.
type Encoding int

// The encodings of OTLP/HTTP.
const (
	Protobuf Encoding = iota // application/x-protobuf
	JSON                     // application/json
)

// Decode reads the body of an OTLP/HTTP trace export. A body that is not an
// ExportTraceServiceRequest in its encoding is an invalid-kind error.
func Decode(body []byte, enc Encoding) (*coltracepb.ExportTraceServiceRequest, error) {
	req := &coltracepb.ExportTraceServiceRequest{}
	if enc == Protobuf {
		if err := proto.Unmarshal(body, req); err != nil {
			return nil, &parley.Error{Kind: parley.KindInvalid, Message: "body: not an OTLP ExportTraceServiceRequest in protobuf", Err: err}
		}
		return req, nil
	}
	body, err := hexIDsToBase64(body)
	if err == nil {
		// Fields of newer versions of OTLP are ignored, as the
		// specification asks of receivers.
		err = protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(body, req)
	}
	if err != nil {
		return nil, &parley.Error{Kind: parley.KindInvalid, Message: "body: not an OTLP ExportTraceServiceRequest in JSON: " + err.Error(), Err: err}
	}
	return req, nil
}

// idFields are the members that OTLP/JSON writes as hex where protobuf's
// JSON mapping would expect base64 (OTLP specification, "JSON Protobuf
// Encoding": traceId, spanId and parentSpanId are hex, not base64).
var idFields = map[string]bool{
	"traceId": true, "spanId": true, "parentSpanId": true,
	"trace_id": true, "span_id": true, "parent_span_id": true,
}

// hexIDsToBase64 rewrites an OTLP/JSON body into protobuf's JSON mapping,
// which protojson reads: the hex ids become base64.
func hexIDsToBase64(body []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // keep int64 times exact
	var root any
	if err := dec.Decode(&root); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("unexpected data after the object")
	}
	if err := rewriteIDs(root, 0); err != nil {
		return nil, err
	}
	return json.Marshal(root)
}

// maxDepth bounds how deep rewriteIDs walks: attribute values nest, and
// a hostile body might nest them without end.
const maxDepth = 64

func rewriteIDs(v any, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("nested more than %d levels deep", maxDepth)
	}
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && idFields[k] {
				b, err := hex.DecodeString(s)
				if err != nil {
					return fmt.Errorf("%s: %q is not hex", k, s)
				}
				v[k] = base64.StdEncoding.EncodeToString(b)
				continue
			}
			if err := rewriteIDs(x, depth+1); err != nil {
				return err
			}
		}
	case []any:
		for _, x := range v {
			if err := rewriteIDs(x, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}
