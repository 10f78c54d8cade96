package web

import (
	"fmt"
	"net/http/httptest"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// TestLimiterMemoryIsBounded sends the sign-in limiter 100,000 distinct
// emails of 1 KB from as many addresses: it keeps at most signinKeys
// keys, and its memory stays flat, about as much after them as after the
// first few thousand.
func TestLimiterMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 100,000 sign-ins")
	}
	l := newLimiter()
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	pad := strings.Repeat("x", 1<<10)
	send := func(from, to int) {
		for i := from; i < to; i++ {
			email := fmt.Sprintf("user%d.%s@example.com", i, pad)
			addr := fmt.Sprintf("198.51.%d.%d", i/256%256, i%256)
			l.attempt(t0.Add(time.Duration(i)*time.Millisecond), email, addr)
		}
	}
	send(0, signinKeys)
	filled := heap()
	send(signinKeys, 100000)
	grown := int64(heap()) - int64(filled)
	runtime.KeepAlive(l)
	if n := l.len(); n > signinKeys {
		t.Errorf("the limiter holds %d keys, more than %d", n, signinKeys)
	}
	if grown > 1<<20 {
		t.Errorf("memory grew by %d KB from %d to 100,000 emails, want it flat", grown>>10, signinKeys)
	}
}

// TestLimiterThrottlesThePairNotTheEmail: failures from one address make
// that address wait longer and longer for that email, never the same
// email from another address; an address that fails on many emails runs
// out of its budget; a success forgets the pair's failures.
func TestLimiterThrottlesThePairNotTheEmail(t *testing.T) {
	t.Parallel()
	l := newLimiter()
	now := t0
	const email, attacker, owner = "ana@example.com", "203.0.113.66", "198.51.100.7"
	for i := range signinFree {
		if wait := l.attempt(now, email, attacker); wait != 0 {
			t.Fatalf("attempt %d waits %s, want the first %d free", i+1, wait, signinFree)
		}
	}
	var waits []time.Duration
	for range 5 {
		wait := l.attempt(now, email, attacker)
		waits = append(waits, wait)
		if wait == 0 {
			t.Fatalf("attempt after %d failures went ahead at once", signinFree)
		}
		now = now.Add(wait)
		if w := l.attempt(now, email, attacker); w != 0 {
			t.Fatalf("after waiting %s, still %s to wait", wait, w)
		}
	}
	for i := 1; i < len(waits); i++ {
		if waits[i] != 2*waits[i-1] {
			t.Errorf("waits %v: want each twice the one before", waits)
			break
		}
	}
	if wait := l.attempt(now, email, owner); wait != 0 {
		t.Errorf("the owner's own address waits %s while another is throttled", wait)
	}
	// A success forgets the owner's failures at once.
	for range signinFree {
		l.attempt(now, email, owner)
	}
	l.succeeded(email, owner)
	if wait := l.attempt(now, email, owner); wait != 0 {
		t.Errorf("after a success, %s to wait", wait)
	}
	// Waits stop growing at signinMaxWait.
	if got := pairWait(100); got != signinMaxWait {
		t.Errorf("pairWait(100) = %s, want %s", got, signinMaxWait)
	}
	// One address trying a password on many emails.
	sprayer := "192.0.2.1"
	for i := range addrBurst {
		if wait := l.attempt(now, fmt.Sprintf("u%d@example.com", i), sprayer); wait != 0 {
			t.Fatalf("spray attempt %d waits %s, want %d free", i+1, wait, addrBurst)
		}
	}
	wait := l.attempt(now, "next@example.com", sprayer)
	if wait <= 0 || wait > addrEvery {
		t.Errorf("after %d failures on as many emails: wait %s, want up to %s", addrBurst, wait, addrEvery)
	}
	if w := l.attempt(now.Add(wait), "next@example.com", sprayer); w != 0 {
		t.Errorf("after the wait, %s more", w)
	}
}

func TestParseTrustedProxies(t *testing.T) {
	t.Parallel()
	got, err := ParseTrustedProxies(" 10.0.0.0/8, 127.0.0.1,::1 , 192.168.1.7/16,")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "127.0.0.1/32", "::1/128", "192.168.0.0/16"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for _, bad := range []string{"10.0.0.0/33", "localhost", "10.0.0.1:80"} {
		if _, err := ParseTrustedProxies(bad); err == nil {
			t.Errorf("ParseTrustedProxies(%q) took it", bad)
		}
	}
}

// TestClientAddr: X-Forwarded-For is believed only from a trusted proxy,
// and only as far as the trusted proxies wrote it.
func TestClientAddr(t *testing.T) {
	t.Parallel()
	proxies, err := ParseTrustedProxies("10.0.0.0/8, 127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{opt: Options{TrustedProxies: proxies}}
	none := &Server{}
	for _, tt := range []struct {
		name, peer string
		xff        []string
		want       string
		untrusting string // what a server trusting no proxy says
	}{
		{"no header", "198.51.100.7:5000", nil, "198.51.100.7", "198.51.100.7"},
		{"a client writes the header itself", "198.51.100.7:5000", []string{"203.0.113.1"}, "198.51.100.7", "198.51.100.7"},
		{"through one proxy", "10.0.0.5:4000", []string{"198.51.100.7"}, "198.51.100.7", "10.0.0.5"},
		{"a forged entry left of the proxy's", "10.0.0.5:4000", []string{"203.0.113.1, 198.51.100.7"}, "198.51.100.7", "10.0.0.5"},
		{"two proxies", "127.0.0.1:4000", []string{"203.0.113.1, 198.51.100.7, 10.1.2.3"}, "198.51.100.7", "127.0.0.1"},
		{"two headers", "10.0.0.5:4000", []string{"203.0.113.1", "198.51.100.7"}, "198.51.100.7", "10.0.0.5"},
		{"an entry with a port", "10.0.0.5:4000", []string{"198.51.100.7:1234"}, "198.51.100.7", "10.0.0.5"},
		{"IPv6 in brackets", "10.0.0.5:4000", []string{"[2001:db8::7]:443"}, "2001:db8::7", "10.0.0.5"},
		{"garbage before the proxy's entry stops there", "10.0.0.5:4000", []string{"evil, 198.51.100.7"}, "198.51.100.7", "10.0.0.5"},
		{"garbage from the proxy itself", "10.0.0.5:4000", []string{"unknown"}, "10.0.0.5", "10.0.0.5"},
		{"all of them proxies", "10.0.0.5:4000", []string{"10.9.9.9"}, "10.9.9.9", "10.0.0.5"},
		{"an IPv4-mapped peer", "[::ffff:10.0.0.5]:4000", []string{"198.51.100.7"}, "198.51.100.7", "::ffff:10.0.0.5"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/signin", nil)
			r.RemoteAddr = tt.peer
			for _, h := range tt.xff {
				r.Header.Add("X-Forwarded-For", h)
			}
			if got := s.clientAddr(r); got != tt.want {
				t.Errorf("behind trusted proxies: %q, want %q", got, tt.want)
			}
			if got := none.clientAddr(r); got != tt.untrusting {
				t.Errorf("trusting none: %q, want %q", got, tt.untrusting)
			}
		})
	}
	if !s.trusted(netip.MustParseAddr("::ffff:127.0.0.1")) {
		t.Error("an IPv4-mapped address of a trusted proxy is not trusted")
	}
}
