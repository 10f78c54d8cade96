package report

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley"
)

// VersionedSource is a Source that can say whether its rollups changed.
type VersionedSource interface {
	Source
	// RollupVersion changes whenever the workspace's rollups change.
	RollupVersion(ctx context.Context, workspaceID int64) (int64, error)
}

// Cache keeps recently built reports until the rollups they were built
// from change. A report depends only on the rollups, the request, the
// workspace's settings and today's date, so a kept one is exactly what a
// new build would return; the check costs one small query. Reports are
// shared between callers and must not be changed.
type Cache struct {
	mu      sync.Mutex
	max     int
	entries map[string]*Report
	order   []string // oldest first, for eviction
	// asked holds the requests of the last warmWindow, by workspace and
	// request, for Warm.
	asked map[string]asked
}

// asked is a request, and when it was last made.
type asked struct {
	workspaceID int64
	req         Request
	at          time.Time
}

// Warm rebuilds at most warmMax reports, of requests made in the last
// warmWindow: the pages people have open. Evaluation passes come as often
// as events arrive, and rebuilding what nobody looks at would take the
// CPU ingest needs.
const (
	warmMax    = 8
	warmWindow = 5 * time.Minute
)

// NewCache returns a cache of at most max reports.
func NewCache(max int) *Cache {
	return &Cache{max: max, entries: map[string]*Report{}, asked: map[string]asked{}}
}

// Performance returns the report for req, built by Performance or kept
// from an earlier call at the same rollup version.
func (c *Cache) Performance(ctx context.Context, src VersionedSource, ws parley.Workspace, req Request, now time.Time) (*Report, error) {
	return c.performance(ctx, src, ws, req, now, true)
}

// performance is Performance; asking says a reader asked, which Warm's
// own calls do not count as.
func (c *Cache) performance(ctx context.Context, src VersionedSource, ws parley.Workspace, req Request, now time.Time, asking bool) (*Report, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	loc, err := ws.Settings.Location()
	if err != nil {
		return nil, err
	}
	version, err := src.RollupVersion(ctx, ws.ID)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	settings, _ := json.Marshal(ws.Settings)
	asks := fmt.Sprintf("%d|%s|%s|%s|%s", ws.ID, req.From, req.To, req.Granularity, strings.Join(req.Channels, ","))
	key := fmt.Sprintf("%s|%d|%s|%s", asks, version, formatDay(dayOf(now, loc)), settings)
	c.mu.Lock()
	r, ok := c.entries[key]
	if asking {
		c.remember(asks, asked{ws.ID, req, now})
	}
	c.mu.Unlock()
	if ok {
		return r, nil
	}
	r, err = Performance(ctx, src, ws, req, now)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok {
		c.entries[key] = r
		c.order = append(c.order, key)
		for len(c.order) > c.max {
			delete(c.entries, c.order[0])
			c.order = c.order[1:]
		}
	}
	return r, nil
}

// remember notes a request for Warm. Like the reports, the requests kept
// are bounded: past max, the one asked longest ago is forgotten, so that a
// server whose rollups never change (and so never warms) does not keep
// every request ever made. c.mu must be held.
func (c *Cache) remember(key string, a asked) {
	c.asked[key] = a
	if len(c.asked) <= c.max {
		return
	}
	oldest := ""
	for k, b := range c.asked {
		if oldest == "" || b.at.Before(c.asked[oldest].at) {
			oldest = k
		}
	}
	delete(c.asked, oldest)
}

// Warm builds again, at the current rollup version, the reports asked for
// in the last few minutes, so that the next reader after evaluation
// changed the rollups finds them built: rebuilding one takes about a
// hundred milliseconds at a million conversations, keeping one ten.
// workspace looks up each workspace as it is now, settings included; a
// request whose workspace is gone is skipped.
func (c *Cache) Warm(ctx context.Context, src VersionedSource, now time.Time, workspace func(ctx context.Context, id int64) (parley.Workspace, error)) error {
	c.mu.Lock()
	var recent []asked
	for k, a := range c.asked {
		if now.Sub(a.at) > warmWindow {
			delete(c.asked, k)
			continue
		}
		recent = append(recent, a)
	}
	c.mu.Unlock()
	slices.SortFunc(recent, func(a, b asked) int { return b.at.Compare(a.at) })
	for _, a := range recent[:min(len(recent), warmMax)] {
		ws, err := workspace(ctx, a.workspaceID)
		if parley.KindOf(err) == parley.KindNotFound {
			continue
		}
		if err != nil {
			return fmt.Errorf("report: warm: %w", err)
		}
		if _, err := c.performance(ctx, src, ws, a.req, now, false); err != nil {
			return fmt.Errorf("report: warm: %w", err)
		}
	}
	return nil
}
