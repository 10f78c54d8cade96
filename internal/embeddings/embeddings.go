// Package embeddings asks an OpenAI-compatible embeddings endpoint for vectors
// of texts. It is the optional, semantic way of grouping knowledge-gap
// questions: questions that mean the same with different words get close
// vectors. Parley works without it; see gaps.Group for the built-in method.
package embeddings

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Client calls POST {URL}/embeddings, the request that OpenAI, Azure
// OpenAI, Ollama, vLLM, LM Studio, llama.cpp's server and others share.
type Client struct {
	// URL is the API base, such as https://api.openai.com/v1; a URL that
	// already ends in /embeddings is used as it is.
	URL   string
	Model string
	// Key, if set, is sent as a bearer token.
	Key string
	// HTTP is the client to use; nil means one with a one-minute timeout.
	HTTP *http.Client
	// Batch is how many texts one request carries; 0 means 128.
	Batch int
}

// request and response are the wire format.
type request struct {
	Model string   `json:"model"`
	Input []string `json:"input"`
}

type response struct {
	Data []struct {
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	} `json:"data"`
	Error *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// maxResponse bounds a response body: 128 vectors of 4,096 numbers as
// JSON, with room to spare.
const maxResponse = 64 << 20

// Embed returns one vector per text, in order, all of one length.
func (c *Client) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	batch := c.Batch
	if batch <= 0 {
		batch = 128
	}
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += batch {
		vecs, err := c.embed(ctx, texts[start:min(start+batch, len(texts))])
		if err != nil {
			return nil, err
		}
		out = append(out, vecs...)
	}
	for i, v := range out {
		if len(v) == 0 || len(v) != len(out[0]) {
			return nil, fmt.Errorf("embed: vector %d has %d dimensions, vector 0 has %d", i, len(v), len(out[0]))
		}
	}
	return out, nil
}

func (c *Client) embed(ctx context.Context, texts []string) ([][]float32, error) {
	body, err := json.Marshal(request{Model: c.Model, Input: texts})
	if err != nil {
		return nil, fmt.Errorf("embed: %w", err)
	}
	url := strings.TrimSuffix(c.URL, "/")
	if !strings.HasSuffix(url, "/embeddings") {
		url += "/embeddings"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("embed: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.Key != "" {
		req.Header.Set("Authorization", "Bearer "+c.Key)
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: time.Minute}
	}
	res, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("embed: %w", err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxResponse))
	if err != nil {
		return nil, fmt.Errorf("embed: read response: %w", err)
	}
	var r response
	jsonErr := json.Unmarshal(raw, &r)
	if res.StatusCode/100 != 2 {
		msg := http.StatusText(res.StatusCode)
		if jsonErr == nil && r.Error != nil && r.Error.Message != "" {
			msg = r.Error.Message
		}
		return nil, fmt.Errorf("embed: %s answered %d: %s", url, res.StatusCode, msg)
	}
	if jsonErr != nil {
		return nil, fmt.Errorf("embed: %s: response is not embeddings JSON: %w", url, jsonErr)
	}
	if len(r.Data) != len(texts) {
		return nil, fmt.Errorf("embed: %s returned %d vectors for %d texts", url, len(r.Data), len(texts))
	}
	out := make([][]float32, len(texts))
	for _, d := range r.Data {
		if d.Index < 0 || d.Index >= len(texts) || out[d.Index] != nil {
			return nil, fmt.Errorf("embed: %s returned a bad or repeated index %d", url, d.Index)
		}
		out[d.Index] = d.Embedding
	}
	return out, nil
}
