package experiments

import "github.com/spiralrisk/spiral/engine"

// Warnings are the thresholds of the early-warning indicators; see
// [engine.Warnings]. An indicator crosses at the first step end at which its
// value is ≥ its threshold; 0 turns it off.
type Warnings struct {
	// Utilization is the pool utilization threshold, fraction in [0, 1].
	// Default 0.95.
	Utilization float64 `yaml:"utilization"`
	// BorrowAPR is the borrow-rate threshold, annual fraction in [0, 100].
	// Default 0.20.
	BorrowAPR float64 `yaml:"borrow_apr"`
	// Queue is the threshold of the unpaid withdrawal queue / deposits, in
	// [0, 1]. Default 0.005.
	Queue float64 `yaml:"queue"`
	// Depeg is the threshold of 1 − the stablecoin's price, in [0, 1].
	// Default 0.01.
	Depeg float64 `yaml:"depeg"`
	// Drawdown is the threshold of the collateral market price's fall from
	// its running peak, fraction in [0, 1]. Default 0.20.
	Drawdown float64 `yaml:"drawdown"`
}

func (w Warnings) std() engine.Warnings {
	return engine.Warnings{Utilization: w.Utilization, BorrowAPR: w.BorrowAPR, Queue: w.Queue, Depeg: w.Depeg, Drawdown: w.Drawdown}
}

func defaultWarnings() Warnings {
	d := engine.DefaultWarnings()
	return Warnings{Utilization: d.Utilization, BorrowAPR: d.BorrowAPR, Queue: d.Queue, Depeg: d.Depeg, Drawdown: d.Drawdown}
}
