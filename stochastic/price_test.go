package stochastic

import (
	"math"
	"testing"
	"time"
)

func TestGBMLogReturnMoments(t *testing.T) {
	const seed = 21
	g := GBM{Initial: 100, Drift: 0.3, Volatility: 0.8}
	s := g.NewSampler(dayYears)
	src := NewSource(seed, StreamPrice)
	var m, v batchStats
	for p := range 20 {
		src.Seed(seed, uint64(p), StreamPrice)
		mu, va, _ := sampleMoments(logReturns(s, src, 10000))
		m.add(mu)
		v.add(va)
	}
	got, se := m.meanSE()
	within(t, seed, "gbm mean log return", got, (g.Drift-g.Volatility*g.Volatility/2)*dayYears, se, 4)
	got, se = v.meanSE()
	within(t, seed, "gbm log return variance", got, g.Volatility*g.Volatility*dayYears, se, 4)
}

func TestMertonMoments(t *testing.T) {
	const seed = 22
	p := Merton{Initial: 100, Drift: 0.2, Volatility: 0.4, JumpIntensity: 50, JumpMean: -0.05, JumpStdDev: 0.05}
	dt := dayYears
	s := p.NewSampler(dt)
	src := NewSource(seed, StreamPrice)
	lam, m, sd := p.JumpIntensity, p.JumpMean, p.JumpStdDev
	wantMean := (p.Drift - p.Volatility*p.Volatility/2 - lam*p.JumpCompensator() + lam*m) * dt
	wantVar := (p.Volatility*p.Volatility + lam*(m*m+sd*sd)) * dt
	wantKurt := lam * dt * (m*m*m*m + 6*m*m*sd*sd + 3*sd*sd*sd*sd) / (wantVar * wantVar)
	var mb, vb, kb, eb batchStats
	for path := range 20 {
		src.Seed(seed, uint64(path), StreamPrice)
		r := logReturns(s, src, 20000)
		mu, va, ku := sampleMoments(r)
		mb.add(mu)
		vb.add(va)
		kb.add(ku)
		// Price drift: E[S(dt)/S(0)] = e^{μ·dt}, averaged over steps.
		var e float64
		for _, x := range r {
			e += math.Exp(x)
		}
		eb.add(e / float64(len(r)))
	}
	got, se := mb.meanSE()
	within(t, seed, "merton mean log return", got, wantMean, se, 4)
	got, se = vb.meanSE()
	within(t, seed, "merton log return variance", got, wantVar, se, 4)
	got, se = kb.meanSE()
	within(t, seed, "merton excess kurtosis", got, wantKurt, se, 4)
	if got <= 0 {
		t.Errorf("seed %d: excess kurtosis %v, want > 0", seed, got)
	}
	got, se = eb.meanSE()
	within(t, seed, "merton E[S(dt)/S(0)]", got, math.Exp(p.Drift*dt), se, 4)
}

// garchACF1 is the lag-1 autocorrelation of squared GARCH(1,1) returns
// (Bollerslev 1988; any innovation law with a finite fourth moment).
func garchACF1(a, b float64) float64 { return a * (1 - a*b - b*b) / (1 - 2*a*b - b*b) }

func TestGARCHVarianceAndClustering(t *testing.T) {
	const seed = 23
	p := GARCHT{Initial: 100, Interval: 24 * time.Hour, LogDrift: 0.1, Omega: 4e-5, Alpha: 0.1, Beta: 0.8, Nu: 12}
	s := p.NewSampler(dayYears)
	src := NewSource(seed, StreamPrice)
	var vb, ab batchStats
	for path := range 20 {
		src.Seed(seed, uint64(path), StreamPrice)
		r := logReturns(s, src, 40000)
		mu, va, _ := sampleMoments(r)
		vb.add(va)
		sq := make([]float64, len(r))
		for i, x := range r {
			sq[i] = (x - mu) * (x - mu)
		}
		sm, sv, _ := sampleMoments(sq)
		var c float64
		for i := 1; i < len(sq); i++ {
			c += (sq[i] - sm) * (sq[i-1] - sm)
		}
		ab.add(c / float64(len(sq)) / sv)
	}
	got, se := vb.meanSE()
	within(t, seed, "garch unconditional variance", got, p.UnconditionalVariance(), se, 4)
	got, se = ab.meanSE()
	want := garchACF1(p.Alpha, p.Beta)
	if got <= 0 {
		t.Errorf("seed %d: lag-1 autocorrelation of squared returns %v, want > 0", seed, got)
	}
	within(t, seed, "garch lag-1 ACF of squared returns", got, want, se, 4)
}

