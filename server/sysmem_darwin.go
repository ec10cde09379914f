package server

import "golang.org/x/sys/unix"

// systemMemory is the machine's memory (INFO's total_system_memory).
func systemMemory() int64 {
	n, err := unix.SysctlUint64("hw.memsize")
	if err != nil {
		return 0
	}
	return int64(n)
}
