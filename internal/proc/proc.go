// Package proc reads what Linux reports about a process — its peak
// resident memory and the processor time it used — for the benchmarks,
// which measure memory and work per process.
package proc

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"syscall"
	"time"
)

var hwm = regexp.MustCompile(`VmHWM:\s+(\d+) kB`)

// PeakRSS is the most memory process pid has held resident, in MB; pid 0
// is this process. Where Linux does not report it, it is an error.
func PeakRSS(pid int) (float64, error) {
	path := "/proc/self/status"
	if pid != 0 {
		path = fmt.Sprintf("/proc/%d/status", pid)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("proc: %w", err)
	}
	m := hwm.FindSubmatch(b)
	if m == nil {
		return 0, fmt.Errorf("proc: no VmHWM in %s", path)
	}
	kb, err := strconv.ParseFloat(string(m[1]), 64)
	return kb / 1024, err
}

// CPUTime is the processor time this process has used, in user and kernel
// mode: on a busy machine, a truer measure of work than the wall clock.
func CPUTime() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