// TestGARCHStepAdaptation checks the sampler's aggregation and bridge: with
// an hourly step on a daily GARCH, every 24 steps carry a daily GARCH
// return (variance ω/(1−α−β)) and each hour a 24th of it.
func TestGARCHStepAdaptation(t *testing.T) {
	const seed = 24
	p := GARCHT{Initial: 100, Interval: 24 * time.Hour, LogDrift: 0, Omega: 4e-5, Alpha: 0.08, Beta: 0.85, Nu: 12}
	if err := p.CheckStep(7 * hourYears); err == nil {
		t.Error("CheckStep accepted 7h for a 1d interval")
	}
	for _, c := range []struct {
		name    string
		dt      float64
		perDay  float64 // steps per day
		stepVar float64
	}{
		{"hourly", hourYears, 24, p.UnconditionalVariance() / 24},
		{"two-day", 2 * dayYears, 0.5, 2 * p.UnconditionalVariance()},
	} {
		if err := p.CheckStep(c.dt); err != nil {
			t.Fatal(err)
		}
		s := p.NewSampler(c.dt)
		src := NewSource(seed, StreamPrice)
		var vb, db batchStats
		for path := range 20 {
			src.Seed(seed, uint64(path), StreamPrice)
			r := logReturns(s, src, 24000)
			_, va, _ := sampleMoments(r)
			vb.add(va)
			if c.perDay > 1 {
				k := int(c.perDay)
				daily := make([]float64, len(r)/k)
				for i := range daily {
					for _, x := range r[i*k : (i+1)*k] {
						daily[i] += x
					}
				}
				_, dv, _ := sampleMoments(daily)
				db.add(dv)
			}
		}
		got, se := vb.meanSE()
		within(t, seed, c.name+" step variance", got, c.stepVar, se, 4)
		if c.perDay > 1 {
			got, se = db.meanSE()
			within(t, seed, c.name+" daily variance", got, p.UnconditionalVariance(), se, 4)
		}
	}
}

func TestRegimeStressFraction(t *testing.T) {
	const seed = 25
	p := RegimeSwitching{
		Initial: 100, Calm: Regime{Drift: 0.1, Volatility: 0.5}, Stress: Regime{Drift: -1, Volatility: 1.5},
		CalmToStress: 6, StressToCalm: 40, Start: StartCalm,
	}
	dt := dayYears
	const steps = 60
	a, b := p.CalmToStress, p.StressToCalm
	pi := a / (a + b)
	rho := math.Exp(-(a + b) * dt)
	var want float64 // mean over steps of P(stress at step start), from calm
	for i := range steps {
		want += pi * (1 - math.Pow(rho, float64(i)))
	}
	want /= steps
	for _, start := range []RegimeStart{StartCalm, StartStationary} {
		p.Start = start
		w := want
		if start == StartStationary {
			w = pi
		}
		s := p.NewSampler(dt).(*RegimeSampler)
		src := NewSource(seed, StreamPrice)
		var fb batchStats
		for batch := range 20 {
			var stressed int
			for path := range 1000 {
				src.Seed(seed, uint64(batch*1000+path), StreamPrice)
				s.Reset(src)
				for range steps {
					if s.Stressed() {
						stressed++
					}
					s.Next(src)
				}
			}
			fb.add(float64(stressed) / (1000 * steps))
		}
		got, se := fb.meanSE()
		within(t, seed, "fraction of time in stress from "+string(start), got, w, se, 4)
	}
}

