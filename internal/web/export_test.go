package web

import "net/http"

// OnMissingMessage makes every lookup of a message key that does not exist
// call f, so that tests can prove every string of every page is translated;
// nil stops it.
func OnMissingMessage(f func(key string)) {
	if f == nil {
		missing.Store(nil)
		return
	}
	missing.Store(&f)
}

// OnRender makes every page rendered call f with the request, its
// template's name and language, so that tests can prove they rendered
// every template; nil stops it.
func OnRender(f func(r *http.Request, name string, l Lang)) {
	if f == nil {
		rendered.Store(nil)
		return
	}
	rendered.Store(&f)
}

// Messages returns the message catalogue.
func Messages() map[string][2]string { return messages }

// SafeNext is safeNext, the post-sign-in redirect check.
var SafeNext = safeNext
