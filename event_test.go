package parley_test

import (
	"encoding/json"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/parleyhq/parley"
)

// TestRatingJSON: a feedback rating is a JSON string, a csat rating a JSON
// number, and both read back as written, by encoding/json and by the v2
// decoder the store reads events with.
func TestRatingJSON(t *testing.T) {
	for _, tt := range []struct {
		rating  parley.Rating
		json    string
		score   int
		isScore bool
	}{
		{parley.RatingPositive, `"positive"`, 0, false},
		{parley.RatingNegative, `"negative"`, 0, false},
		{parley.CSATRating(1), `1`, 1, true},
		{parley.CSATRating(5), `5`, 5, true},
		{parley.Rating("0"), `"0"`, 0, false},
		{parley.Rating("6"), `"6"`, 0, false},
		{parley.Rating("45"), `"45"`, 0, false},
	} {
		score, ok := tt.rating.Score()
		if score != tt.score || ok != tt.isScore {
			t.Errorf("%q.Score() = %d, %v; want %d, %v", tt.rating, score, ok, tt.score, tt.isScore)
		}
		b, err := json.Marshal(tt.rating)
		if err != nil || string(b) != tt.json {
			t.Errorf("Marshal(%q) = %s, %v; want %s", tt.rating, b, err, tt.json)
		}
		var v1, v2 parley.Rating
		if err := json.Unmarshal(b, &v1); err != nil || v1 != tt.rating {
			t.Errorf("encoding/json reads %s as %q, %v; want %q", b, v1, err, tt.rating)
		}
		if err := jsonv2.Unmarshal(b, &v2); err != nil || v2 != tt.rating {
			t.Errorf("json v2 reads %s as %q, %v; want %q", b, v2, err, tt.rating)
		}
	}
	for _, bad := range []string{`0`, `6`, `4.0`, `true`, `{}`} {
		var r parley.Rating
		if err := json.Unmarshal([]byte(bad), &r); err == nil {
			t.Errorf("Unmarshal(%s) = %q, want an error", bad, r)
		}
	}
}

// TestCSATEventJSON: a csat event's rating sits in the one "rating" field,
// as a number.
func TestCSATEventJSON(t *testing.T) {
	e := parley.Event{ID: "s1", Type: parley.EventCSAT, ConversationID: "c1", Rating: parley.CSATRating(4), Comment: "quick"}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"id":"s1","type":"csat","conversation_id":"c1","occurred_at":"0001-01-01T00:00:00Z","rating":4,"comment":"quick"}`
	if string(b) != want {
		t.Errorf("Marshal = %s\nwant %s", b, want)
	}
	var back parley.Event
	if err := jsonv2.Unmarshal(b, &back); err != nil || back.Rating != e.Rating {
		t.Errorf("read back rating %q, %v; want %q", back.Rating, err, e.Rating)
	}
}
