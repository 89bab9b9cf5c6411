package experiments

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a scenario, located in its file.
type Problem struct {
	// File is the scenario's file name (or the preset's name).
	File string
	// Line and Column are 1-based; 0 when the problem has no position (for
	// example a file that cannot be read).
	Line, Column int
	// Field is the dotted path of the field, e.g. "market.price.volatility";
	// empty for syntax errors.
	Field string
	// Msg says what is wrong.
	Msg string
}

// String formats the problem as "file:line:col: field.path: msg".
func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
	} else {
		b.WriteString("scenario")
	}
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", p.Line, p.Column)
	}
	b.WriteString(": ")
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Error is every problem found in a scenario. [Parse], [Load] and
// [Scenario.Config] return it for any bad input.
type Error struct {
	Problems []Problem
}

// Error lists every problem, one per line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// errorOf returns nil for no problems and an *Error otherwise, with the
// problems in file order.
func errorOf(problems []Problem) error {
	if len(problems) == 0 {
		return nil
	}
	sorted := append([]Problem(nil), problems...)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	if len(sorted) > maxProblems {
		more := len(sorted) - maxProblems
		sorted = append(sorted[:maxProblems], Problem{File: sorted[0].File, Msg: fmt.Sprintf("… and %d more problems", more)})
	}
	return &Error{Problems: sorted}
}

// maxProblems bounds the problems reported for one file.
const maxProblems = 100
