package stochastic

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// Fit is a maximum-likelihood fit of a price process to a series of log
// returns.
type Fit struct {
	// Model is the scenario's model name: "gbm", "merton" or "garch_t".
	Model string
	// Series names the data (e.g. the file name).
	Series string
	// Names are the parameters in the snake_case of the Go fields, in the
	// order of Estimates: rates and volatilities are annual; the GARCH
	// variance parameters are per Step.
	Names []string
	// Estimates are the maximum-likelihood estimates.
	Estimates []float64
	// StdErrors are their standard errors from the inverse of the
	// numerically differentiated Hessian of the negative log-likelihood at
	// the optimum (in the optimiser's transformed parameters, carried over
	// by the delta method); NaN when the Hessian is not positive definite.
	StdErrors []float64
	// Covariance is the estimates' covariance matrix (the inverse Hessian),
	// nil when unavailable.
	Covariance [][]float64
	// LogLikelihood is the maximised log-likelihood of the returns.
	LogLikelihood float64
	// AIC is 2k − 2·LogLikelihood for the k parameters the optimiser
	// estimated (one fewer than Names with GARCH variance targeting).
	AIC float64
	// N is the number of log returns fitted.
	N int
	// Step is the time between observations (the detected step).
	Step time.Duration
	// Irregularity describes the series' spacing (see
	// [PriceSeries.Irregularity]); each spacing counts as one Step.
	Irregularity string
	// LastPrice is the series' last price, the initial price of the
	// rendered process.
	LastPrice float64
	// Notes are warnings about the fit (e.g. a singular Hessian).
	Notes []string
}

// Param returns the estimate and standard error of the named parameter.
func (f Fit) Param(name string) (estimate, stdErr float64, ok bool) {
	for i, n := range f.Names {
		if n == name {
			return f.Estimates[i], f.StdErrors[i], true
		}
	}
	return 0, 0, false
}

func (f Fit) get(name string) float64 {
	v, _, ok := f.Param(name)
	if !ok {
		panic("stochastic: fit has no parameter " + name)
	}
	return v
}

// Process returns the fitted process starting at initial (USD).
func (f Fit) Process(initial float64) (PriceProcess, error) {
	switch f.Model {
	case "gbm":
		return GBM{Initial: initial, Drift: f.get("drift"), Volatility: f.get("volatility")}, nil
	case "merton":
		return Merton{Initial: initial, Drift: f.get("drift"), Volatility: f.get("volatility"),
			JumpIntensity: f.get("jump_intensity"), JumpMean: f.get("jump_mean"), JumpStdDev: f.get("jump_std_dev")}, nil
	case "garch_t":
		return GARCHT{Initial: initial, Interval: f.Step, LogDrift: f.get("log_drift"), Omega: f.get("omega"),
			Alpha: f.get("alpha"), Beta: f.get("beta"), Nu: f.get("nu")}, nil
	}
	return nil, fmt.Errorf("unknown model %q", f.Model)
}

// YAML renders the fit as a snippet to paste under `market: price:` in a
// scenario, each line prefixed by indent: the model, `initial` (the
// series' last price), the estimates under the Go fields' snake_case names
// (and `interval` for GARCH-t), with the standard errors and the fit's
// provenance as comments.
func (f Fit) YAML(indent string) string { return f.YAMLDigits(indent, 6) }

// YAMLDigits is [Fit.YAML] with the initial price and the estimates written
// with digits significant digits, in [1, 17]; 17 writes every float64
// exactly, with the fewest digits that read back as the same number
// (2620.87, not 2620.8699999999999). Standard errors keep 6.
func (f Fit) YAMLDigits(indent string, digits int) string {
	digits = min(max(digits, 1), 17)
	if digits == 17 {
		digits = -1 // shortest exact
	}
	value := func(x float64) string { return strconv.FormatFloat(x, 'g', digits, 64) }
	var b strings.Builder
	line := func(key, value, comment string) {
		fmt.Fprintf(&b, "%s%-15s %-14s # %s\n", indent, key+":", value, comment)
	}
	line("model", f.Model, fmt.Sprintf("fitted to %s: %d log returns at %s, log-likelihood %.6g, AIC %.6g",
		f.Series, f.N, formatDuration(f.Step), f.LogLikelihood, f.AIC))
	line("initial", value(f.LastPrice), "last price of the series, USD")
	if f.Model == "garch_t" {
		line("interval", formatDuration(f.Step), "the omega/alpha/beta below are per interval")
	}
	for i, n := range f.Names {
		line(n, value(f.Estimates[i]), "± "+num(f.StdErrors[i])+" (1 SE)")
	}
	for _, n := range f.Notes {
		fmt.Fprintf(&b, "%s# note: %s\n", indent, n)
	}
	return b.String()
}

