package server

import "golang.org/x/sys/unix"

// systemMemory is the machine's memory (INFO's total_system_memory).
func systemMemory() int64 {
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) != nil {
		return 0
	}
	return int64(si.Totalram) * int64(si.Unit)
}
