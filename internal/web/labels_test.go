package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestMethodLabelsAreBounded: a request with a method of its own making
// adds no series of its own to /metrics.
func TestMethodLabelsAreBounded(t *testing.T) {
	t.Parallel()
	h := newHostile(t)
	for i := range 3 {
		request(t, http.DefaultClient, newRequest(t, fmt.Sprintf("BREW%d", i), h.srv.URL+"/coffee", nil))
	}
	_, metrics := h.do(t, "GET", "/metrics", "", "", anonymous)
	if strings.Contains(metrics, "BREW") || !strings.Contains(metrics, `method="other"`) {
		t.Errorf("methods made up by clients are labels of their own:\n%s", grepLines(metrics, "parley_http_request_seconds_count"))
	}
}

func grepLines(s, word string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
