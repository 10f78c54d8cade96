package web

import (
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/parleyhq/parley"
)

// Links with parameters are built here, in Go, and handed to templates as
// a template.URL: a template that pastes a query after a "?" in an href
// gets its "=" and "&" escaped by html/template, which turns every
// parameter into one mangled name (TestTemplatesBuildNoQuery forbids it).

// href is a link of this site: a path and its parameters.
type href struct {
	path string // already escaped, as pathOf makes it
	q    url.Values
}

// hrefTo is the link to path (escaped) with a copy of parameters q.
func hrefTo(path string, q url.Values) href {
	c := url.Values{}
	for k, vs := range q {
		c[k] = slices.Clone(vs)
	}
	return href{path: path, q: c}
}

// pathOf joins path segments, each escaped, so that a caller's id holding
// "/", "?" or "#" stays one segment: pathOf("conversations", id).
func pathOf(segments ...string) string {
	var b strings.Builder
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// Set returns the link with each key set to its value, given as key,
// value pairs; an empty value removes the key.
func (h href) Set(kv ...string) href {
	out := hrefTo(h.path, h.q)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			out.q.Del(kv[i])
		} else {
			out.q.Set(kv[i], kv[i+1])
		}
	}
	return out
}

// Del returns the link without the keys.
func (h href) Del(keys ...string) href {
	out := hrefTo(h.path, h.q)
	for _, k := range keys {
		out.q.Del(k)
	}
	return out
}

// At returns the same parameters on another path.
func (h href) At(path string) href { return hrefTo(path, h.q) }

// Get returns the value of a parameter.
func (h href) Get(key string) string { return h.q.Get(key) }

// String is the link as it goes in an href: path, then the encoded query.
func (h href) String() string {
	if len(h.q) == 0 {
		return h.path
	}
	return h.path + "?" + h.q.Encode()
}

// URL is the link for a template.
func (h href) URL() template.URL { return template.URL(h.String()) }

// Parameters every page takes besides its own: the language switch and
// the workspace (README, Configuration). The API takes the workspace.
var (
	pageParams = []string{"lang", "workspace"}
	apiParams  = []string{"workspace"}
)

// unknownParams refuses a request naming a parameter its route does not
// take, naming each one, as README promises: a misspelled or mangled
// parameter would otherwise be ignored and answered with other data than
// the caller asked for.
//
// Only reads are checked: a form posts to the address of its page, query
// and all (a notice's done=…), and what a change does is in its body.
func unknownParams(r *http.Request, known []string) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return nil
	}
	var problems []parley.Problem
	for _, k := range slices.Sorted(maps.Keys(r.URL.Query())) {
		if !slices.Contains(known, k) {
			problems = append(problems, parley.FieldProblem(k, "unknown parameter; this takes "+strings.Join(known, ", ")))
		}
	}
	if len(problems) > 0 {
		return parley.InvalidInput(problems)
	}
	return nil
}