// String is a one-fit summary table.
func (f Fit) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s fit to %s: n=%d step=%s (%s) logL=%.6g AIC=%.6g\n", f.Model, f.Series, f.N, formatDuration(f.Step), f.Irregularity, f.LogLikelihood, f.AIC)
	for i, n := range f.Names {
		fmt.Fprintf(&b, "  %-15s %12.6g ± %.3g\n", n, f.Estimates[i], f.StdErrors[i])
	}
	for _, n := range f.Notes {
		fmt.Fprintf(&b, "  note: %s\n", n)
	}
	return b.String()
}

func num(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }

// formatDuration writes d as the scenario files do: "1d", "4h", "90m", "30s".
func formatDuration(d time.Duration) string {
	switch {
	case d > 0 && d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d > 0 && d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d > 0 && d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d > 0 && d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return d.String()
}

// mle is one maximum-likelihood problem. The optimiser works in
// transformed parameters θ (log for positive parameters, logistic for
// probabilities, returns scaled by their standard deviation) so that every
// θ is valid; the standard errors come from the Hessian in the reported
// parameters.
type mle struct {
	names []string
	// nll is the negative log-likelihood in the reported parameters, +Inf
	// where they are invalid.
	nll func(p []float64) float64
	// fromTheta maps θ to the reported parameters.
	fromTheta func(dst, theta []float64)
	// objective, if set, is the negative log-likelihood in θ with its
	// gradient (written into grad when grad is not nil); each start is then
	// minimised by BFGS alone.
	objective func(grad, theta []float64) float64
	starts    [][]float64
}

// solve minimises the negative log-likelihood from every start with
// Nelder-Mead, polishes the best optimum with BFGS (finite-difference
// gradient), and computes standard errors from the inverse of the Hessian
// of the negative log-likelihood in the reported parameters, differentiated
// numerically with steps relative to each estimate.
func (m mle) solve(model string, r []float64, step time.Duration) (Fit, error) {
	np := len(m.names)
	buf := make([]float64, np)
	f := func(th []float64) float64 {
		m.fromTheta(buf, th)
		v := m.nll(buf)
		if math.IsNaN(v) {
			return math.Inf(1)
		}
		return v
	}
	var best []float64
	bestVal := math.Inf(1)
	for _, x0 := range m.starts {
		if math.IsInf(f(x0), 1) {
			continue
		}
		if m.objective != nil {
			p := optimize.Problem{
				Func: func(x []float64) float64 { return m.objective(nil, x) },
				Grad: func(g, x []float64) { m.objective(g, x) },
			}
			res, _ := optimize.Minimize(p, x0, &optimize.Settings{MajorIterations: 500}, &optimize.BFGS{})
			if res != nil && res.F < bestVal {
				best, bestVal = append([]float64(nil), res.X...), res.F
			}
			continue
		}
		res, err := optimize.Minimize(optimize.Problem{Func: f}, x0,
			&optimize.Settings{FuncEvaluations: 1000 * len(x0), Converger: &optimize.FunctionConverge{Absolute: 1e-7, Iterations: 100}},
			&optimize.NelderMead{})
		if res == nil || err != nil && math.IsInf(res.F, 0) {
			continue
		}
		if res.F < bestVal {
			best, bestVal = append([]float64(nil), res.X...), res.F
		}
	}
	if best == nil {
		return Fit{}, errors.New("the likelihood could not be maximised from any starting point")
	}
	if m.objective == nil {
		grad := func(g, x []float64) { fd.Gradient(g, f, x, &fd.Settings{Formula: fd.Central, Step: 1e-6}) }
		if res, _ := optimize.Minimize(optimize.Problem{Func: f, Grad: grad}, best, &optimize.Settings{MajorIterations: 200}, &optimize.BFGS{}); res != nil && res.F < bestVal {
			best = res.X
		}
	}
	bestVal = f(best) // the objective at the reported estimates, whichever optimiser found them
	fit := Fit{
		Model: model, Names: m.names, N: len(r), Step: step,
		Estimates: make([]float64, np), StdErrors: make([]float64, np),
		LogLikelihood: -bestVal, AIC: 2*float64(np) + 2*bestVal,
	}
	m.fromTheta(fit.Estimates, best)

	// Hessian of u ↦ nll(est + D·u) at u = 0 with D = diag(scale); then
	// Cov = D·H⁻¹·D. A parameter's scale is the larger of its size and its
	// sensitivity to its own transformed parameter (so that estimates near
	// 0 still get a sensible difference step).
	scale := make([]float64, np)
	up, down := make([]float64, np), make([]float64, np)
	th := append([]float64(nil), best...)
	for i, x := range fit.Estimates {
		th[i] = best[i] + 1e-4
		m.fromTheta(up, th)
		th[i] = best[i] - 1e-4
		m.fromTheta(down, th)
		th[i] = best[i]
		scale[i] = math.Max(math.Abs(x), math.Abs(up[i]-down[i])/2e-4)
		if !(scale[i] > 0) {
			scale[i] = 1e-8
		}
	}
	g := func(u []float64) float64 {
		for i := range buf {
			buf[i] = fit.Estimates[i] + scale[i]*u[i]
		}
		return m.nll(buf)
	}
	var h mat.SymDense
	fd.Hessian(&h, g, make([]float64, np), &fd.Settings{Formula: fd.Central, Step: 1e-4})
	var chol mat.Cholesky
	if !chol.Factorize(&h) {
		for i := range fit.StdErrors {
			fit.StdErrors[i] = math.NaN()
		}
		fit.Notes = append(fit.Notes, "the Hessian of the negative log-likelihood is not positive definite at the optimum: standard errors unavailable (a parameter may be at a boundary or not identified)")
		return fit, nil
	}
	var cov mat.SymDense
	if err := chol.InverseTo(&cov); err != nil {
		return Fit{}, err
	}
	fit.Covariance = make([][]float64, np)
	for i := range np {
		fit.Covariance[i] = make([]float64, np)
		for j := range np {
			fit.Covariance[i][j] = scale[i] * scale[j] * cov.At(i, j)
		}
		fit.StdErrors[i] = math.Sqrt(fit.Covariance[i][i])
	}
	return fit, nil
}

func moments(r []float64) (mean, variance float64) {
	for _, x := range r {
		mean += x
	}
	mean /= float64(len(r))
	for _, x := range r {
		variance += (x - mean) * (x - mean)
	}
	return mean, variance / float64(len(r))
}

func checkReturns(r []float64, step time.Duration) error {
	if len(r) < MinPriceRows-1 {
		return fmt.Errorf("need at least %d log returns, got %d", MinPriceRows-1, len(r))
	}
	if step <= 0 {
		return fmt.Errorf("step must be > 0, got %v", step)
	}
	for i, x := range r {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("log return %d is %v", i, x)
		}
	}
	if _, v := moments(r); !(v > 0) {
		return errors.New("log returns have zero variance")
	}
	return nil
}

