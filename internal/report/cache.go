package report

import (
	"context"
	"encoding/json"
	"fmt"
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
}

// NewCache returns a cache of at most max reports.
func NewCache(max int) *Cache {
	return &Cache{max: max, entries: map[string]*Report{}}
}

// Performance returns the report for req, built by Performance or kept
// from an earlier call at the same rollup version.
func (c *Cache) Performance(ctx context.Context, src VersionedSource, ws parley.Workspace, req Request, now time.Time) (*Report, error) {
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
	key := fmt.Sprintf("%d|%d|%s|%s|%s|%s|%s|%s", ws.ID, version, req.From, req.To, req.Granularity,
		strings.Join(req.Channels, ","), formatDay(dayOf(now, loc)), settings)
	c.mu.Lock()
	r, ok := c.entries[key]
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
