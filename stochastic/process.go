package stochastic

// PriceProcess is a model of one asset's exogenous price (USD). Implementations
// are value types holding parameters; they are shared read-only by all workers.
type PriceProcess interface {
	// Validate reports every parameter outside its documented range (all
	// of them, joined), so that a scenario is fixed in one go.
	Validate() error
	// NewSampler returns a sampler producing prices at steps of dt years
	// (dt > 0). The engine calls it once per worker and reuses the sampler for
	// every path that worker runs.
	NewSampler(dt float64) PriceSampler
}

// PriceSampler generates one price path at a time.
type PriceSampler interface {
	// Reset starts a new path and returns its initial price (USD, > 0). It
	// may draw from src (for example an initial regime).
	Reset(src *Source) float64
	// Next advances one step and returns the price at its end (USD, > 0),
	// drawing only from src.
	Next(src *Source) float64
}

// Signals are the stress measures a withdrawal behaviour may react to. The
// engine measures them at the end of the previous step.
type Signals struct {
	Utilization float64 // pool utilization, fraction in [0, 1]
	Drawdown    float64 // fraction of the running peak price lost, in [0, 1]
	UnmetQueue  float64 // unpaid queued withdrawals / deposits, ≥ 0
	Depeg       float64 // 1 − stablecoin price, clamped at ≥ 0; 0 without a stablecoin
	BadDebt     float64 // cumulative bad debt / initial deposits, ≥ 0
}

// WithdrawalBehaviour is a model of how depositors ask for their money back.
// Implementations are value types holding parameters.
type WithdrawalBehaviour interface {
	// Validate reports every parameter outside its documented range (all
	// of them, joined), so that a scenario is fixed in one go.
	Validate() error
	// NewSampler returns a sampler for steps of dt years (dt > 0). Called once
	// per worker; the sampler is reset for every path.
	NewSampler(dt float64) WithdrawalSampler
}

// WithdrawalSampler generates one path's withdrawal requests.
type WithdrawalSampler interface {
	// Reset clears all state (intensity, memory) at the start of a path.
	Reset(src *Source)
	// Next returns the fraction, in [0, 1], of the depositors' balance not yet
	// queued that is requested for withdrawal during this step, given the
	// signals at the end of the previous step. It draws only from src.
	Next(src *Source, sig Signals) float64
	// Intensity returns the current panic intensity (fraction of the balance
	// per day, ≥ 0) for tracing and for damping new deposits.
	Intensity() float64
}
