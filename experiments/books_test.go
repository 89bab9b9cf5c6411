package experiments

import (
	"math"
	"strings"
	"testing"
)

// badBookCSV has a position liquidatable at the initial price (collateral
// in the wrong unit), one with debt and no collateral and one without
// debt.
const badBookCSV = "id,collateral,debt_usd\n1,150,200000\n2,0.04,50000\n3,0,18000\n4,10,0\n"

// A book read from a file is summarized at the initial price: totals,
// health factors of the positions with debt, and the positions that start
// liquidatable or without collateral.
func TestFileBooksSummary(t *testing.T) {
	dir := dataDirWith(t, map[string]string{"bad.csv": badBookCSV})
	good := mustParseIn(t, dir, dataScenario).FileBooks()
	if len(good) != 1 || good[0].Flagged() || good[0].Positions != 2 || good[0].Liquidatable != 0 || good[0].NoCollateral != 0 {
		t.Fatalf("book.csv: %+v, want 2 positions, none flagged", good)
	}
	if g := good[0]; math.Abs(g.MinHealth-1.2) > 1e-12 || math.Abs(g.MedianHealth-1.24) > 1e-12 || g.Price != 2000 || g.DebtUSD != 250000 || g.Collateral != 190 {
		t.Errorf("book.csv: %+v, want min HF 1.2, median 1.24 at $2000, debt 250000, collateral 190", g)
	}
	src := replaceOnce(t, dataScenario, "positions: {file: book.csv,", "positions: {file: bad.csv,")
	bad := mustParseIn(t, dir, src).FileBooks()
	if len(bad) != 1 {
		t.Fatalf("bad.csv: %d summaries", len(bad))
	}
	b := bad[0]
	if b.File != "bad.csv" || b.Positions != 4 || b.Liquidatable != 2 || b.NoCollateral != 1 || !b.Flagged() || b.Variants != nil {
		t.Errorf("bad.csv: %+v, want 4 positions, 2 liquidatable, 1 without collateral", b)
	}
	if b.MinHealth != 0 || math.Abs(b.MedianHealth-0.04*2000*0.8/50000) > 1e-15 || b.DebtUSD != 268000 {
		t.Errorf("bad.csv: %+v, want min HF 0, median 0.00128, debt 268000", b)
	}
	// A generated book is not listed.
	if got := mustParseIn(t, dir, minimal).FileBooks(); got != nil {
		t.Errorf("a scenario without a book file: %+v", got)
	}
}

// A sweep over the book file summarizes each book once, naming the
// variants that read it.
func TestFileBooksOfASweep(t *testing.T) {
	dir := dataDirWith(t, map[string]string{"bad.csv": badBookCSV})
	s := mustParseIn(t, dir, dataScenario+"sweep:\n  axes:\n    positions.file: [book.csv, bad.csv]\n    liquidators.rules.bonus: [0.05, 0.1]\n")
	books := s.FileBooks()
	if len(books) != 2 {
		t.Fatalf("%d summaries, want 2: %+v", len(books), books)
	}
	if books[0].File != "book.csv" || len(books[0].Variants) != 3 || books[0].Variants[0] != "base" || books[0].Flagged() {
		t.Errorf("first: %+v, want book.csv read by base and 2 variants", books[0])
	}
	if books[1].File != "bad.csv" || len(books[1].Variants) != 2 || !books[1].Flagged() {
		t.Errorf("second: %+v, want bad.csv read by 2 variants, flagged", books[1])
	}
}

// replaceOnce replaces old in s, failing the test when s lacks it.
func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	out := strings.Replace(s, old, new, 1)
	if out == s {
		t.Fatalf("%q not found", old)
	}
	return out
}
