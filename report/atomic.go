package report

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// atomicFile is a file written under a temporary name (".<name>.tmp-<random>")
// in the directory of its final name and renamed to the final name by Commit,
// after an fsync. Until Commit nothing exists under the final name; Discard
// removes the temporary file.
type atomicFile struct {
	final string   // the final path
	file  *os.File // the temporary file; nil once committed or discarded
}

// tempPattern is the os.CreateTemp pattern for the temporary name of base.
// The name starts with a dot and does not end in the final extension, so
// globs such as "*.parquet" never see it.
func tempPattern(base string) string { return "." + base + ".tmp-*" }

func createAtomic(final string) (*atomicFile, error) {
	dir, base := filepath.Split(final)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, tempPattern(base))
	if err != nil {
		return nil, fmt.Errorf("report: create %s: %w", final, err)
	}
	return &atomicFile{final: final, file: f}, nil
}

// Write writes to the temporary file; an error names the final path.
func (a *atomicFile) Write(p []byte) (int, error) {
	if a.file == nil {
		return 0, fmt.Errorf("report: write %s: file already closed", a.final)
	}
	n, err := a.file.Write(p)
	if err != nil {
		err = fmt.Errorf("report: write %s: %w", a.final, bareError(err))
	}
	return n, err
}

// Commit syncs and closes the temporary file, renames it to the final name
// and syncs the directory. On error the temporary file is removed.
func (a *atomicFile) Commit() error {
	if a.file == nil {
		return fmt.Errorf("report: commit %s: file already closed", a.final)
	}
	f, tmp := a.file, a.file.Name()
	a.file = nil
	err := f.Chmod(0o644) // CreateTemp makes 0600; results are meant to be shared
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, a.final)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("report: write %s: %w", a.final, bareError(err))
	}
	if err := syncDir(filepath.Dir(a.final)); err != nil {
		return fmt.Errorf("report: write %s: sync directory: %w", a.final, err)
	}
	return nil
}

// bareError drops the temporary file's name from an *os.PathError of a
// write or sync (the message names the final file instead), keeping the
// cause (e.g. syscall.ENOSPC) for errors.Is.
func bareError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) && pe.Op != "rename" {
		return pe.Err
	}
	return err
}

// Discard closes and removes the temporary file. It is safe to call after
// Commit (it then does nothing) and more than once.
func (a *atomicFile) Discard() {
	if a.file == nil {
		return
	}
	f := a.file
	a.file = nil
	f.Close()
	os.Remove(f.Name())
}

// syncDir fsyncs a directory so that a rename in it is durable. File systems
// that cannot sync directories report EINVAL, which is ignored.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}

// writeAtomic writes final through a buffered writer filled by fill, then
// commits it. On any error nothing remains under the final name or the
// temporary one.
func writeAtomic(final string, fill func(w io.Writer) error) error {
	a, err := createAtomic(final)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(a, 1<<16)
	if err := fill(bw); err != nil {
		a.Discard()
		return wrapWrite(final, err)
	}
	if err := bw.Flush(); err != nil {
		a.Discard()
		return wrapWrite(final, err)
	}
	return a.Commit()
}

// pathError is an error that already names its file.
type pathError struct {
	path string
	err  error
}

func (e *pathError) Error() string { return "report: write " + e.path + ": " + e.err.Error() }
func (e *pathError) Unwrap() error { return e.err }

// wrapWrite makes err name path unless it already does.
func wrapWrite(path string, err error) error {
	if err == nil {
		return nil
	}
	var pe *pathError
	if errors.As(err, &pe) && pe.path == path {
		return err
	}
	if strings.Contains(err.Error(), path) {
		return err
	}
	return &pathError{path: path, err: err}
}