func TestBootstrapPreservesMoments(t *testing.T) {
	const seed = 26
	src := NewSource(seed, 98)
	hist := make([]float64, 500)
	for i := range hist {
		hist[i] = 0.001 + 0.03*standardT(src, 5)
	}
	wantMean, wantVar, _ := sampleMoments(hist)
	p := Bootstrap{Initial: 100, LogReturns: hist, Interval: 24 * time.Hour, BlockLength: 10}
	s := p.NewSampler(dayYears)
	var mb, vb batchStats
	for path := range 20 {
		src.Seed(seed, uint64(path), StreamPrice)
		mu, va, _ := sampleMoments(logReturns(s, src, 20000))
		mb.add(mu)
		vb.add(va)
	}
	got, se := mb.meanSE()
	within(t, seed, "bootstrap mean", got, wantMean, se, 4)
	got, se = vb.meanSE()
	within(t, seed, "bootstrap variance", got, wantVar, se, 4)

	// Blocks: consecutive returns (mod n) within a block.
	src.Seed(seed, 0, StreamPrice)
	r := logReturns(s, src, 40)
	idx := func(x float64) int {
		for i, h := range hist {
			if math.Abs(h-x) < 1e-12 {
				return i
			}
		}
		t.Fatalf("seed %d: return %v is not in the sample", seed, x)
		return -1
	}
	for blk := 0; blk < 40; blk += 10 {
		first := idx(r[blk])
		for j := 1; j < 10; j++ {
			if got := idx(r[blk+j]); got != (first+j)%len(hist) {
				t.Errorf("seed %d: block at %d: return %d is sample %d, want %d", seed, blk, j, got, (first+j)%len(hist))
			}
		}
	}

	// Hourly steps over daily returns: each day's 24 steps sum to a
	// sample return.
	s = p.NewSampler(hourYears)
	src.Seed(seed, 1, StreamPrice)
	r = logReturns(s, src, 24*30)
	for d := range 30 {
		var sum float64
		for _, x := range r[24*d : 24*d+24] {
			sum += x
		}
		idx(math.Round(sum*1e12) / 1e12)
	}
}

func TestCorrelatedAssets(t *testing.T) {
	const seed = 27
	assets := []GBM{{Initial: 100, Drift: 0, Volatility: 0.8}, {Initial: 1, Drift: 0.1, Volatility: 0.3}, {Initial: 50, Drift: -0.2, Volatility: 1.2}}
	corr := [][]float64{{1, 0.7, -0.3}, {0.7, 1, 0.1}, {-0.3, 0.1, 1}}
	p, err := NewCorrelated(assets, corr)
	if err != nil {
		t.Fatal(err)
	}
	s := p.NewSampler(dayYears)
	src := NewSource(seed, StreamPrice)
	prices := make([]float64, 3)
	prev := make([]float64, 3)
	const n = 10000
	var cb [3][3]batchStats
	var vb [3]batchStats
	for path := range 20 {
		src.Seed(seed, uint64(path), StreamPrice)
		s.Reset(src, prices)
		for i := range prices {
			if prices[i] != assets[i].Initial {
				t.Fatalf("initial price %d = %v, want %v", i, prices[i], assets[i].Initial)
			}
		}
		var x [3][]float64
		for i := range x {
			x[i] = make([]float64, n)
		}
		for k := range n {
			copy(prev, prices)
			s.Next(src, prices)
			for i := range x {
				x[i][k] = math.Log(prices[i] / prev[i])
			}
		}
		var mean, sd [3]float64
		for i := range x {
			var va float64
			mean[i], va, _ = sampleMoments(x[i])
			sd[i] = math.Sqrt(va)
			vb[i].add(va)
		}
		for i := range 3 {
			for j := i + 1; j < 3; j++ {
				var c float64
				for k := range n {
					c += (x[i][k] - mean[i]) * (x[j][k] - mean[j])
				}
				cb[i][j].add(c / n / (sd[i] * sd[j]))
			}
		}
	}
	for i := range 3 {
		got, se := vb[i].meanSE()
		within(t, seed, "asset variance", got, assets[i].Volatility*assets[i].Volatility*dayYears, se, 4)
		for j := i + 1; j < 3; j++ {
			got, se := cb[i][j].meanSE()
			within(t, seed, "correlation", got, corr[i][j], se, 4)
		}
	}

	for _, bad := range [][][]float64{
		{{1, 0.7}, {0.7, 1}},                            // wrong size
		{{1, 0.9, 0.9}, {0.9, 1, -0.9}, {0.9, -0.9, 1}}, // not positive definite
		{{1, 0.7, 0}, {0.6, 1, 0}, {0, 0, 1}},           // not symmetric
		{{2, 0, 0}, {0, 1, 0}, {0, 0, 1}},               // diagonal
		{{1, math.NaN(), 0}, {math.NaN(), 1, 0}, {0, 0, 1}},
	} {
		if _, err := NewCorrelated(assets, bad); err == nil {
			t.Errorf("NewCorrelated accepted %v", bad)
		}
	}
}

