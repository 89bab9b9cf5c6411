package engine

import (
	"errors"
	"math"
	"strconv"

	"github.com/spiralrisk/spiral/stochastic"
)

// Indicator is an early-warning indicator (DESIGN §7): a stress measure
// observed at the end of every step and compared with its threshold in
// [Warnings]. An indicator crosses at the first step end at which its value
// is ≥ its threshold; Summary.WarningHour records when.
type Indicator uint8

// The early-warning indicators, in column order.
const (
	// IndicatorUtilization is the pool's utilization, in [0, 1].
	IndicatorUtilization Indicator = iota
	// IndicatorBorrowAPR is the pool's borrow rate, annual fraction.
	IndicatorBorrowAPR
	// IndicatorQueue is the unpaid withdrawal queue / deposits (the
	// unmet_queue signal), in [0, 1].
	IndicatorQueue
	// IndicatorDepeg is 1 − the stablecoin's market price, ≥ 0 (0 without
	// a stablecoin).
	IndicatorDepeg
	// IndicatorDrawdown is the fall of the collateral's market price from
	// its running peak, in [0, 1].
	IndicatorDrawdown
	// NumIndicators is the number of indicators.
	NumIndicators = 5
)

var indicatorNames = [NumIndicators]string{"utilization", "borrow_apr", "queue", "depeg", "drawdown"}

// String is the indicator's name in scenario files and column names.
func (i Indicator) String() string {
	if int(i) < NumIndicators {
		return indicatorNames[i]
	}
	return "Indicator(" + strconv.Itoa(int(i)) + ")"
}

// Warnings are the thresholds of the early-warning indicators. A
// threshold of 0 turns its indicator off: it never crosses and its columns
// are null. [DefaultWarnings] are the scenario files' defaults.
type Warnings struct {
	// Utilization is the utilization threshold, fraction in [0, 1].
	Utilization float64
	// BorrowAPR is the borrow-rate threshold, annual fraction in [0, 100].
	BorrowAPR float64
	// Queue is the threshold of the unpaid withdrawal queue as a share of
	// the deposits at the step end, in [0, 1].
	Queue float64
	// Depeg is the threshold of 1 − the stablecoin's price, in [0, 1].
	Depeg float64
	// Drawdown is the threshold of the market price's fall from its
	// running peak, fraction in [0, 1].
	Drawdown float64
}

// DefaultWarnings returns the default thresholds: utilization ≥ 95 %,
// borrow APR ≥ 20 %, unpaid queue ≥ 0.5 % of deposits, depeg ≥ 1 % (price
// ≤ 0.99) and drawdown ≥ 20 %.
func DefaultWarnings() Warnings {
	return Warnings{Utilization: 0.95, BorrowAPR: 0.20, Queue: 0.005, Depeg: 0.01, Drawdown: 0.20}
}

// Threshold returns the threshold of indicator i; 0 = off.
func (w *Warnings) Threshold(i Indicator) float64 {
	switch i {
	case IndicatorUtilization:
		return w.Utilization
	case IndicatorBorrowAPR:
		return w.BorrowAPR
	case IndicatorQueue:
		return w.Queue
	case IndicatorDepeg:
		return w.Depeg
	case IndicatorDrawdown:
		return w.Drawdown
	}
	return 0
}

// Validate reports every threshold outside its range.
func (w Warnings) Validate() error {
	return errors.Join(
		check("utilization", w.Utilization >= 0 && w.Utilization <= 1, "[0, 1]", w.Utilization),
		check("borrow_apr", w.BorrowAPR >= 0 && w.BorrowAPR <= 100, "[0, 100]", w.BorrowAPR),
		check("queue", w.Queue >= 0 && w.Queue <= 1, "[0, 1]", w.Queue),
		check("depeg", w.Depeg >= 0 && w.Depeg <= 1, "[0, 1]", w.Depeg),
		check("drawdown", w.Drawdown >= 0 && w.Drawdown <= 1, "[0, 1]", w.Drawdown),
	)
}

// LeadBeforeUnmet is how many hours indicator i crossed before the first
// unmet withdrawal: FirstUnmetHour − WarningHour[i]; negative when it
// crossed after, NaN when either never happened.
func (s *Summary) LeadBeforeUnmet(i Indicator) float64 {
	return s.FirstUnmetHour - s.WarningHour[i]
}

