package parley

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestWebhookURLRule(t *testing.T) {
	open := WebhookPolicy{}
	lan := WebhookPolicy{Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32")}}
	for _, tc := range []struct {
		url    string
		policy WebhookPolicy
		want   string // "" for accepted: then the stored form
		err    string
	}{
		{url: "https://hooks.example.com/parley", want: "https://hooks.example.com/parley"},
		{url: "  http://hooks.example.com:8443/p?x=1  ", want: "http://hooks.example.com:8443/p?x=1"},
		{url: "https://93.184.216.34/hook", want: "https://93.184.216.34/hook"},
		{url: "ftp://hooks.example.com/", err: "http or https"},
		{url: "file:///etc/passwd", err: "http or https"},
		{url: "gopher://127.0.0.1:6379/_FLUSHALL", err: "http or https"},
		{url: "javascript:alert(1)", err: "http or https"},
		{url: "hooks.example.com/parley", err: "http or https"},
		{url: "https://", err: "host"},
		{url: "https://user:pw@hooks.example.com/", err: "password"},
		{url: "https://hooks.example.com/#frag", err: "fragment"},
		{url: "https://hooks.example.com:99999/", err: "port"},
		{url: "", err: "required"},
		{url: "https://hooks.example.com/\x00", err: "NUL"},
		{url: "https://hooks.example.com/" + strings.Repeat("a", 2000), err: "2000"},
		{url: "http://127.0.0.1:9000/", err: "loopback"},
		{url: "http://localhost:9000/", err: "loopback"},
		{url: "http://api.localhost/", err: "loopback"},
		{url: "http://[::1]/", err: "loopback"},
		{url: "http://10.1.2.3/", err: "private"},
		{url: "http://192.168.0.10/", err: "private"},
		{url: "http://172.20.0.1/", err: "private"},
		{url: "http://169.254.169.254/latest/meta-data/", err: "link-local"},
		{url: "http://[fe80::1]/", err: "link-local"},
		{url: "http://[fd00::1]/", err: "private"},
		{url: "http://[::ffff:127.0.0.1]/", err: "loopback"},
		{url: "http://100.64.0.1/", err: "private"},
		{url: "http://0.0.0.0/", err: "private"},
		{url: "http://10.1.2.3/", policy: lan, want: "http://10.1.2.3/"},
		{url: "http://127.0.0.1:9000/", policy: lan, want: "http://127.0.0.1:9000/"},
		{url: "http://localhost:9000/", policy: lan, want: "http://localhost:9000/"},
		{url: "http://127.0.0.2:9000/", policy: lan, err: "loopback"},
		{url: "http://192.168.0.10/", policy: lan, err: "private"},
		{url: "http://169.254.169.254/", policy: open, err: "link-local"},
	} {
		got, err := tc.policy.CheckURL(tc.url)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%q: %v", tc.url, err)
		case tc.err == "" && got != tc.want:
			t.Errorf("%q: stored as %q, want %q", tc.url, got, tc.want)
		case tc.err != "" && err == nil:
			t.Errorf("%q: accepted, want an error about %s", tc.url, tc.err)
		case tc.err != "" && !strings.Contains(err.Error(), tc.err):
			t.Errorf("%q: %v, want it to say %q", tc.url, err, tc.err)
		}
	}
}

func TestWebhookInputProblems(t *testing.T) {
	_, _, err := WebhookInput{URL: "ftp://x", Events: []WebhookEvent{"outcome.decided", "nope"}, Description: strings.Repeat("d", 201)}.Validate(WebhookPolicy{})
	fields := map[string]bool{}
	for _, p := range ProblemsOf(err) {
		fields[p.Field] = true
	}
	for _, f := range []string{"url", "events", "description"} {
		if !fields[f] {
			t.Errorf("no problem names %s: %v", f, ProblemsOf(err))
		}
	}
	if _, _, err := (WebhookInput{URL: "https://x.example.com"}).Validate(WebhookPolicy{}); KindOf(err) != KindInvalid {
		t.Errorf("no events: %v", err)
	}
	_, events, err := WebhookInput{URL: "https://x.example.com", Events: []WebhookEvent{"report.weekly", "outcome.decided", "report.weekly"}}.Validate(WebhookPolicy{})
	if err != nil || len(events) != 2 || events[0] != WebhookOutcomeDecided {
		t.Errorf("events %v, %v: want them once each, in the documented order", events, err)
	}
}

func TestParseNetworks(t *testing.T) {
	got, err := ParseNetworks("127.0.0.1, 10.0.0.0/8,::1, 192.168.1.7/16")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"127.0.0.1/32", "10.0.0.0/8", "::1/128", "192.168.0.0/16"}
	if len(got) != len(want) {
		t.Fatalf("%v", got)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("%d: %s, want %s", i, got[i], want[i])
		}
	}
	if _, err := ParseNetworks("10.0.0.0/33"); err == nil {
		t.Error("a /33 was taken")
	}
}

func TestNextAttempt(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	giveUp := t0.Add(WebhookRetryFor)
	for _, tc := range []struct {
		n    int
		at   time.Time
		want time.Duration // after at; 0: no more attempts
	}{
		{1, t0, 30 * time.Second},
		{2, t0, time.Minute},
		{3, t0, 2 * time.Minute},
		{8, t0, 64 * time.Minute},
		{9, t0, 2 * time.Hour},
		{30, t0, 2 * time.Hour},
		{10, t0.Add(22 * time.Hour), 2 * time.Hour},
		{10, t0.Add(22*time.Hour + time.Second), 0},
		{1, giveUp, 0},
	} {
		next, ok := NextAttempt(tc.n, tc.at, giveUp)
		switch {
		case tc.want == 0 && ok:
			t.Errorf("attempt %d failed at %v: retried at %v, want no more", tc.n, tc.at, next)
		case tc.want != 0 && (!ok || next.Sub(tc.at) != tc.want):
			t.Errorf("attempt %d failed at %v: next %v (%v), want %v later", tc.n, tc.at, next, ok, tc.want)
		}
	}
}
