package web

import (
	"errors"
	"maps"
	"net/http"
	"net/url"
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
	return textProblems(append(problems, valuesText(r.URL.Query(), "query")...))
}

// formText checks the fields of a parsed form, naming each bad one.
func formText(r *http.Request) error {
	return textProblems(valuesText(r.PostForm, "body"))
}

// valuesText checks every name and value of v, naming a bad value by its
// parameter and a bad name as the whole of where it came from.
func valuesText(v url.Values, where string) []parley.Problem {
	var problems []parley.Problem
	for _, k := range slices.Sorted(maps.Keys(v)) {
		if p, ok := parley.CheckStorable(where, k); !ok {
			problems = append(problems, p)
			continue
		}
		for _, s := range v[k] {
			if p, ok := parley.CheckStorable(k, s); !ok {
				problems = append(problems, p)
				break
			}
		}
	}
	return problems
}

func textProblems(problems []parley.Problem) error {
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
