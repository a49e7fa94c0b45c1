//go:build unix

package sqlite

import (
	"syscall"
	"time"
)

// processCPU is the CPU time this process has used (user and system): a
// measure of work that other processes on a busy machine do not inflate
// as they do wall time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
