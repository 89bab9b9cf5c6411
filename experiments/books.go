package experiments

import (
	"math"
	"slices"
	"strings"

	"github.com/spiralrisk/spiral/engine/lending"
)

// BookSummary describes a position book read from a file (positions.file)
// at the initial collateral price, before any step: what `spiral validate`
// prints and what the run's warning counts. A book that starts with
// positions already liquidatable may be deliberate (a stressed snapshot),
// or a unit slip (collateral in thousands, debt in cents) that would
// otherwise only show as bad debt at step 1.
type BookSummary struct {
	// File is the book's file as written in the scenario.
	File string
	// Variants are the variants of a sweep that read this book at this
	// price and threshold; nil for a scenario that is not a sweep.
	Variants []string
	// Positions is the number of positions in the book.
	Positions int
	// DebtUSD is the book's total debt at the snapshot, USD.
	DebtUSD float64
	// Collateral is the book's total collateral, collateral units.
	Collateral float64
	// Price is the initial collateral price, USD per unit.
	Price float64
	// LiquidationThreshold is the threshold the health factors use.
	LiquidationThreshold float64
	// MinHealth and MedianHealth are the health factors at Price of the
	// positions with debt; NaN when no position has debt.
	MinHealth, MedianHealth float64
	// Liquidatable is the number of positions with health factor < 1 at
	// Price (those without collateral included).
	Liquidatable int
	// NoCollateral is the number of positions with debt and no
	// collateral.
	NoCollateral int
}

// Flagged reports whether the book starts with a position that is
// liquidatable or has debt without collateral.
func (b BookSummary) Flagged() bool { return b.Liquidatable > 0 || b.NoCollateral > 0 }

// summarizeBook computes the summary of book at price.
func summarizeBook(file string, book *lending.Book, price float64) BookSummary {
	lt := book.LiquidationThreshold()
	b := BookSummary{File: file, Positions: book.Len(), DebtUSD: book.TotalScaledDebt(), Collateral: book.TotalCollateral(),
		Price: price, LiquidationThreshold: lt, MinHealth: math.NaN(), MedianHealth: math.NaN()}
	var health []float64
	for i := range book.Len() {
		p := book.At(i)
		if p.ScaledDebt <= 0 {
			continue
		}
		if p.Collateral == 0 {
			b.NoCollateral++
		}
		h := p.Health(price, 1, lt) // the borrow index is 1 at the snapshot
		if h < 1 {
			b.Liquidatable++
		}
		health = append(health, h)
	}
	if len(health) > 0 {
		slices.Sort(health)
		b.MinHealth = health[0]
		n := len(health)
		b.MedianHealth = health[n/2]
		if n%2 == 0 {
			b.MedianHealth = (health[n/2-1] + health[n/2]) / 2
		}
	}
	return b
}

// FileBooks summarizes the position books s reads from files
// (positions.file) at the initial price; for a sweep, the book of every
// variant, once per distinct book, price and threshold, with the variants
// that share it. Generated books are not listed. s must be valid (Parse
// succeeded); a variant that is not is skipped (CheckVariants reports it).
func (s *Scenario) FileBooks() []BookSummary {
	if s.Sweep == nil || !s.sweepMovesBooks() {
		b, ok := s.fileBook()
		if !ok {
			return nil
		}
		return []BookSummary{b}
	}
	var out []BookSummary
	for _, v := range s.Variants() {
		vs, err := s.Variant(v)
		if err != nil {
			continue
		}
		b, ok := vs.fileBook()
		if !ok {
			continue
		}
		i := slices.IndexFunc(out, func(o BookSummary) bool {
			return o.File == b.File && o.Price == b.Price && o.LiquidationThreshold == b.LiquidationThreshold
		})
		if i < 0 {
			out = append(out, b)
			i = len(out) - 1
		}
		out[i].Variants = append(out[i].Variants, v.Name)
	}
	return out
}

// sweepMovesBooks reports whether an axis of s's sweep may change the
// book read from a file, the threshold or the initial price.
func (s *Scenario) sweepMovesBooks() bool {
	for _, a := range s.Sweep.Axes {
		for _, top := range []string{"positions", "market"} {
			if a.Field == top || strings.HasPrefix(a.Field, top+".") {
				return true
			}
		}
	}
	return false
}

// fileBook is the summary of s's own book when it is read from a file.
func (s *Scenario) fileBook() (BookSummary, bool) {
	if s.Positions == nil || s.Positions.File == "" {
		return BookSummary{}, false
	}
	cfg, err := s.Config()
	if err != nil || cfg.Liquidation == nil || cfg.Liquidation.Book == nil {
		return BookSummary{}, false
	}
	return summarizeBook(s.Positions.File, cfg.Liquidation.Book, s.Market.Price.initialPrice()), true
}
