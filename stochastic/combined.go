package stochastic

import (
	"errors"
	"fmt"
)

// Combined sums several withdrawal behaviours acting on the same balance:
// each step every part requests a fraction f_i of the balance not yet
// queued, and together they request 1 − Π(1 − f_i) (a part's request is
// taken from what the parts before it left). Their panic intensities add.
// The parts draw from the same stream in order.
type Combined struct {
	// Parts are the behaviours, at least one, none nil.
	Parts []WithdrawalBehaviour
}

// Validate reports all parameters outside their ranges; a part's errors are
// prefixed "parts.<index>".
func (p Combined) Validate() error {
	if len(p.Parts) == 0 {
		return errors.New("parts: need at least one behaviour")
	}
	var errs []error
	for i, b := range p.Parts {
		name := fmt.Sprintf("parts.%d", i)
		if b == nil {
			errs = append(errs, fmt.Errorf("%s: missing", name))
			continue
		}
		errs = append(errs, prefixError(name, b.Validate()))
	}
	return errors.Join(errs...)
}

// NewSampler returns a sampler for steps of dt years.
func (p Combined) NewSampler(dt float64) WithdrawalSampler {
	s := &combinedSampler{parts: make([]WithdrawalSampler, len(p.Parts))}
	for i, b := range p.Parts {
		s.parts[i] = b.NewSampler(dt)
	}
	return s
}

type combinedSampler struct{ parts []WithdrawalSampler }

func (s *combinedSampler) Reset(src *Source) {
	for _, p := range s.parts {
		p.Reset(src)
	}
}

func (s *combinedSampler) Next(src *Source, sig Signals) float64 {
	keep := 1.0
	for _, p := range s.parts {
		keep *= 1 - p.Next(src, sig)
	}
	return 1 - keep
}

func (s *combinedSampler) Intensity() float64 {
	var sum float64
	for _, p := range s.parts {
		sum += p.Intensity()
	}
	return sum
}
