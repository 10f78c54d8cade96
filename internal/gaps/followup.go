package gaps

import (
	"strings"
	"unicode/utf8"
)

// fillerWords are the English words a message can be made of and still ask
// for nothing of its own: acknowledgements ("ok", "thanks"), greetings and
// the words of a follow-up ("anything else?", "find something else").
var fillerWords = wordSet(`ok okay k kk alright right sure yes yeah yep yup ya no nope nah not
	thanks thank thx ty cheers you u great good cool nice fine perfect awesome excellent wonderful
	got it i see understood understand gotcha noted hmm hm um uh ah oh wow lol
	hello hi hey bye goodbye see later please pls plz
	anything something else more other others another what whats and so then again also
	find show me tell give any options option help is there are else
	that this all much very lot a the for to do does can could would will`)

// fillerCJK are the Chinese phrases, in Simplified script (questions are
// compared normalised), that a message can be made of and still ask for
// nothing: acknowledgements (好的, 谢谢), greetings, and follow-ups
// (还有吗, 别的呢). Longer phrases come first so that they match whole.
var fillerCJK = []string{
	"还有别的吗", "还有其他的吗", "还有其他吗", "还有什么", "没有别的", "不用了", "知道了", "明白了", "没问题", "谢谢你",
	"还有吗", "还有呢", "别的呢", "其他呢", "然后呢", "再见", "拜拜", "你好", "您好", "在吗", "好的", "好吧",
	"谢谢", "多谢", "感谢", "可以", "行吧", "了解", "明白", "收到", "是的", "对的", "嗯嗯", "哦哦",
	"好", "行", "嗯", "哦", "噢", "啊", "呀", "吧", "呢", "吗", "么", "了", "的", "谢", "对", "是", "那", "还", "有", "别", "其", "他", "她", "它",
}

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// IsFollowUp reports whether a visitor message asks for nothing of its
// own: an acknowledgement ("ok", "thanks!", "好的"), a greeting, or a
// follow-up that only points back ("anything else?", "還有嗎"). Such a
// message is never the question a gap is about: the visitor's question is
// the message before it. A message with any other word — "anything else
// for Canada?" — asks something, as does a long one.
func IsFollowUp(text string) bool {
	norm := Normalize(prefix(text, 200))
	if utf8.RuneCountInString(norm) >= 100 {
		return false
	}
	for _, tok := range strings.Fields(norm) {
		for tok != "" {
			r, _ := utf8.DecodeRuneInString(tok)
			if !isCJK(r) {
				end := strings.IndexFunc(tok, isCJK)
				if end < 0 {
					end = len(tok)
				}
				if !fillerWords[tok[:end]] {
					return false
				}
				tok = tok[end:]
				continue
			}
			matched := false
			for _, p := range fillerCJK {
				if strings.HasPrefix(tok, p) {
					tok, matched = tok[len(p):], true
					break
				}
			}
			if !matched {
				return false
			}
		}
	}
	return true
}
