package gaps

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// tsMap maps a Traditional Chinese character to its Simplified form. It is
// built once from tsPairs so the table stays a compact literal in source.
var tsMap = func() map[rune]rune {
	m := make(map[rune]rune, utf8.RuneCountInString(tsPairs)/2)
	rs := []rune(tsPairs)
	for i := 0; i+1 < len(rs); i += 2 {
		m[rs[i]] = rs[i+1]
	}
	return m
}()

// Normalize reduces a question to the canonical form every other function
// in this package works on, so that superficial differences never split a
// topic:
//
//   - full-width and half-width forms are folded (ＡＢＣ１２３ → abc123), as
//     East Asian input methods often produce full-width Latin letters;
//   - letters are lower-cased;
//   - Traditional Chinese characters are mapped to Simplified with a built-in
//     table of common characters, so the same question typed in either script
//     yields the same string;
//   - apostrophes are dropped inside words (can't → cant) so contractions stay
//     one token, and all other punctuation, symbols and white space collapse to
//     single spaces.
//
// Normalize is idempotent: Normalize(Normalize(s)) == Normalize(s).
func Normalize(s string) string {
	s = width.Fold.String(s)
	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	for _, r := range s {
		switch {
		case r == '\'' || r == '’' || r == '‘' || r == 'ʼ':
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			if t, ok := tsMap[r]; ok {
				r = t
			}
			if pendingSpace && b.Len() > 0 {
				b.WriteByte(' ')
			}
			pendingSpace = false
			for _, lr := range lower(r) {
				b.WriteRune(lr)
			}
		default:
			pendingSpace = true
		}
	}
	return b.String()
}

// lower lower-cases one rune. It goes through strings.ToLower so that the
// few runes whose lower case is longer than one rune are handled the same way
// the standard library does, and it keeps only letters, digits and marks of
// the result so Normalize stays idempotent.
func lower(r rune) string {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return string(r)
	}
	l := strings.ToLower(string(r))
	return strings.Map(func(x rune) rune {
		if unicode.IsLetter(x) || unicode.IsDigit(x) || unicode.IsMark(x) {
			return x
		}
		return -1
	}, l)
}

// prefix returns the first n characters of s (all of s if it is shorter).
func prefix(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}
