package experiments

import (
	"errors"
	"strings"
	"testing"
)

// unparsablePrices is hourlyPrices(40) with "abc" as the close of line 6.
func unparsablePrices() string {
	return strings.Replace(hourlyPrices(40), "2030-01-01T04:00:00Z,104", "2030-01-01T04:00:00Z,abc", 1)
}

// A data file that cannot be read or parsed, or a file key whose value
// does not decode, is one problem: the checks of other fields against the
// data that did not load (a bootstrap's block length against the number of
// returns, a generated book's keys when the book is the file's) are not
// reported as well. Problems that do not depend on the data still are.
func TestNoFollowOnProblemsOfDataFiles(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"p.csv":    hourlyPrices(40),
		"bad.csv":  unparsablePrices(),
		"book.csv": "id,collateral,debt_usd\n1,10,100\n",
	})
	liq := "liquidators:\n  capacity_usd: 1e6\n  dex: {depth_usd: 1e7}\n"
	runProblemCases(t, dir, []problemCase{
		{"bootstrap unparsable file", withPrice("  price:\n    model: bootstrap\n    file: bad.csv\n    initial: 100\n    block_length: 6\n"),
			[]markedProblem{{"file: bad.csv", "market.price.file", `bad.csv:6: close: want a number, got "abc"`}}},
		{"bootstrap missing file", withPrice("  price: {model: bootstrap, file: none.csv, initial: 100, block_length: 6}\n"),
			[]markedProblem{{"file: none.csv", "market.price.file", "cannot read"}}},
		{"bootstrap file not a string", withPrice("  price: {model: bootstrap, file: 3, initial: 100, block_length: 6}\n"),
			[]markedProblem{{"file: 3", "market.price.file", "expected a string (quote it), got the number 3"}}},
		{"bootstrap file a list", withPrice("  price: {model: bootstrap, file: [p.csv], initial: 100, block_length: 6}\n"),
			[]markedProblem{{"file: [p.csv]", "market.price.file", "expected a string, got a list"}}},
		{"scripted over a bootstrap with a missing file", withPrice("  price:\n    model: scripted\n    points: [{at: 2h, level: 0.5}]\n    base: {model: bootstrap, file: none.csv, initial: 100, block_length: 6}\n"),
			[]markedProblem{{"file: none.csv", "market.price.base.file", "cannot read"}}},
		{"bridge over a bootstrap with a bad file", withPrice("  price:\n    model: bridge\n    at: 2h\n    level: 0.5\n    base: {model: bootstrap, file: bad.csv, initial: 100, block_length: 6}\n"),
			[]markedProblem{{"file: bad.csv", "market.price.base.file", "want a number"}}},
		// Problems of their own are still reported next to the file's.
		{"bootstrap bad file and independent problems", withPrice("  price:\n    model: bootstrap\n    file: bad.csv\n    initial: -1\n    block_length: 0\n"),
			[]markedProblem{
				{"file: bad.csv", "market.price.file", "want a number"},
				{"initial: -1", "market.price.initial", "finite and > 0"},
				{"block_length: 0", "market.price.block_length", "must be in [1, the number of returns in the file], got 0"}}},
		{"historical bad file", withPrice("  price:\n    model: historical\n    file: bad.csv\n    offset: 2h\n"),
			[]markedProblem{{"file: bad.csv", "market.price.file", "want a number"}}},
		// With the file read, the block length is checked against it.
		{"bootstrap block longer than the file", withPrice("  price:\n    model: bootstrap\n    file: p.csv\n    initial: 100\n    block_length: 40\n"),
			[]markedProblem{{"block_length: 40", "market.price.block_length", "must be in [1, 39] returns, got 40"}}},
		{"book file not a string", minimal + "positions:\n  file: 3\n  liquidation_threshold: 0.8\n" + liq,
			[]markedProblem{{"file: 3", "positions.file", "expected a string (quote it), got the number 3"}}},
		{"book file empty", minimal + "positions:\n  file: \"\"\n  liquidation_threshold: 0.8\n" + liq,
			[]markedProblem{{`file: ""`, "positions.file", "must name a CSV file of positions"}}},
		{"book file empty with generated keys", minimal + "positions:\n  file: \"\"\n  count: 10\n  liquidation_threshold: 0.8\n" + liq,
			[]markedProblem{
				{`file: ""`, "positions.file", "must name a CSV file of positions"},
				{"count", "positions.count", "not allowed with positions.file"}}},
		{"bad price file and missing book file", withPrice("  price: {model: bootstrap, file: bad.csv, initial: 100, block_length: 6}\n") +
			"positions:\n  file: none.csv\n  liquidation_threshold: 0.8\n" + liq,
			[]markedProblem{
				{"file: bad.csv", "market.price.file", "want a number"},
				{"file: none.csv", "positions.file", "cannot read"}}},
	})
}

// A variant whose value of market.price.file names a file that does not
// parse gets that problem alone, not the base's block length checked
// against no returns.
func TestNoFollowOnProblemsOfVariantDataFiles(t *testing.T) {
	dir := writeFiles(t, map[string]string{"p.csv": hourlyPrices(40), "bad.csv": unparsablePrices()})
	src := withPrice("  price:\n    model: bootstrap\n    file: p.csv\n    initial: 100\n    block_length: 6\n") +
		"sweep:\n  axes:\n    market.price.file: [p.csv, bad.csv]\n"
	s, err := parseIn(t, dir, src)
	if err != nil {
		t.Fatal(err)
	}
	var e *Error
	if err := s.CheckVariants(); !errors.As(err, &e) {
		t.Fatalf("CheckVariants: %v, want *Error", err)
	}
	line, col := posOf(t, src, "bad.csv]", 0)
	checkProblems(t, e.Problems, []want{{line, col, "market.price.file", `bad.csv:6: close: want a number, got "abc" (variant v001)`}})
}
