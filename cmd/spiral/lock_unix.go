//go:build unix

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// lockBytes takes a write lock on bytes [start, start+n) of f (n = 0: to
// the end and beyond) without waiting.
func lockBytes(f *os.File, start, n int64) error {
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: io.SeekStart, Start: start, Len: n}
	err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &lk)
	if err == nil {
		return nil
	}
	if !errors.Is(err, syscall.EAGAIN) && !errors.Is(err, syscall.EACCES) {
		return err
	}
	held := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: io.SeekStart, Start: start, Len: n}
	if syscall.FcntlFlock(f.Fd(), syscall.F_GETLK, &held) == nil && held.Pid > 0 && held.Type != syscall.F_UNLCK {
		return fmt.Errorf("%w by process %d", errLocked, held.Pid)
	}
	return errLocked
}
