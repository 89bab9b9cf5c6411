// Package field gives validation errors a field path, so that a scenario
// loader can point at the file line of the offending field.
//
// The convention: every leaf error of a Validate method reads
// "snake_case.path: message". Prefix adds a parent path to every leaf of a
// (possibly joined) error; Leaves flattens a joined error into its leaves.
package field

import "errors"

// Prefix puts path in front of the field named by every leaf of err, so
// "slope1: …" inside "rate_model" becomes "rate_model.slope1: …". A leaf
// without a field name becomes "path: …". It returns nil for a nil err.
func Prefix(path string, err error) error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, Prefix(path, e))
		}
		return errors.Join(out...)
	}
	msg := err.Error()
	if Named(msg) {
		return &prefixed{msg: path + "." + msg, err: err}
	}
	return &prefixed{msg: path + ": " + msg, err: err}
}

// Leaves flattens the errors joined in err (recursively) into a list; nil
// gives nil.
func Leaves(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, Leaves(e)...)
		}
		return out
	}
	return []error{err}
}

// Named reports whether msg begins with "name: " where name is a snake_case
// field path (letters, digits, '_' and '.').
func Named(msg string) bool {
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		switch {
		case c == ':':
			return i > 0 && i+1 < len(msg) && msg[i+1] == ' '
		case c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
		default:
			return false
		}
	}
	return false
}

type prefixed struct {
	msg string
	err error
}

func (e *prefixed) Error() string { return e.msg }
func (e *prefixed) Unwrap() error { return e.err }
