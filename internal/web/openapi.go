package web

import (
	_ "embed"
	"net/http"
)

// openAPIDoc describes the whole /api/v1 (OpenAPI 3.1). It is written by
// hand and kept true by the tests in openapi_test.go.
//
//go:embed openapi.json
var openAPIDoc []byte

func serveOpenAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*") // for API explorers
	w.Write(openAPIDoc)
	return nil
}
