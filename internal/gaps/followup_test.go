package gaps

import "testing"

func TestIsFollowUp(t *testing.T) {
	for _, tt := range []struct {
		text string
		want bool
	}{
		{"ok", true},
		{"Thanks!", true},
		{"thank you so much", true},
		{"ok. anything else?", true},
		{"Anything else?", true},
		{"Find something else", true},
		{"is there anything else", true},
		{"no thanks, bye", true},
		{"👍", true},
		{"", true},
		{"好的", true},
		{"好的，谢谢", true},
		{"還有嗎？", true},
		{"还有别的吗", true},
		{"嗯嗯 好吧", true},
		{"ＯＫ", true},
		{"Do you ship to Japan?", false},
		{"anything else for Canada?", false},
		{"what about wholesale prices", false},
		{"help with my refund", false},
		{"why", false},
		{"还有别的餐馆吗", false},
		{"請問可以寄到香港嗎", false},
		{"退款", false},
		{"ok but where is my parcel", false},
	} {
		if got := IsFollowUp(tt.text); got != tt.want {
			t.Errorf("IsFollowUp(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}