func TestScriptedHitsLevels(t *testing.T) {
	const seed = 28
	base := Merton{Initial: 100, Drift: 0, Volatility: 0.8, JumpIntensity: 20, JumpMean: -0.05, JumpStdDev: 0.1}
	p := Scripted{Base: base, Points: []ShockPoint{{At: 24 * time.Hour, Level: 0.5}, {At: 72 * time.Hour, Level: 0.8}, {At: 96 * time.Hour, Level: 0.8}}}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	dt := hourYears
	shocked, plain := p.NewSampler(dt), base.NewSampler(dt)
	a, b := NewSource(seed, StreamPrice), NewSource(seed, StreamPrice)
	if x, y := shocked.Reset(a), plain.Reset(b); x != y {
		t.Fatalf("initial %v, want base %v", x, y)
	}
	for k := 1; k <= 200; k++ {
		ratio := shocked.Next(a) / plain.Next(b)
		var want float64
		switch {
		case k <= 24:
			want = math.Exp(float64(k) / 24 * math.Log(0.5))
		case k <= 72:
			want = math.Exp(math.Log(0.5) + float64(k-24)/48*(math.Log(0.8)-math.Log(0.5)))
		default:
			want = 0.8
		}
		if math.Abs(ratio/want-1) > 1e-12 {
			t.Errorf("seed %d: step %d: level %v, want %v", seed, k, ratio, want)
		}
	}
}

func TestBridgedHitsTarget(t *testing.T) {
	const seed = 29
	base := GARCHT{Initial: 2000, Interval: time.Hour, Omega: 1e-5, Alpha: 0.1, Beta: 0.85, Nu: 4}
	p := Bridged{Base: base, At: 48 * time.Hour, Level: 0.55}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	s := p.NewSampler(hourYears)
	plain := base.NewSampler(hourYears)
	src, src2 := NewSource(seed, StreamPrice), NewSource(seed, StreamPrice)
	for path := range 50 {
		src.Seed(seed, uint64(path), StreamPrice)
		src2.Seed(seed, uint64(path), StreamPrice)
		s0 := s.Reset(src)
		plain.Reset(src2)
		var last, lastBase float64
		for k := 1; k <= 72; k++ {
			x, y := s.Next(src), plain.Next(src2)
			if k == 48 {
				if math.Abs(x/(0.55*s0)-1) > 1e-12 {
					t.Fatalf("seed %d path %d: price at the target time %v, want %v", seed, path, x, 0.55*s0)
				}
			}
			if k > 48 && math.Abs((x/last)/(y/lastBase)-1) > 1e-9 {
				t.Fatalf("seed %d path %d step %d: after the target the path must follow the base's returns", seed, path, k)
			}
			last, lastBase = x, y
		}
	}
}

func TestHistoricalReplay(t *testing.T) {
	prices := []float64{10, 11, 12, 13, 14, 15, 16, 17}
	day := 24 * time.Hour
	for _, c := range []struct {
		name string
		p    Historical
		dt   float64
		want []float64 // initial, then each step
	}{
		{"same step", Historical{Prices: prices, Interval: day}, dayYears, []float64{10, 11, 12, 13, 14, 15, 16, 17, 17, 17}},
		{"two days", Historical{Prices: prices, Interval: day}, 2 * dayYears, []float64{10, 12, 14, 16, 17}},
		{"12 hours", Historical{Prices: prices, Interval: day}, dayYears / 2, []float64{10, 10, 11, 11, 12, 12, 13}},
		{"offset", Historical{Prices: prices, Interval: day, Offset: 36 * time.Hour}, dayYears, []float64{11, 12, 13, 14}},
		{"rescaled", Historical{Prices: prices, Interval: day, Offset: 2 * day, Initial: 1}, dayYears, []float64{1, 13.0 / 12, 14.0 / 12}},
	} {
		if err := c.p.Validate(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		s := c.p.NewSampler(c.dt)
		got := []float64{s.Reset(nil)}
		for len(got) < len(c.want) {
			got = append(got, s.Next(nil))
		}
		for i := range got {
			if math.Abs(got[i]-c.want[i]) > 1e-12 {
				t.Errorf("%s: prices %v, want %v", c.name, got, c.want)
				break
			}
		}
	}
}