func fitSeries(s PriceSeries, fit func([]float64, time.Duration) (Fit, error)) (Fit, error) {
	f, err := fit(s.LogReturns(), s.Step)
	if err != nil {
		return Fit{}, fmt.Errorf("%s: %w", s.Name, err)
	}
	f.Series, f.Irregularity, f.LastPrice = s.Name, s.Irregularity(), s.Prices[len(s.Prices)-1]
	return f, nil
}

// FitGBM fits [GBM] to the series' log returns.
func FitGBM(s PriceSeries) (Fit, error) { return fitSeries(s, FitGBMReturns) }

// FitMerton fits [Merton] to the series' log returns.
func FitMerton(s PriceSeries) (Fit, error) { return fitSeries(s, FitMertonReturns) }

// FitGARCHT fits [GARCHT] to the series' log returns, with Interval = the
// series' step.
func FitGARCHT(s PriceSeries) (Fit, error) { return fitSeries(s, FitGARCHTReturns) }

const halfLog2Pi = 0.91893853320467274178 // ½·log(2π)

// FitGBMReturns fits [GBM] to log returns observed every step: they are
// i.i.d. Normal((μ − σ²/2)Δ, σ²Δ) with Δ = step in years. Parameters:
// drift, volatility.
func FitGBMReturns(r []float64, step time.Duration) (Fit, error) {
	if err := checkReturns(r, step); err != nil {
		return Fit{}, err
	}
	mean0, var0 := moments(r)
	sd0, dt := math.Sqrt(var0), Years(step)
	m := mle{
		names: []string{"drift", "volatility"},
		nll: func(p []float64) float64 {
			mu, sigma := p[0], p[1]
			if !(sigma > 0) {
				return math.Inf(1)
			}
			mean, sd := (mu-sigma*sigma/2)*dt, sigma*math.Sqrt(dt)
			var ss float64
			for _, x := range r {
				ss += (x - mean) * (x - mean)
			}
			return float64(len(r))*(halfLog2Pi+math.Log(sd)) + ss/(2*sd*sd)
		},
		fromTheta: func(dst, th []float64) {
			sigma := math.Exp(th[1]) * sd0 / math.Sqrt(dt)
			dst[0] = th[0]*sd0/dt + sigma*sigma/2
			dst[1] = sigma
		},
		starts: [][]float64{{mean0 / sd0, 0}},
	}
	return m.solve("gbm", r, step)
}

