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
//   - the words Taiwan writes differently from the mainland, as OpenCC's
//     Taiwan phrasing (s2twp) changes them, are written the mainland's way
//     (型別 → 类型, 聯絡 → 联系; see taiwanWords);
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
	return taiwanWords.Replace(b.String())
}

// taiwanWords maps, in Simplified characters, common words that Taiwan
// phrasing writes with other characters to the mainland's word, so that
// "這家酒店是什麼型別" and "这家酒店是什么类型" are the same question. The
// list is the everyday vocabulary of customer questions among OpenCC's
// Taiwan phrases (TWPhrases); each target contains no source, so
// Normalize stays idempotent.
var taiwanWords = strings.NewReplacer(
	"型别", "类型", "联络", "联系", "资讯", "信息", "讯息", "信息", "查询", "查找",
	"计程车", "出租车", "捷运", "地铁", "软体", "软件", "网路", "网络", "影片", "视频",
	"列印", "打印", "简讯", "短信", "帐号", "账号", "帐户", "账户", "登入", "登录",
	"支援", "支持", "档案", "文件", "萤幕", "屏幕", "程式", "程序", "预设", "默认",
	"品质", "质量", "宽频", "宽带", "行动电话", "手机", "邮递区号", "邮编", "伺服器", "服务器",
	"瞭解", "了解", "藉着", "借着",
)

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

// QuestionBudget is how many characters of a question grouping and search
// read. Visitor text may be up to 32 KiB, and a question's cost — its
// features, their postings, its share of a topic's terms — grows with its
// length, while the need a question expresses is in its first sentence or
// two. 200 characters, some 35 English words, hold the whole of 99 % of
// the questions of the evaluation sets (the longest 189 of BANKING77's
// 13,083 and 21 of the 913 spoken insurance turns lose their tails, which
// changed no score by more than noise) and keep a batch of questions of
// 32,000 characters from costing more than a few times an ordinary one
// (see BenchmarkGapBatch).
const QuestionBudget = 200

// Budget is the part of a question that grouping and search read: its
// first QuestionBudget characters.
func Budget(question string) string { return prefix(question, QuestionBudget) }

// Clip is a question as a gap question keeps it: within QuestionBudget
// characters, a cut marked with an ellipsis. The visitor's whole message
// stays in the conversation's events; what grouping, the topic pages and
// the exports show and store of it is bounded.
func Clip(question string) string { return clip(question, QuestionBudget) }
