//go:build linux && race

package server

import "syscall"

// Under the race detector, reads and writes go through syscall.Read and
// Write: they tell the detector that what one goroutine wrote to a socket
// happens before what another reads from it, as net.Conn does. Raw calls
// would hide that and make every test's setup look racy.
func sysRead(fd uintptr, p []byte) (int, syscall.Errno) {
	n, err := syscall.Read(int(fd), p)
	return max(n, 0), errnoOf(err)
}

func sysWrite(fd uintptr, p []byte) (int, syscall.Errno) {
	n, err := syscall.Write(int(fd), p)
	return max(n, 0), errnoOf(err)
}

func errnoOf(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	return err.(syscall.Errno)
}
