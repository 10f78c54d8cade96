package web

// OnMissingMessage makes every lookup of a message key that does not exist
// call f, so that tests can prove every string of every page is translated.
func OnMissingMessage(f func(key string)) { missing = f }

// OnRender makes every page rendered call f with its template's name and
// language, so that tests can prove they rendered every template.
func OnRender(f func(name string, l Lang)) { rendered = f }

// Messages returns the message catalogue.
func Messages() map[string][2]string { return messages }

// SafeNext is safeNext, the post-sign-in redirect check.
var SafeNext = safeNext
