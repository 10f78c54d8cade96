// Package parley holds the domain of Parley: the events a caller sends about
// the conversations of its customer agent, the settings of a workspace, and
// the errors every layer speaks. It imports only the standard library, so
// that every other package can depend on it and it on none of them.
package parley

// Version is the release of this build; the linker may replace it.
var Version = "dev"

// DefaultWorkspace is the slug used when a command or request names none.
const DefaultWorkspace = "default"

// Workspace is a tenant: one company or one deployment of one customer agent.
// Every stored row belongs to exactly one workspace.
type Workspace struct {
	ID       int64    `json:"id"`
	Slug     string   `json:"slug"`
	Name     string   `json:"name"`
	Settings Settings `json:"settings"`
	// SettingsVersion numbers the settings (see VersionedSettings).
	SettingsVersion int64 `json:"settings_version"`
	// Generation numbers the computations of outcomes and rollups: it
	// moves on whenever a settings change (or a rebuild) makes every
	// conversation be evaluated again. Outcomes computed with the settings
	// of one generation are never saved into another.
	Generation int64 `json:"-"`
}
