package web

import (
	"encoding/json"
	"net/http"

	"github.com/parleyhq/parley"
)

// The settings API: every workspace setting, read and changed without the
// Settings page, through the same change the page makes.

// getSettings answers GET /api/v1/settings.
func (s *Server) getSettings(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	return writeJSON(w, http.StatusOK, parley.VersionedSettings{Version: ws.SettingsVersion, Settings: ws.Settings})
}

// putSettings answers PUT /api/v1/settings: the body names the settings to
// change, by the keys of GET's settings object; the others keep their
// values.
func (s *Server) putSettings(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	var changes map[string]json.RawMessage
	if err := decodeJSON(w, r, &changes); err != nil {
		return err
	}
	if changes == nil {
		return parley.InvalidInput([]parley.Problem{parley.FieldProblem("body",
			`a JSON object of the settings to change is expected, such as {"window": "48h"}`)})
	}
	change, err := s.changeSettings(r, ws, func(cur parley.Settings) (parley.Settings, error) { return cur.Apply(changes) })
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, change)
}
