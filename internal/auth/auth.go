// Package auth holds the secrets of signing in: password hashing, and the
// random values behind sessions and API tokens. Only hashes of secrets are
// ever stored.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: the RFC 9106 second recommended option (64 MiB,
// three passes) would make sign-in slow on small machines; 19 MiB and two
// passes is OWASP's minimum for argon2id and takes ~30 ms here.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	saltLen      = 16
)

// HashPassword returns an encoded argon2id hash of password with a fresh
// salt, in the PHC string format so that parameters can change later.
func HashPassword(password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// ErrBadHash is returned for a stored hash this package cannot read.
var ErrBadHash = errors.New("auth: unreadable password hash")

// CheckPassword reports whether password matches the encoded hash, in
// time that does not depend on where they differ.
func CheckPassword(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, ErrBadHash
	}
	var (
		version      int
		mem, t       uint32
		threads      uint8
		enc          = base64.RawStdEncoding
		salt, wanted []byte
		err          error
	)
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, ErrBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &threads); err != nil ||
		t < 1 || t > 16 || threads < 1 || mem < 8*uint32(threads) || mem > 1<<18 {
		// Out of the range this package ever writes: refuse rather than
		// let a stored value demand unbounded work.
		return false, ErrBadHash
	}
	if salt, err = enc.DecodeString(parts[4]); err != nil {
		return false, ErrBadHash
	}
	if wanted, err = enc.DecodeString(parts[5]); err != nil || len(wanted) < 16 {
		return false, ErrBadHash
	}
	got := argon2.IDKey([]byte(password), salt, t, mem, threads, uint32(len(wanted)))
	return subtle.ConstantTimeCompare(got, wanted) == 1, nil
}

// TokenPrefix starts every API token, so that a leaked one is easy to
// recognise in logs and by secret scanners.
const TokenPrefix = "pk_"

// NewSecret returns a random secret of 32 bytes, URL-safe, with prefix.
func NewSecret(prefix string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: random: %w", err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// NewToken makes an API token: the secret to show once, the hash to store,
// and a hint (its first characters) to tell tokens apart in lists.
func NewToken() (secret, hash, hint string, err error) { return newToken(TokenPrefix) }

func newToken(prefix string) (secret, hash, hint string, err error) {
	secret, err = NewSecret(prefix)
	if err != nil {
		return "", "", "", err
	}
	return secret, Hash(secret), secret[:len(prefix)+4], nil
}

// SourceTokenPrefix starts every source token: the secret in a webhook URL,
// or an OpenTelemetry exporter's Bearer header.
const SourceTokenPrefix = "ps_"

// NewSourceToken makes a source's token, as NewToken makes an API token's.
func NewSourceToken() (secret, hash, hint string, err error) { return newToken(SourceTokenPrefix) }

// Hash is how sessions and tokens are looked up: a SHA-256 of the secret.
// The secrets are random, so a fast hash is enough; the database never
// holds a value that would let someone sign in.
func Hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
