package web

import (
	"io/fs"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
)

// TestTemplatesBuildNoQuery fails on a template that writes a query string
// into an attribute itself: html/template escapes "=" and "&" after a "?"
// in an href, so such a link reaches the server as one mangled parameter.
// Links with parameters are built in Go (href) instead.
func TestTemplatesBuildNoQuery(t *testing.T) {
	t.Parallel()
	pasted := regexp.MustCompile(`(?i)\b(href|src|action|formaction)="[^"]*[?&][^"]*\{\{|\b(href|src|action|formaction)="[^"{]*\{\{[^"]*\}\}[^"]*[?&]`)
	err := fs.WalkDir(templateFiles, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFiles, path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if m := pasted.FindString(line); m != "" {
				t.Errorf("%s:%d pastes a query into a link: %s", path, i+1, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestHref(t *testing.T) {
	t.Parallel()
	h := hrefTo(pathOf("conversations", "a/b?c#d"), url.Values{"outcome": {"resolved"}})
	for _, tt := range []struct{ got, want string }{
		{h.String(), "/conversations/a%2Fb%3Fc%23d?outcome=resolved"},
		{h.Set("after", "2026-03-02|x&y=z").String(), "/conversations/a%2Fb%3Fc%23d?after=2026-03-02%7Cx%26y%3Dz&outcome=resolved"},
		{h.Set("outcome", "").String(), "/conversations/a%2Fb%3Fc%23d"},
		{h.Del("outcome").At("/gaps").String(), "/gaps"},
		{string(h.At("/x").Set("a", "1", "b", "2").URL()), "/x?a=1&b=2&outcome=resolved"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %s, want %s", tt.got, tt.want)
		}
	}
	if h.String() != "/conversations/a%2Fb%3Fc%23d?outcome=resolved" {
		t.Errorf("Set changed the link it was called on: %s", h)
	}
}

func TestUnknownParams(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		query string
		bad   []string
	}{
		{"", nil},
		{"state=open&sort=label", nil},
		{"state%3Dresolved%26sort%3Dlabel", []string{"state=resolved&sort=label"}},
		{"sort=label&sorts=x&Sort=y", []string{"Sort", "sorts"}},
	} {
		r := httptest.NewRequest("GET", "/gaps?"+tt.query, nil)
		err := unknownParams(r, []string{"state", "sort"})
		// A form posts to its page's address, query and all.
		if err := unknownParams(httptest.NewRequest("POST", "/gaps/1?"+tt.query+"&done=resolve", nil), nil); err != nil {
			t.Errorf("POST %s: %v", tt.query, err)
		}
		var got []string
		for _, p := range parley.ProblemsOf(err) {
			got = append(got, p.Field)
		}
		if strings.Join(got, " ") != strings.Join(tt.bad, " ") || (err != nil) != (tt.bad != nil) {
			t.Errorf("%s: refused %v (%v), want %v", tt.query, got, err, tt.bad)
		}
	}
}
