package parley

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// Role is what a person may do in one workspace (SPEC §7).
type Role string

// The roles, each allowing what the one before allows and more.
const (
	// RoleViewer reads reports, conversations, gaps and short answers.
	RoleViewer Role = "viewer"
	// RoleEditor is the customer agent editor: it also resolves,
	// dismisses, restores and merges gaps and manages short answers.
	RoleEditor Role = "editor"
	// RoleAdmin also changes settings and manages people and tokens.
	RoleAdmin Role = "admin"
)

// Roles lists the roles from least to most.
var Roles = []Role{RoleViewer, RoleEditor, RoleAdmin}

// Scope is what an API token may do in its workspace.
type Scope string

// The token scopes.
const (
	ScopeIngest Scope = "ingest" // send events
	ScopeRead   Scope = "read"   // read reports, conversations, gaps, short answers
	ScopeWrite  Scope = "write"  // act on gaps and short answers (and read them)
	ScopeAdmin  Scope = "admin"  // what an admin may do: settings above all
)

// Scopes lists every scope.
var Scopes = []Scope{ScopeIngest, ScopeRead, ScopeWrite, ScopeAdmin}

// Permission is what a route needs.
type Permission string

// The permissions routes ask for.
const (
	PermIngest Permission = "ingest"
	PermRead   Permission = "read"
	PermWrite  Permission = "write"
	PermAdmin  Permission = "admin"
)

// Allows reports whether a role grants a permission. Ingest belongs to
// tokens: people send no events.
func (r Role) Allows(p Permission) bool {
	switch p {
	case PermRead:
		return slices.Contains(Roles, r)
	case PermWrite:
		return r == RoleEditor || r == RoleAdmin
	case PermAdmin:
		return r == RoleAdmin
	}
	return false
}

// AllowsScopes reports whether a token with these scopes has a permission.
// Write includes read, so that a client that changes a topic can read the
// result. Admin allows what needs an admin (the settings API, for one) and
// nothing else: a program that changes settings need not read reports.
func AllowsScopes(scopes []Scope, p Permission) bool {
	switch p {
	case PermIngest:
		return slices.Contains(scopes, ScopeIngest)
	case PermRead:
		return slices.Contains(scopes, ScopeRead) || slices.Contains(scopes, ScopeWrite)
	case PermWrite:
		return slices.Contains(scopes, ScopeWrite)
	case PermAdmin:
		return slices.Contains(scopes, ScopeAdmin)
	}
	return false
}

// User is a person who signs in.
type User struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Member is a user with their role in a workspace.
type Member struct {
	User
	Role Role `json:"role"`
}

// Membership is a workspace a user belongs to, with their role there.
type Membership struct {
	Workspace Workspace `json:"workspace"`
	Role      Role      `json:"role"`
}

// Token is an API token; its secret is shown once and stored hashed.
type Token struct {
	ID          int64      `json:"id"`
	WorkspaceID int64      `json:"workspace_id"`
	Name        string     `json:"name"`
	Hint        string     `json:"hint"` // the first characters, to tell tokens apart
	Scopes      []Scope    `json:"scopes"`
	CreatedAt   time.Time  `json:"created_at"`
	LastUsedAt  *time.Time `json:"last_used_at,omitempty"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
}

// AuditEntry records who changed what, and when. Subject and Detail say
// it in plain text; TopicID, Old and New hold what the audit log page needs
// to say it as a sentence in the reader's language, with the topic linked.
type AuditEntry struct {
	ID      int64     `json:"id"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"`
	Subject string    `json:"subject"`
	Detail  string    `json:"detail,omitempty"`
	At      time.Time `json:"at"`
	// TopicID is the topic a gap action acted on.
	TopicID int64 `json:"topic_id,omitempty"`
	// Old and New are the value before and after, where the change has
	// one: a topic's name, a person's role, the settings changed (as
	// KEY=VALUE, space-separated, before and after). For a move, New is
	// the topic the questions went to; for a merge, Old lists the topics
	// merged in, comma-separated.
	Old string `json:"old,omitempty"`
	New string `json:"new,omitempty"`
}

// MinPassword is the shortest password accepted. Length is what makes a
// password strong; no composition rules.
const MinPassword = 10

// NewUserInput is what creating a person needs.
type NewUserInput struct {
	Email    string
	Name     string
	Password string
	Role     Role
}

// Validate checks the input, naming each bad field. It returns the email
// in canonical (lower-case) form.
func (in NewUserInput) Validate() (string, error) {
	var problems []Problem
	email := strings.ToLower(strings.TrimSpace(in.Email))
	if p, ok := CheckStorable("email", in.Email); !ok {
		problems = append(problems, p)
	} else if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		problems = append(problems, FieldProblem("email", "must be an email address"))
	}
	if n := len([]rune(in.Password)); n < MinPassword || n > 200 {
		problems = append(problems, FieldProblem("password", fmt.Sprintf("must be %d to 200 characters", MinPassword)))
	}
	if p, ok := CheckStorable("name", in.Name); !ok {
		problems = append(problems, p)
	} else if len([]rune(in.Name)) > 100 {
		problems = append(problems, FieldProblem("name", "must be at most 100 characters"))
	}
	if !slices.Contains(Roles, in.Role) {
		problems = append(problems, FieldProblem("role", "must be viewer, editor or admin"))
	}
	if len(problems) > 0 {
		return email, InvalidInput(problems)
	}
	return email, nil
}

// ParseScopes reads a comma-separated list of scopes.
func ParseScopes(s string) ([]Scope, error) {
	var out []Scope
	for part := range strings.SplitSeq(s, ",") {
		sc := Scope(strings.TrimSpace(part))
		if sc == "" {
			continue
		}
		if !slices.Contains(Scopes, sc) {
			return nil, InvalidInput([]Problem{FieldProblem("scopes", fmt.Sprintf("unknown scope %q (want ingest, read, write or admin)", sc))})
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		return nil, InvalidInput([]Problem{FieldProblem("scopes", "name at least one of ingest, read, write, admin")})
	}
	return out, nil
}

// FormatScopes writes scopes as ParseScopes reads them.
func FormatScopes(scopes []Scope) string {
	s := make([]string, len(scopes))
	for i, sc := range scopes {
		s[i] = string(sc)
	}
	return strings.Join(s, ",")
}
