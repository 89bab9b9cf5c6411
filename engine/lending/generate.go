package lending

import (
	"errors"
	"fmt"
	"math"

	"github.com/spiralrisk/spiral/stochastic"
)

// BookParams describe a synthetic position book.
//
// Debt sizes are Pareto distributed with tail index SizeAlpha: position i
// draws x_i = U_i^(−1/SizeAlpha) with U_i uniform on (0, 1], and its debt is
// TotalDebt·x_i/Σx (the Pareto scale cancels). A smaller SizeAlpha gives a
// heavier tail, i.e. a book dominated by a few whales; lending markets'
// borrower sizes have tail indices near 1 (1.1–1.5 is typical).
//
// Initial health factors are 1 + exp(μ + σ·Z) with Z standard normal,
// μ = ln(MedianHealth − 1) and σ = HealthSpread: every position starts
// healthy, half of them below MedianHealth, and HealthSpread is the log-sd of
// the margin HF − 1 (0 gives every position MedianHealth). A position's
// collateral follows from its debt d and health factor h at the initial
// price: h·d/(Price·LiquidationThreshold) units.
type BookParams struct {
	// Positions is the number of positions, in [1, 1e7].
	Positions int
	// TotalDebt is the book's total debt (the pool's initial borrows), USD in
	// (0, 1e13]. Scaled debts equal debts (borrow index 1 at the start).
	TotalDebt float64
	// Price is the collateral price at generation, USD per unit in (0, 1e12].
	Price float64
	// LiquidationThreshold is the market's liquidation threshold, in (0, 1).
	LiquidationThreshold float64
	// SizeAlpha is the Pareto tail index of debt sizes, in [0.5, 10].
	SizeAlpha float64
	// MedianHealth is the median initial health factor, in (1, 100].
	MedianHealth float64
	// HealthSpread is the log-sd of the initial margin HF − 1, in [0, 5].
	HealthSpread float64
}

// Validate reports every parameter outside its range.
func (g BookParams) Validate() error {
	var errs []error
	if g.Positions < 1 || g.Positions > 1e7 {
		errs = append(errs, fmt.Errorf("positions: must be in [1, 1e7], got %d", g.Positions))
	}
	if !(g.TotalDebt > 0 && g.TotalDebt <= 1e13) {
		errs = append(errs, fmt.Errorf("total_debt: must be in (0, 1e13] USD, got %v", g.TotalDebt))
	}
	if !(g.Price > 0 && g.Price <= 1e12) {
		errs = append(errs, fmt.Errorf("price: must be in (0, 1e12] USD, got %v", g.Price))
	}
	if err := openRange("liquidation_threshold", g.LiquidationThreshold, 0, 1); err != nil {
		errs = append(errs, err)
	}
	if err := inRange("size_alpha", g.SizeAlpha, 0.5, 10); err != nil {
		errs = append(errs, err)
	}
	if !(g.MedianHealth > 1 && g.MedianHealth <= 100) {
		errs = append(errs, fmt.Errorf("median_health: must be in (1, 100], got %v", g.MedianHealth))
	}
	if err := inRange("health_spread", g.HealthSpread, 0, 5); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// GenerateBook draws a book from g with src (for example the stream
// stochastic.StreamPositions of path 0). For each position in turn it draws
// one uniform (size) then one standard normal (health factor), so the book
// is a deterministic function of g and the source's state. Position IDs are
// 1..Positions. It allocates; call it once per run, not per path.
func GenerateBook(g BookParams, src *stochastic.Source) (*Book, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	if src == nil {
		return nil, errors.New("source: missing")
	}
	positions := make([]Position, g.Positions)
	health := make([]float64, g.Positions)
	mu := math.Log(g.MedianHealth - 1)
	var sum float64
	for i := range positions {
		u := 1 - src.Float64() // (0, 1]
		x := math.Pow(u, -1/g.SizeAlpha)
		positions[i] = Position{ID: i + 1, ScaledDebt: x}
		sum += x
		health[i] = 1 + math.Exp(mu+g.HealthSpread*src.NormFloat64())
	}
	scale := g.TotalDebt / sum
	for i := range positions {
		d := positions[i].ScaledDebt * scale
		positions[i].ScaledDebt = d
		positions[i].Collateral = health[i] * d / (g.Price * g.LiquidationThreshold)
	}
	return NewBook(positions, g.LiquidationThreshold)
}
