package web

import (
	"errors"
	"net/http"
	"slices"

	"github.com/parleyhq/parley"
)

// Every text a request carries is held to parley.CheckStorable, the one
// rule for what Parley can store, before a handler runs: the path and the
// query here, form fields in parseForm, JSON bodies in decodeJSON, events
// in ingest. Nothing stored can match text outside the rule, and PostgreSQL
// would fail on it (a 500) where SQLite finds nothing: refused at the door,
// it is the same 400 naming the parameter on both.

// requestText checks a request's path and query parameters.
func requestText(r *http.Request) error {
	var problems []parley.Problem
	if p, ok := parley.CheckStorable("path", r.URL.Path); !ok {
		problems = append(problems, p)
	}
	q := r.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if p, ok := parley.CheckStorable("query", k); !ok {
			problems = append(problems, p)
			continue
		}
		for _, v := range q[k] {
			if p, ok := parley.CheckStorable(k, v); !ok {
				problems = append(problems, p)
				break
			}
		}
	}
	if len(problems) > 0 {
		return parley.InvalidInput(problems)
	}
	return nil
}

// formText checks the fields of a parsed form, naming each bad one.
func formText(r *http.Request) error {
	var problems []parley.Problem
	keys := make([]string, 0, len(r.PostForm))
	for k := range r.PostForm {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if p, ok := parley.CheckStorable("body", k); !ok {
			problems = append(problems, p)
			continue
		}
		for _, v := range r.PostForm[k] {
			if p, ok := parley.CheckStorable(k, v); !ok {
				problems = append(problems, p)
				break
			}
		}
	}
	if len(problems) > 0 {
		return parley.InvalidInput(problems)
	}
	return nil
}

// bodyError is the error of a request body that could not be read: the
// reader's own when it says what is wrong (too large, too slow, not
// gzip), else that the body broke off.
func bodyError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) || parley.KindOf(err) != parley.KindInternal {
		return err
	}
	return &parley.Error{Kind: parley.KindInvalid, Message: "body: cannot be read", Err: err}
}
