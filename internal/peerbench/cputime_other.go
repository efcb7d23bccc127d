//go:build !unix

package main

import "time"

// cpuTime is 0 where the process's CPU time is not read: the CPU ratios
// print as 0.
func cpuTime() time.Duration { return 0 }
