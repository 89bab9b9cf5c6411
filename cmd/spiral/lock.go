package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// lockFile is the lock file in an output directory. Runs lock the byte
// range of their paths [first, first+count) for writing (POSIX record
// locks, which the kernel releases when the process ends, however it
// ends, and which NFS supports); `spiral merge` locks the whole file. So
// two runs of the same paths into one directory, or a merge during a run,
// are refused, while the shards of one run write side by side.
const lockFile = ".spiral.lock"

// errLocked is returned when another process holds an overlapping lock.
var errLocked = errors.New("locked")

// dirLock is a held lock; release it with Release.
type dirLock struct{ f *os.File }

// lockRange creates dir if needed and locks paths [first, first+count) of
// it; count 0 locks everything. The error for a lock held elsewhere wraps
// errLocked and names the holder's process id when the system knows it.
func lockRange(dir string, first, count int) (*dirLock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create output directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := lockBytes(f, int64(first), int64(count)); err != nil {
		f.Close()
		if errors.Is(err, errLocked) {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &dirLock{f}, nil
}

// Release releases the lock. The file stays: removing it could let two
// processes lock different files of the same name.
func (l *dirLock) Release() {
	if l != nil && l.f != nil {
		l.f.Close() // closing releases the process's record locks on the file
		l.f = nil
	}
}
