package stochastic

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Correlated is several assets, each a [GBM], whose Brownian motions are
// correlated: the log return of asset i over a step is
// (μ_i − σ_i²/2)dt + σ_i√dt·(LZ)_i with Z independent standard normals and
// L the Cholesky factor of the correlation matrix (LLᵀ = C). Build it with
// [NewCorrelated], which factors C once; the value is then shared read-only.
type Correlated struct {
	assets []GBM
	chol   []float64 // lower-triangular L, row-major n×n
}

// NewCorrelated validates the assets and the correlation matrix (n×n,
// symmetric, unit diagonal, entries in [-1, 1], positive definite) and
// factors it. It copies both arguments.
func NewCorrelated(assets []GBM, correlation [][]float64) (Correlated, error) {
	n := len(assets)
	var errs []error
	if n == 0 {
		errs = append(errs, errors.New("assets: need at least one asset"))
	}
	for i, a := range assets {
		errs = append(errs, prefixError(fmt.Sprintf("assets.%d", i), a.Validate()))
	}
	if len(correlation) != n {
		errs = append(errs, fmt.Errorf("correlation: must be %d×%d (one row per asset), got %d rows", n, n, len(correlation)))
		return Correlated{}, errors.Join(errs...)
	}
	c := mat.NewSymDense(n, nil)
	for i, row := range correlation {
		if len(row) != n {
			errs = append(errs, fmt.Errorf("correlation.%d: must have %d entries, got %d", i, n, len(row)))
			continue
		}
		for j, x := range row {
			switch {
			case !inRange(x, -1, 1):
				errs = append(errs, fmt.Errorf("correlation.%d.%d: must be in [-1, 1], got %v", i, j, x))
			case i == j && x != 1:
				errs = append(errs, fmt.Errorf("correlation.%d.%d: diagonal must be 1, got %v", i, j, x))
			case j < i && x != correlation[j][i]:
				errs = append(errs, fmt.Errorf("correlation.%d.%d: must equal correlation.%d.%d (symmetric), got %v and %v", i, j, j, i, x, correlation[j][i]))
			}
			if j >= i {
				c.SetSym(i, j, x)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Correlated{}, err
	}
	var ch mat.Cholesky
	if !ch.Factorize(c) {
		return Correlated{}, errors.New("correlation: must be positive definite")
	}
	var l mat.TriDense
	ch.LTo(&l)
	p := Correlated{assets: append([]GBM(nil), assets...), chol: make([]float64, n*n)}
	for i := range n {
		for j := 0; j <= i; j++ {
			p.chol[i*n+j] = l.At(i, j)
		}
	}
	return p, nil
}

// Len is the number of assets.
func (p Correlated) Len() int { return len(p.assets) }

// Asset returns asset i's marginal process.
func (p Correlated) Asset(i int) GBM { return p.assets[i] }

// Validate reports whether p was built by [NewCorrelated].
func (p Correlated) Validate() error {
	if len(p.assets) == 0 || len(p.chol) != len(p.assets)*len(p.assets) {
		return errors.New("correlated: build with NewCorrelated")
	}
	return nil
}

// NewSampler returns a sampler for steps of dt years.
func (p Correlated) NewSampler(dt float64) *CorrelatedSampler {
	n := len(p.assets)
	s := &CorrelatedSampler{
		chol:      p.chol,
		initial:   make([]float64, n),
		logPrice:  make([]float64, n),
		drift:     make([]float64, n),
		diffusion: make([]float64, n),
		z:         make([]float64, n),
	}
	for i, a := range p.assets {
		s.initial[i] = a.Initial
		s.drift[i] = (a.Drift - 0.5*a.Volatility*a.Volatility) * dt
		s.diffusion[i] = a.Volatility * math.Sqrt(dt)
	}
	return s
}

// CorrelatedSampler generates one vector price path at a time. It does not
// allocate after construction.
type CorrelatedSampler struct {
	chol                []float64
	initial, logPrice   []float64
	drift, diffusion, z []float64
}

// Len is the number of assets.
func (s *CorrelatedSampler) Len() int { return len(s.initial) }

// Reset starts a new path and writes the initial prices (USD) into prices,
// which must have length [CorrelatedSampler.Len].
func (s *CorrelatedSampler) Reset(_ *Source, prices []float64) {
	s.check(prices)
	for i, x := range s.initial {
		s.logPrice[i] = math.Log(x)
		prices[i] = x
	}
}

// Next advances one step and writes the prices at its end (USD) into
// prices, which must have length [CorrelatedSampler.Len]. It draws Len
// normals from src.
func (s *CorrelatedSampler) Next(src *Source, prices []float64) {
	s.check(prices)
	n := len(s.z)
	for i := range s.z {
		s.z[i] = src.NormFloat64()
	}
	for i := range n {
		var w float64
		row := s.chol[i*n : i*n+i+1]
		for j, l := range row {
			w += l * s.z[j]
		}
		s.logPrice[i] += s.drift[i] + s.diffusion[i]*w
		prices[i] = math.Exp(s.logPrice[i])
	}
}

func (s *CorrelatedSampler) check(prices []float64) {
	if len(prices) != len(s.initial) {
		panic(fmt.Sprintf("stochastic: CorrelatedSampler needs %d prices, got a slice of %d", len(s.initial), len(prices)))
	}
}