// LeadBeforeBadDebt is how many hours indicator i crossed before the first
// bad debt: FirstBadDebtHour − WarningHour[i]; negative when it crossed
// after, NaN when either never happened.
func (s *Summary) LeadBeforeBadDebt(i Indicator) float64 {
	return s.FirstBadDebtHour - s.WarningHour[i]
}

// resetWarnings marks the early-warning times of a new path as never and
// arms the indicators with a threshold: r.warnAt[i] is the level at which
// indicator i fires in this path, NaN when it is off or has fired (no
// value, not even +Inf, is ≥ NaN).
func (r *pathRunner) resetWarnings(s *Summary) {
	s.FirstBadDebtHour = math.NaN()
	for i := range s.WarningHour {
		s.WarningHour[i] = math.NaN()
		r.warnAt[i] = math.NaN()
		if t := r.cfg.Warnings.Threshold(Indicator(i)); t > 0 {
			r.warnAt[i] = t
		}
	}
}

// observeWarnings is part of phase 10: it records the first step end at
// which each indicator is at or above its threshold, and the first with bad
// debt, as bad_debt_usd counts it: realized bad debt, or an open position
// in the toxic zone (its collateral at the oracle price, less the
// liquidation bonus, no longer covers its debt: it would leave bad debt if
// liquidated now). sig holds the end-of-step signals, borrowAPR the borrow
// rate at the step end.
func (r *pathRunner) observeWarnings(step int, s *Summary, borrowAPR float64, sig *stochastic.Signals) {
	w := &r.warnAt
	if sig.Utilization >= w[0] || borrowAPR >= w[1] || sig.UnmetQueue >= w[2] || sig.Depeg >= w[3] || sig.Drawdown >= w[4] {
		r.recordWarnings(step, s, [NumIndicators]float64{sig.Utilization, borrowAPR, sig.UnmetQueue, sig.Depeg, sig.Drawdown})
	}
	if math.IsNaN(s.FirstBadDebtHour) && (s.RealizedBadDebtUSD > 0 || s.MaxToxicPositions > 0) {
		s.FirstBadDebtHour = float64(step) * r.hours
	}
}

// observeWarnings compares the five indicators one by one: these lines
// stop the build if their number changes.
var (
	_ [NumIndicators - 5]struct{}
	_ [5 - NumIndicators]struct{}
)

// recordWarnings records the indicators whose values are at or above their
// thresholds at step, and disarms them.
func (r *pathRunner) recordWarnings(step int, s *Summary, values [NumIndicators]float64) {
	for i, v := range values {
		if v >= r.warnAt[i] {
			s.WarningHour[i] = float64(step) * r.hours
			r.warnAt[i] = math.NaN() // first crossings only
		}
	}
}

// warningColumns are the summary columns of the early-warning indicators:
// per indicator its first crossing and its lead times.
func warningColumns() []Column[Summary] {
	var cols []Column[Summary]
	for k := range NumIndicators {
		i := Indicator(k)
		name := i.String()
		cols = append(cols,
			Column[Summary]{Name: "warn_" + name + "_hour", Nullable: true,
				Doc:   "first step end at which the " + indicatorDocs[i] + " was at or above its threshold (outputs.warnings." + name + "), null if never or off",
				Value: func(s *Summary) float64 { return s.WarningHour[i] }},
			Column[Summary]{Name: "warn_" + name + "_lead_unmet_hours", Nullable: true,
				Doc:   "first_unmet_withdrawal_hour − warn_" + name + "_hour: negative when the indicator crossed after, null when either never happened",
				Value: func(s *Summary) float64 { return s.LeadBeforeUnmet(i) }},
			Column[Summary]{Name: "warn_" + name + "_lead_bad_debt_hours", Nullable: true,
				Doc:   "first_bad_debt_hour − warn_" + name + "_hour: negative when the indicator crossed after, null when either never happened",
				Value: func(s *Summary) float64 { return s.LeadBeforeBadDebt(i) }},
		)
	}
	return cols
}

var indicatorDocs = [NumIndicators]string{
	"utilization",
	"borrow APR",
	"unpaid withdrawal queue / deposits",
	"stablecoin's depeg (1 − price)",
	"market price's drawdown from its running peak",
}
