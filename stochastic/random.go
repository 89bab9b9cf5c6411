package stochastic

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// This file holds the variate generators the samplers share. They draw only
// from the Source they are given and never allocate.

// poisson returns a Poisson variate with the given mean (≥ 0). Small means
// use inversion by sequential search; means of 10 or more use Hörmann's
// transformed rejection with squeeze (PTRS, 1993).
func poisson(src *Source, mean float64) int {
	return poissonExp(src, mean, math.Exp(-mean))
}

// poissonExp is poisson for a caller that knows expNegMean = math.Exp(-mean)
// (a sampler with a fixed mean computes it once).
func poissonExp(src *Source, mean, expNegMean float64) int {
	if !(mean > 0) {
		return 0
	}
	if mean < 10 {
		p := expNegMean
		cdf := p
		u := src.Float64()
		k := 0
		for u > cdf {
			k++
			p *= mean / float64(k)
			cdf += p
			if p == 0 && cdf < u { // rounding left a gap above the last term
				break
			}
		}
		return k
	}
	logMean := math.Log(mean)
	b := 0.931 + 2.53*math.Sqrt(mean)
	a := -0.059 + 0.02483*b
	invAlpha := 1.1239 + 1.1328/(b-3.4)
	vr := 0.9277 - 3.6224/(b-2)
	for {
		u := src.Float64() - 0.5
		v := src.Float64()
		us := 0.5 - math.Abs(u)
		k := math.Floor((2*a/us+b)*u + mean + 0.43)
		if us >= 0.07 && v <= vr {
			return int(k)
		}
		if k < 0 || (us < 0.013 && v > us) {
			continue
		}
		lg, _ := math.Lgamma(k + 1)
		if math.Log(v)+math.Log(invAlpha)-math.Log(a/(us*us)+b) <= -mean+k*logMean-lg {
			return int(k)
		}
	}
}

// gamma returns a Gamma(shape, 1) variate for shape ≥ 1 (Marsaglia and
// Tsang, 2000).
func gamma(src *Source, shape float64) float64 {
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := src.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := src.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

// standardT returns a Student-t variate with nu > 2 degrees of freedom scaled
// to unit variance: Z/√(χ²_ν/ν)·√((ν−2)/ν) = Z·√((ν−2)/χ²_ν).
func standardT(src *Source, nu float64) float64 {
	z := src.NormFloat64()
	chi2 := 2 * gamma(src, nu/2)
	return z * math.Sqrt((nu-2)/chi2)
}

// inRange reports whether lo ≤ x ≤ hi (false for NaN).
func inRange(x, lo, hi float64) bool { return x >= lo && x <= hi }

// finitePositive reports whether x is finite and > 0.
func finitePositive(x float64) bool { return x > 0 && !math.IsInf(x, 1) }

// prefixError puts path in front of the field named by every leaf of err,
// following the validation convention "snake_case.path: message" (the same
// rule as engine/internal/field.Prefix, which this leaf package cannot
// import).
func prefixError(path string, err error) error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, prefixError(path, e))
		}
		return errors.Join(out...)
	}
	msg := err.Error()
	if named(msg) {
		return &pathError{msg: path + "." + msg, err: err}
	}
	return &pathError{msg: path + ": " + msg, err: err}
}

type pathError struct {
	msg string
	err error
}

func (e *pathError) Error() string { return e.msg }
func (e *pathError) Unwrap() error { return e.err }

// named reports whether msg starts with "snake_case.path: ".
func named(msg string) bool {
	i := strings.Index(msg, ": ")
	if i <= 0 {
		return false
	}
	for _, c := range msg[:i] {
		if !(c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// rangeError formats the common "name: must be …, got v" message.
func rangeError(name, want string, got any) error {
	return fmt.Errorf("%s: must be %s, got %v", name, want, got)
}
