package auth

import (
	"strings"
	"testing"
)

func TestPassword(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not an argon2id PHC string", h)
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, tt := range []struct {
		password string
		want     bool
	}{{"correct horse battery", true}, {"correct horse batterY", false}, {"", false}} {
		if ok, err := CheckPassword(h, tt.password); err != nil || ok != tt.want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", tt.password, ok, err, tt.want)
		}
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=x$AA$AA", "$argon2id$v=19$m=1,t=1,p=1$!!$AA", "$argon2id$v=19$m=8,t=1,p=0$AAAA$AAAAAAAAAAAAAAAAAAAAAA", "$argon2id$v=19$m=9999999,t=1,p=1$AAAA$AAAAAAAAAAAAAAAAAAAAAA"} {
		if _, err := CheckPassword(bad, "x"); err == nil {
			t.Errorf("CheckPassword accepted the hash %q", bad)
		}
	}
}

func FuzzCheckPassword(f *testing.F) {
	h, _ := HashPassword("seed password")
	f.Add(h, "seed password")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA", "x")
	f.Fuzz(func(t *testing.T, encoded, password string) {
		if strings.Contains(encoded, "m=") && !strings.Contains(encoded, "m=8,") {
			return // keep the fuzzer to cheap hashes; the bounds are tested above
		}
		CheckPassword(encoded, password)
	})
}

func TestSecrets(t *testing.T) {
	a, _ := NewSecret(TokenPrefix)
	b, _ := NewSecret(TokenPrefix)
	if a == b || !strings.HasPrefix(a, "pk_") || len(a) != 3+43 {
		t.Errorf("secrets %q and %q", a, b)
	}
	if Hash(a) == Hash(b) || len(Hash(a)) != 64 || Hash(a) != Hash(a) {
		t.Error("Hash is not a stable SHA-256")
	}
}

func TestNewToken(t *testing.T) {
	secret, hash, hint, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if hash != Hash(secret) || !strings.HasPrefix(secret, hint) || len(hint) != len(TokenPrefix)+4 {
		t.Errorf("token %q: hash %q, hint %q", secret, hash, hint)
	}
}
