package server

import (
	"os"
	"syscall"
)

// syncData is fdatasync, as Redis's redis_fsync on Linux: the data and
// the size, without the timestamps.
func syncData(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			return err
		}
	}
}