// FitMertonReturns fits [Merton] to log returns observed every step, with
// the exact density of a step's log return: a Poisson(λΔ) mixture over the
// number of jumps n of Normal((μ − σ²/2 − λk)Δ + n·m, σ²Δ + n·s²). It
// starts from several points and keeps the best optimum. Parameters: drift,
// volatility, jump_intensity, jump_mean, jump_std_dev.
func FitMertonReturns(r []float64, step time.Duration) (Fit, error) {
	if err := checkReturns(r, step); err != nil {
		return Fit{}, err
	}
	mean0, var0 := moments(r)
	sd0, dt := math.Sqrt(var0), Years(step)
	const maxJumps = 64
	var logW, mu, inv2v [maxJumps + 1]float64
	var logTerms [maxJumps + 1]float64
	m := mle{
		names: []string{"drift", "volatility", "jump_intensity", "jump_mean", "jump_std_dev"},
		nll: func(p []float64) float64 {
			sigma, lam, jm, js := p[1], p[2]*dt, p[3], p[4]
			sig := sigma * math.Sqrt(dt)
			if !(sig >= 1e-3*sd0) || !(lam >= 0 && lam <= 20) || !(js >= 0 && js <= 50*sd0) || !(math.Abs(jm) <= 50*sd0) {
				return math.Inf(1)
			}
			m0 := (p[0] - sigma*sigma/2 - p[2]*math.Expm1(jm+js*js/2)) * dt
			nMax := 0
			if lam > 0 {
				nMax = min(maxJumps, int(lam+7*math.Sqrt(lam)+7))
			}
			logLam := math.Log(lam)
			for n := 0; n <= nMax; n++ {
				fn := float64(n)
				v := sig*sig + fn*js*js
				lg, _ := math.Lgamma(fn + 1)
				logW[n] = -lam - lg - halfLog2Pi - 0.5*math.Log(v)
				if n > 0 {
					logW[n] += fn * logLam
				}
				mu[n] = m0 + fn*jm
				inv2v[n] = 1 / (2 * v)
			}
			var nll float64
			for _, x := range r {
				top := math.Inf(-1)
				for n := 0; n <= nMax; n++ {
					d := x - mu[n]
					logTerms[n] = logW[n] - d*d*inv2v[n]
					top = max(top, logTerms[n])
				}
				var sum float64
				for n := 0; n <= nMax; n++ {
					sum += math.Exp(logTerms[n] - top)
				}
				nll -= top + math.Log(sum)
			}
			return nll
		},
		fromTheta: func(dst, th []float64) {
			sigma := math.Exp(th[1]) * sd0 / math.Sqrt(dt)
			lam := math.Exp(th[2]) / dt
			jm, js := th[3]*sd0, math.Exp(th[4])*sd0
			dst[0] = th[0]*sd0/dt + sigma*sigma/2 + lam*math.Expm1(jm+js*js/2)
			dst[1], dst[2], dst[3], dst[4] = sigma, lam, jm, js
		},
	}
	// The optimiser's objective works in per-step parameters θ = (m0/sd,
	// log(σ√Δ/sd), log(λΔ), m/sd, log(s/sd)), m0 the mean of a step without
	// jumps, with the analytic gradient: for each return, the posterior
	// weight of n jumps times the gradient of that component's log density.
	var post [maxJumps + 1]float64
	m.objective = func(grad, th []float64) float64 {
		m0, sig, lam, jm, js := th[0]*sd0, math.Exp(th[1])*sd0, math.Exp(th[2]), th[3]*sd0, math.Exp(th[4])*sd0
		if !(sig >= 1e-3*sd0) || !(lam <= 20) || !(js <= 50*sd0) || !(math.Abs(jm) <= 50*sd0) {
			clear(grad)
			return math.Inf(1)
		}
		nMax := min(maxJumps, int(lam+7*math.Sqrt(lam)+7))
		logLam := math.Log(lam)
		for n := 0; n <= nMax; n++ {
			fn := float64(n)
			v := sig*sig + fn*js*js
			lg, _ := math.Lgamma(fn + 1)
			logW[n] = -lam + fn*logLam - lg - halfLog2Pi - 0.5*math.Log(v)
			mu[n] = m0 + fn*jm
			inv2v[n] = 1 / (2 * v)
		}
		var nll, dm0, dsig, dlam, djm, djs float64
		for _, x := range r {
			top := math.Inf(-1)
			for n := 0; n <= nMax; n++ {
				d := x - mu[n]
				logTerms[n] = logW[n] - d*d*inv2v[n]
				top = max(top, logTerms[n])
			}
			var sum float64
			for n := 0; n <= nMax; n++ {
				post[n] = math.Exp(logTerms[n] - top)
				sum += post[n]
			}
			nll -= top + math.Log(sum)
			if grad == nil {
				continue
			}
			for n := 0; n <= nMax; n++ {
				w, fn := post[n]/sum, float64(n)
				d := x - mu[n]
				z := 2 * d * inv2v[n] // (x − μ_n)/v_n
				dv := -inv2v[n] + z*z/2
				dm0 += w * z
				djm += w * fn * z
				dlam += w * (fn/lam - 1)
				dsig += w * dv * 2 * sig
				djs += w * dv * 2 * fn * js
			}
		}
		if grad != nil {
			grad[0], grad[1], grad[2], grad[3], grad[4] = -dm0*sd0, -dsig*sig, -dlam*lam, -djm*sd0, -djs*js
		}
		return nll
	}
	z := mean0 / sd0
	for _, s := range []struct{ sig, lam, jm, js float64 }{
		{0.8, 0.02, -2, 3}, {0.7, 0.1, 0, 2.5}, {0.6, 0.3, 0, 1.5}, {0.9, 0.05, -1, 4}, {0.5, 1, 0, 1},
	} {
		m.starts = append(m.starts, []float64{z, math.Log(s.sig), math.Log(s.lam), s.jm, math.Log(s.js)})
	}
	return m.solve("merton", r, step)
}

