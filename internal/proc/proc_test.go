package proc

import (
	"os"
	"runtime"
	"testing"
)

func TestPeakRSS(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux reports VmHWM")
	}
	self, err := PeakRSS(0)
	if err != nil || self <= 0 {
		t.Fatalf("PeakRSS(0) = %v, %v", self, err)
	}
	byPID, err := PeakRSS(os.Getpid())
	if err != nil || byPID < self {
		t.Errorf("PeakRSS(own pid) = %v, %v; want at least %v", byPID, err, self)
	}
	if _, err := PeakRSS(-1); err == nil {
		t.Error("no error for a process that cannot exist")
	}
	before := CPUTime()
	x := 0
	for i := range 50_000_000 {
		x += i % 7
	}
	if after := CPUTime(); after <= before || x == 0 {
		t.Errorf("processor time did not grow: %v then %v", before, after)
	}
}
