package web

import (
	"container/list"
	"fmt"
	"hash/maphash"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// Sign-in attempts are throttled, never locked out. What is counted is
// the pair of an email and the address trying it: someone guessing a
// password from one address slows down, with waits that double after
// each failure, while the account's owner signing in from their own
// address is not held up at all. Each address also has a budget of
// failures over all emails, so that one address cannot try a password
// on every account instead. A success forgets the pair's failures.
const (
	// signinFree is how many failures a pair may have before it waits.
	signinFree = 5
	// signinFirstWait is the wait after signinFree failures; each further
	// failure doubles it, up to signinMaxWait.
	signinFirstWait = 2 * time.Second
	signinMaxWait   = 15 * time.Minute
	// signinForget is how long a pair's failures are remembered after
	// its last attempt.
	signinForget = time.Hour
	// An address may fail addrBurst times at once, then once every
	// addrEvery: an office behind one NAT gets room for its typos.
	addrBurst = 20
	addrEvery = 12 * time.Second
	// signinKeys bounds the memory the limiter holds whatever it is sent:
	// past it, the key used longest ago is forgotten. At about 100 bytes
	// a key, 20,000 keys are 2 MB.
	signinKeys = 20000
)

// limiter keeps the sign-in throttle's state: per (email, address) pair
// and per address, in one map bounded by signinKeys, evicting the least
// recently used. Keys are hashes, so that an email of 16 KB costs as
// little as any. State is per process: with several processes, each
// throttles on its own.
type limiter struct {
	mu    sync.Mutex
	max   int
	seed  maphash.Seed
	keys  map[uint64]*list.Element
	order *list.List // of *limitEntry, most recently used first
}

// limitEntry is one key's state: a pair's failures, or an address's
// bucket of allowed failures.
type limitEntry struct {
	key  uint64
	last time.Time // the last attempt counted
	// For a pair.
	failures int
	// For an address: failures it may still make now.
	tokens float64
}

func newLimiter() *limiter {
	return &limiter{max: signinKeys, seed: maphash.MakeSeed(), keys: map[uint64]*list.Element{}, order: list.New()}
}

// attempt asks whether a sign-in for email from addr may go ahead at now.
// If it may, it is counted as a failure until succeeded says otherwise,
// so that attempts sent at once cannot all slip through before the first
// one fails. If not, wait says how long until it may.
func (l *limiter) attempt(now time.Time, email, addr string) (wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	pair := l.entry(l.pairKey(email, addr), now)
	if now.Sub(pair.last) > signinForget {
		pair.failures = 0
	}
	if pair.failures >= signinFree {
		if next := pair.last.Add(pairWait(pair.failures)); now.Before(next) {
			return next.Sub(now)
		}
	}
	a := l.entry(l.addrKey(addr), now)
	a.tokens = min(addrBurst, a.tokens+now.Sub(a.last).Seconds()/addrEvery.Seconds())
	a.last = now
	if a.tokens < 1 {
		return time.Duration((1 - a.tokens) * float64(addrEvery))
	}
	a.tokens--
	pair.failures++
	pair.last = now
	return 0
}

// succeeded forgets the failures of a pair whose attempt was right, and
// gives its address back the failure attempt counted.
func (l *limiter) succeeded(email, addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.keys[l.pairKey(email, addr)]; ok {
		l.remove(e)
	}
	if e, ok := l.keys[l.addrKey(addr)]; ok {
		a := e.Value.(*limitEntry)
		a.tokens = min(addrBurst, a.tokens+1)
	}
}

// pairWait is how long a pair with this many failures waits after the
// last: signinFirstWait, doubling with each failure, at most signinMaxWait.
func pairWait(failures int) time.Duration {
	n := failures - signinFree
	if n >= 30 {
		return signinMaxWait
	}
	return min(signinMaxWait, signinFirstWait<<n)
}

// entry returns the state of key, made new (and evicting the key used
// longest ago, past the bound) if it has none. l.mu must be held.
func (l *limiter) entry(key uint64, now time.Time) *limitEntry {
	if e, ok := l.keys[key]; ok {
		l.order.MoveToFront(e)
		return e.Value.(*limitEntry)
	}
	for l.order.Len() >= l.max {
		l.remove(l.order.Back())
	}
	v := &limitEntry{key: key, last: now, tokens: addrBurst}
	l.keys[key] = l.order.PushFront(v)
	return v
}

func (l *limiter) remove(e *list.Element) {
	delete(l.keys, e.Value.(*limitEntry).key)
	l.order.Remove(e)
}

// len is how many keys the limiter holds.
func (l *limiter) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.order.Len()
}

func (l *limiter) pairKey(email, addr string) uint64 {
	return maphash.String(l.seed, "p\x00"+addr+"\x00"+email)
}

func (l *limiter) addrKey(addr string) uint64 { return maphash.String(l.seed, "a\x00"+addr) }

// retryAfter is the Retry-After value, in whole seconds, for a wait.
func retryAfter(wait time.Duration) string {
	return fmt.Sprint(int64(math.Ceil(wait.Seconds())))
}

// ParseTrustedProxies reads --trusted-proxies: a comma-separated list of
// addresses and networks in CIDR form ("10.0.0.0/8, 127.0.0.1, ::1").
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("trusted proxies: %q is neither an address nor a network such as 10.0.0.0/8", part)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// clientAddr is the address a request came from. It is the connection's
// peer, unless that peer is a trusted proxy (Options.TrustedProxies):
// then it is the last address in X-Forwarded-For that is not a trusted
// proxy. Only the entries that the trusted proxies added can be believed;
// anything left of them was written by the client, which can write
// anything, so a client cannot pass for another by sending the header.
func (s *Server) clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !s.trusted(peer) {
		return host
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	client := peer.Unmap().String()
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := parseHop(hops[i])
		if err != nil {
			break // no proxy of ours wrote this: what is right of it stands
		}
		client = a.String()
		if !s.trusted(a) {
			break
		}
	}
	return client
}

// trusted reports whether a is one of the configured proxies.
func (s *Server) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.opt.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseHop reads one X-Forwarded-For entry: an address, perhaps with a
// port, IPv6 perhaps in brackets.
func parseHop(s string) (netip.Addr, error) {
	s = strings.TrimSpace(s)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), nil
	}
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	return a.Unmap(), err
}