// FitGARCHTReturns fits [GARCHT] (Interval = step) to log returns observed
// every step by the exact conditional likelihood, the variance recursion
// starting at the sample variance; the optimiser keeps α + β < 1.
// Parameters: log_drift (annual), omega (per step), alpha, beta, nu.
//
// When the free fit is near-integrated (α + β > [MaxGARCHPersistence]), its
// unconditional variance ω/(1 − α − β), at which the sampler starts every
// path, is meaningless; the fit is then redone with variance targeting
// (ω = sample variance·(1 − α − β), so the unconditional variance is the
// sample's; omega's standard error by the delta method, ignoring the
// sampling error of the sample variance) and a note says so.
func FitGARCHTReturns(r []float64, step time.Duration) (Fit, error) {
	if err := checkReturns(r, step); err != nil {
		return Fit{}, err
	}
	free, err := fitGARCHT(r, step, false)
	if err != nil {
		return Fit{}, err
	}
	a, b := free.get("alpha"), free.get("beta")
	if a+b <= MaxGARCHPersistence {
		return free, nil
	}
	target, err := fitGARCHT(r, step, true)
	if err != nil {
		return free, nil
	}
	target.Notes = append(target.Notes, fmt.Sprintf(
		"variance targeting: the free fit is near-integrated (alpha + beta = %.7f > %v, log-likelihood %.6g); omega = sample variance·(1 − alpha − beta) instead (log-likelihood %.6g)",
		a+b, MaxGARCHPersistence, free.LogLikelihood, target.LogLikelihood))
	return target, nil
}

