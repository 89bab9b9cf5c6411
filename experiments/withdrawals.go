package experiments

import (
	"github.com/spiralrisk/spiral/stochastic"
)

// The file forms of the withdrawal behaviours of package stochastic other
// than self-exciting panic (models.go). Defaults are set by the registry
// entries in models.go and listed in README.md.

// Thresholds are depositors in cohorts that each run once, when their noisy
// view of a public stress index crosses their threshold (global games),
// [stochastic.ThresholdDepositors]. The index is Σ weight·signal plus
// common noise; thresholds are spread over the cohorts as normal quantiles.
type Thresholds struct {
	// Cohorts is the number of cohorts, in [1, 10000]. Default 10.
	Cohorts int `yaml:"cohorts"`
	// Weights build the stress index from the signals. Required (give the
	// signals that matter; the others default to 0).
	Weights SignalWeights `yaml:"weights,required"`
	// IndexNoise is the standard deviation of the index's common noise
	// each step, index units in [0, 100]. Default 0.
	IndexNoise float64 `yaml:"index_noise"`
	// PrivateNoise is the standard deviation of each cohort's private noise
	// each step, index units in [0, 100]. Default 0.
	PrivateNoise float64 `yaml:"private_noise"`
	// ThresholdMean is the median cohort's threshold, index units in
	// [-100, 100]. Required.
	ThresholdMean float64 `yaml:"threshold_mean,required"`
	// ThresholdSpread is the standard deviation of the thresholds across
	// cohorts, index units in [0, 100]. Default 0 (all cohorts alike).
	ThresholdSpread float64 `yaml:"threshold_spread"`
	// ShareTilt gives patient (high-threshold) cohorts more of the balance
	// when > 0 and jumpy ones when < 0, in [-10, 10]. Default 0 (equal
	// shares).
	ShareTilt float64 `yaml:"share_tilt"`
}

// SignalWeights weigh the stress signals ([stochastic.Signals]) in the
// index, each in [-100, 100] per unit of signal. Default 0 each.
type SignalWeights struct {
	Utilization float64 `yaml:"utilization"`
	Drawdown    float64 `yaml:"drawdown"`
	UnmetQueue  float64 `yaml:"unmet_queue"`
	Depeg       float64 `yaml:"depeg"`
	BadDebt     float64 `yaml:"bad_debt"`
}

// WithdrawalBehaviour returns the behaviour.
func (p *Thresholds) WithdrawalBehaviour() stochastic.WithdrawalBehaviour {
	w := p.Weights
	return stochastic.ThresholdDepositors{
		Cohorts: p.Cohorts,
		Weights: stochastic.SignalWeights{Utilization: w.Utilization, Drawdown: w.Drawdown,
			UnmetQueue: w.UnmetQueue, Depeg: w.Depeg, BadDebt: w.BadDebt},
		IndexNoise:      p.IndexNoise,
		PrivateNoise:    p.PrivateNoise,
		ThresholdMean:   p.ThresholdMean,
		ThresholdSpread: p.ThresholdSpread,
		ShareTilt:       p.ShareTilt,
	}
}

// Whales are large withdrawals independent of stress: a compound Poisson
// process of requests with Pareto-distributed sizes, [stochastic.Whales].
type Whales struct {
	// Rate is the expected number of requests per day, in [0, 1000].
	// Required.
	Rate float64 `yaml:"rate,required"`
	// MinSize is the smallest request, fraction of the balance not yet
	// queued, in (0, 1]. Required.
	MinSize float64 `yaml:"min_size,required"`
	// Alpha is the Pareto tail index of request sizes, in (0, 100];
	// smaller is heavier. Required.
	Alpha float64 `yaml:"alpha,required"`
}

// WithdrawalBehaviour returns the behaviour.
func (p *Whales) WithdrawalBehaviour() stochastic.WithdrawalBehaviour {
	return stochastic.Whales{Rate: p.Rate, MinSize: p.MinSize, Alpha: p.Alpha}
}
