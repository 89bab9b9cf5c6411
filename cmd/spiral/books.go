package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spiralrisk/spiral/experiments"
	"github.com/spiralrisk/spiral/report"
)

var formatUSD = report.ValueFormatter("x_usd")

// bookVariants names the variants that read a book, for messages; "" when
// the scenario is not a sweep.
func bookVariants(b experiments.BookSummary) string {
	switch n := b.Variants; {
	case len(n) == 0:
		return ""
	case len(n) == 1:
		return " (variant " + n[0] + ")"
	case len(n) <= 4:
		return " (variants " + strings.Join(n, ", ") + ")"
	default:
		return fmt.Sprintf(" (variants %s and %d more)", strings.Join(n[:3], ", "), len(n)-3)
	}
}

// printBooks summarizes the position books read from files (spiral
// validate, on stderr: stdout is the resolved scenario, whose SHA-256 is
// the run's scenario hash): positions, debt, collateral, the health
// factors at the initial price, and how many start liquidatable or
// without collateral. Nothing without such a book.
func printBooks(w io.Writer, books []experiments.BookSummary) error {
	cw := &checkedWriter{w: w}
	for _, b := range books {
		fmt.Fprintf(cw, "position book %s%s: %d positions, debt %s, collateral %s units (%s at the initial price %s; liquidation threshold %s)\n",
			b.File, bookVariants(b), b.Positions, formatUSD(b.DebtUSD), strconv.FormatFloat(b.Collateral, 'g', 4, 64),
			formatUSD(b.Collateral*b.Price), formatUSD(b.Price), strconv.FormatFloat(b.LiquidationThreshold, 'g', -1, 64))
		fmt.Fprintf(cw, "  health factor at the initial price: min %s, median %s; starting with HF < 1 (liquidatable in the first step): %d; with debt but no collateral: %d\n",
			formatHealth(b.MinHealth), formatHealth(b.MedianHealth), b.Liquidatable, b.NoCollateral)
	}
	return cw.err
}

// formatHealth prints a health factor with 3 significant digits; "n/a"
// for a book without debt.
func formatHealth(h float64) string {
	if h != h {
		return "n/a"
	}
	return strconv.FormatFloat(h, 'g', 3, 64)
}

// warnBooks prints one line on stderr for each book read from a file that
// starts with positions liquidatable at the initial price or with debt
// and no collateral: deliberate or a unit slip, the run goes on.
func warnBooks(stderr io.Writer, books []experiments.BookSummary) {
	for _, b := range books {
		if !b.Flagged() {
			continue
		}
		msg := fmt.Sprintf("spiral: warning: positions.file %s%s: %d of %d positions start with health factor < 1 at the initial price %s",
			b.File, bookVariants(b), b.Liquidatable, b.Positions, formatUSD(b.Price))
		if b.NoCollateral > 0 {
			msg += fmt.Sprintf(", %d of them with debt but no collateral", b.NoCollateral)
		}
		fmt.Fprintln(stderr, msg+": they are liquidated or become bad debt in the first step; if that is not intended, check the file's units (spiral validate summarizes the book)")
	}
}