// MaxGARCHPersistence is the α + β above which [FitGARCHTReturns] switches
// to variance targeting.
const MaxGARCHPersistence = 0.995

func fitGARCHT(r []float64, step time.Duration, targeting bool) (Fit, error) {
	mean0, var0 := moments(r)
	sd0, dt := math.Sqrt(var0), Years(step)
	logistic := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	// Parameters p: log_drift, omega, alpha, beta, nu; with targeting omega
	// is left out of p and derived.
	unpack := func(p []float64) (c, omega, alpha, beta, nu float64) {
		if targeting {
			return p[0] * dt, var0 * (1 - p[1] - p[2]), p[1], p[2], p[3]
		}
		return p[0] * dt, p[1], p[2], p[3], p[4]
	}
	m := mle{
		names: []string{"log_drift", "omega", "alpha", "beta", "nu"},
		nll: func(p []float64) float64 {
			c, omega, alpha, beta, nu := unpack(p)
			if !(omega > 0) || !(alpha >= 0) || !(beta >= 0) || !(nu > 2 && nu <= 1000) {
				return math.Inf(1)
			}
			lg1, _ := math.Lgamma((nu + 1) / 2)
			lg2, _ := math.Lgamma(nu / 2)
			konst := lg1 - lg2 - 0.5*math.Log(math.Pi*(nu-2))
			h := var0
			var nll float64
			for _, x := range r {
				e := x - c
				nll -= konst - 0.5*math.Log(h) - (nu+1)/2*math.Log1p(e*e/((nu-2)*h))
				h = omega + alpha*e*e + beta*h
			}
			return nll
		},
		fromTheta: func(dst, th []float64) {
			p, s := logistic(th[2]), logistic(th[3])
			dst[0] = th[0] * sd0 / dt
			if targeting {
				dst[1], dst[2], dst[3] = p*s, p*(1-s), 2+math.Exp(th[4])
				return
			}
			dst[1] = math.Exp(th[1]) * var0
			dst[2], dst[3] = p*s, p*(1-s)
			dst[4] = 2 + math.Exp(th[4])
		},
	}
	if targeting {
		m.names = []string{"log_drift", "alpha", "beta", "nu"}
		f := m.fromTheta
		// θ keeps five slots (θ1 unused) so the starts are shared.
		m.fromTheta = func(dst, th []float64) {
			var full [5]float64
			full[0], full[1], full[2], full[3], full[4] = th[0], 0, th[1], th[2], th[3]
			f(dst, full[:])
		}
	}
	logit := func(p float64) float64 { return math.Log(p / (1 - p)) }
	for _, s := range []struct{ persist, share, nu float64 }{{0.95, 0.1, 5}, {0.9, 0.15, 8}, {0.98, 0.05, 4}} {
		th := []float64{mean0 / sd0, math.Log(1 - s.persist), logit(s.persist), logit(s.share), math.Log(s.nu - 2)}
		if targeting {
			th = append(th[:1], th[2:]...)
		}
		m.starts = append(m.starts, th)
	}
	fit, err := m.solve("garch_t", r, step)
	if err != nil || !targeting {
		if err == nil {
			if a, b := fit.get("alpha"), fit.get("beta"); a+b > 0.999 {
				fit.Notes = append(fit.Notes, fmt.Sprintf("alpha + beta = %.7f is at the stationarity boundary (integrated GARCH): the unconditional variance omega/(1-alpha-beta) is poorly determined", a+b))
			}
		}
		return fit, err
	}
	// Insert omega = var0·(1 − α − β) after log_drift.
	a, b := fit.Estimates[1], fit.Estimates[2]
	omega := var0 * (1 - a - b)
	seOmega := math.NaN()
	if c := fit.Covariance; c != nil {
		seOmega = var0 * math.Sqrt(c[1][1]+c[2][2]+2*c[1][2])
	}
	fit.Names = []string{"log_drift", "omega", "alpha", "beta", "nu"}
	fit.Estimates = []float64{fit.Estimates[0], omega, a, b, fit.Estimates[3]}
	fit.StdErrors = []float64{fit.StdErrors[0], seOmega, fit.StdErrors[1], fit.StdErrors[2], fit.StdErrors[3]}
	fit.Covariance = nil
	return fit, nil
}
