package embeddings

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeServer answers like an OpenAI-compatible embeddings endpoint: the
// vector of a text is [len(text), 1, index], returned in reverse order (the
// API promises an index, not an order). It records what it was sent.
func fakeServer(t *testing.T, got *[]request, auth *string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/embeddings" || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, `{"error":{"message":"wrong request"}}`, http.StatusBadRequest)
			return
		}
		*auth = r.Header.Get("Authorization")
		var req request
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, `{"error":{"message":"bad json"}}`, http.StatusBadRequest)
			return
		}
		if req.Model == "" {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"error":{"message":"model not found"}}`))
			return
		}
		*got = append(*got, req)
		type item struct {
			Object    string    `json:"object"`
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		}
		var data []item
		for i := len(req.Input) - 1; i >= 0; i-- {
			data = append(data, item{"embedding", i, []float32{float32(len(req.Input[i])), 1, float32(i)}})
		}
		json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": req.Model})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestEmbedContract(t *testing.T) {
	var (
		got  []request
		auth string
	)
	srv := fakeServer(t, &got, &auth)
	c := &Client{URL: srv.URL + "/v1/", Model: "m1", Key: "sk-test", Batch: 2}
	vecs, err := c.Embed(context.Background(), []string{"a", "bb", "退款"})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float32{{1, 1, 0}, {2, 1, 1}, {6, 1, 0}}
	if diff := cmp.Diff(want, vecs); diff != "" {
		t.Errorf("vectors (-want +got):\n%s", diff)
	}
	wantReqs := []request{{"m1", []string{"a", "bb"}}, {"m1", []string{"退款"}}}
	if diff := cmp.Diff(wantReqs, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if auth != "Bearer sk-test" {
		t.Errorf("Authorization %q", auth)
	}
}

func TestEmbedErrors(t *testing.T) {
	var (
		got  []request
		auth string
	)
	srv := fakeServer(t, &got, &auth)
	for _, tt := range []struct {
		name string
		c    *Client
		want string
	}{
		{"server message", &Client{URL: srv.URL + "/v1"}, "404: model not found"},
		{"wrong path", &Client{URL: srv.URL + "/v2", Model: "m"}, "answered 400"},
		{"unreachable", &Client{URL: "http://127.0.0.1:1/v1", Model: "m"}, "embed:"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.c.Embed(context.Background(), []string{"x"})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
	short := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"data":[{"index":0,"embedding":[1,2]}]}`))
	}))
	defer short.Close()
	if _, err := (&Client{URL: short.URL, Model: "m"}).Embed(context.Background(), []string{"x", "y"}); err == nil || !strings.Contains(err.Error(), "1 vectors for 2 texts") {
		t.Errorf("too few vectors: %v", err)
	}
}
