package parley_test

import (
	"encoding/json"
	"testing"

	"github.com/parleyhq/parley"
)

func TestProblemJSON(t *testing.T) {
	for _, tt := range []struct {
		p    parley.Problem
		want string
	}{
		{parley.Problem{Index: 0, ID: "e1", Field: "type", Message: "required"}, `{"index":0,"id":"e1","field":"type","message":"required"}`},
		{parley.Problem{Index: 3, Field: "id", Message: "required"}, `{"index":3,"field":"id","message":"required"}`},
		{parley.FieldProblem("granularity", "bad"), `{"field":"granularity","message":"bad"}`},
	} {
		got, err := json.Marshal(tt.p)
		if err != nil || string(got) != tt.want {
			t.Errorf("%+v: got %s (%v), want %s", tt.p, got, err, tt.want)
		}
	}
}
