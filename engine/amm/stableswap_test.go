package amm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The expected values were worked two independent ways, which agree to all
// digits shown: (1) exact integer arithmetic following Curve's 3pool
// contract (get_D, get_y, get_dy with balances in 1e18 units, Ann = A·n,
// stopping at a change of at most 1 unit, fee in 1e10 units), and (2) the
// root of the invariant Ann·S + D = Ann·D + D^(n+1)/(n^n·∏x) found to 50
// digits by a general root finder; Price by numerical differentiation of that
// root. The 3pool rows use the balances (DAI, USDC, USDT) of Curve's 3pool on
// 2022-05-12 06:44 UTC, when USDT made up 90 % of the pool, with A = 2000 and
// a 1 bp fee.
var stableSwapCases = []struct {
	name        string
	a, fee      float64
	balances    []float64
	i, j        int
	dx          float64
	d, y, dy    float64 // D, Y(i, j, x_i + dx), Dy(i, j, dx)
	price       float64 // Price(i, j)
	dyTolerance float64 // relative; dy loses digits to x_j − y
}{
	{"balanced 3-coin", 2000, 0.0001, []float64{1e8, 1e8, 1e8}, 0, 1, 1e6,
		3e8, 99000004.9979755676, 999895.002524229957, 1, 1e-11},
	{"3pool 2022-05-12 USDT→DAI", 2000, 0.0001, []float64{100984025.4, 100249101, 1839995485}, 2, 0, 1e6,
		2035874946.55460934, 100034917.369188151, 949013.120008767922, 0.949562408900511342, 1e-10},
	{"3pool 2022-05-12 DAI→USDT", 2000, 0.0001, []float64{100984025.4, 100249101, 1839995485}, 0, 2, 1e6,
		2035874946.55460934, 1838942889.41476841, 1052490.32567306262, 1.05311666787429994, 1e-9},
	{"2-coin A=100", 100, 0.0004, []float64{1e6, 3e6}, 0, 1, 5e5,
		3993431.64308851826, 2494737.67554720451, 505060.219523014369, 1.01753524119858974, 1e-11},
	{"2-coin A=1", 1, 0.0004, []float64{1e6, 3e6}, 1, 0, 1e6,
		3717778.14374248363, 588336.394296094842, 411498.940261623596, 0.545572468442075708, 1e-11},
}

func TestStableSwapReference(t *testing.T) {
	for _, c := range stableSwapCases {
		p := StableSwap{A: c.a, Fee: c.fee, Balances: c.balances}
		if err := p.Validate(); err != nil {
			t.Fatalf("%s: Validate: %v", c.name, err)
		}
		if got := p.D(); !near(got, c.d, 1e-14) {
			t.Errorf("%s: D = %.17g, want %.17g", c.name, got, c.d)
		}
		if got := p.Y(c.i, c.j, c.balances[c.i]+c.dx); !near(got, c.y, 1e-13) {
			t.Errorf("%s: Y = %.17g, want %.17g", c.name, got, c.y)
		}
		if got := p.Dy(c.i, c.j, c.dx); !near(got, c.dy, c.dyTolerance) {
			t.Errorf("%s: Dy = %.17g, want %.17g", c.name, got, c.dy)
		}
		if got := p.Price(c.i, c.j); !near(got, c.price, 1e-12) {
			t.Errorf("%s: Price = %.17g, want %.17g", c.name, got, c.price)
		}
	}
}

// StableSwap whitepaper: for equal balances the invariant is their sum,
// whatever A and n.
func TestStableSwapBalancedDIsSum(t *testing.T) {
	var buf [8]float64
	for n := 2; n <= 8; n++ {
		for _, a := range []float64{1e-6, 0.01, 1, 85, 2000, 1e6} {
			for _, x := range []float64{1e-6, 1, 3.7e8, 1e15} {
				b := buf[:n]
				for k := range b {
					b[k] = x
				}
				p := StableSwap{A: a, Balances: b}
				if got, want := p.D(), float64(n)*x; !near(got, want, 1e-14) {
					t.Errorf("n=%d A=%v x=%v: D = %v, want %v", n, a, x, got, want)
				}
				if got := p.Price(0, n-1); !near(got, 1, 1e-14) {
					t.Errorf("n=%d A=%v x=%v: Price = %v, want 1", n, a, x, got)
				}
			}
		}
	}
}

// D < S off balance, and closer to S for larger A (flatter curve).
func TestStableSwapDBelowSum(t *testing.T) {
	b := []float64{1e6, 3e6, 2e5}
	prev := 0.0
	for _, a := range []float64{0.001, 1, 10, 100, 1000, 1e5} {
		d := StableSwap{A: a, Balances: b}.D()
		if !(d > prev && d < 4.2e6) {
			t.Errorf("A=%v: D = %v, want in (%v, S = 4.2e6)", a, d, prev)
		}
		prev = d
	}
}

// randomPool draws a valid pool: 2–8 coins, balances within a factor 1e4 of
// each other, A log-uniform in [0.1, 1e5].
func randomPool(rng *rand.Rand, buf *[8]float64) StableSwap {
	n := 2 + rng.IntN(7)
	scale := math.Pow(10, 12*rng.Float64()-3)
	b := buf[:n]
	for k := range b {
		b[k] = scale * math.Pow(10, 4*rng.Float64())
	}
	return StableSwap{A: math.Pow(10, 6*rng.Float64()-1), Fee: 0.0004, Balances: b}
}

// A fee-less swap keeps D; with the fee, D grows (the fee stays in the pool).
func TestStableSwapSwapKeepsD(t *testing.T) {
	const seed = 11
	rng := rand.New(rand.NewPCG(seed, 0))
	var buf, after [8]float64
	for range 3000 {
		p := randomPool(rng, &buf)
		n := len(p.Balances)
		i, j := rng.IntN(n), rng.IntN(n-1)
		if j >= i {
			j++
		}
		dx := p.Balances[i] * math.Pow(10, 3*rng.Float64()-3) // 0.1 % to 100 % of the balance
		d0 := p.D()
		for _, fee := range []float64{0, 0.0004} {
			p.Fee = fee
			dy := p.Dy(i, j, dx)
			q := StableSwap{A: p.A, Balances: after[:n]}
			copy(q.Balances, p.Balances)
			q.Balances[i] += dx
			q.Balances[j] -= dy
			d1 := q.D()
			if fee == 0 && !near(d1, d0, 1e-11) {
				t.Fatalf("seed %d: %+v swap %v of %d for %v of %d: D %v → %v", seed, p, dx, i, dy, j, d0, d1)
			}
			if fee > 0 && !(d1 > d0) {
				t.Fatalf("seed %d: %+v swap with fee: D %v → %v, want growth", seed, p, d0, d1)
			}
		}
	}
}

// The output grows with dx at a falling rate, stays below the balance of j,
// and Y inverts consistently: Y(j, i, Y(i, j, x)) = x.
func TestStableSwapShape(t *testing.T) {
	const seed = 12
	rng := rand.New(rand.NewPCG(seed, 0))
	var buf [8]float64
	for range 500 {
		p := randomPool(rng, &buf)
		n := len(p.Balances)
		i, j := rng.IntN(n), rng.IntN(n-1)
		if j >= i {
			j++
		}
		prev, prevRate := 0.0, math.Inf(1)
		for dx := p.Balances[i] * 1e-4; dx < p.Balances[i]*1e3; dx *= 2 {
			dy := p.Dy(i, j, dx)
			rate := dy / dx
			if !(dy > prev && dy < p.Balances[j]*(1-p.Fee) && rate <= prevRate*(1+1e-9)) {
				t.Fatalf("seed %d: %+v Dy(%d, %d, %v) = %v (rate %v) after %v (rate %v)", seed, p, i, j, dx, dy, rate, prev, prevRate)
			}
			prev, prevRate = dy, rate
		}
		x := p.Balances[i] * (0.5 + rng.Float64())
		y := p.Y(i, j, x)
		if back := p.Y(j, i, y); !near(back, x, 1e-9) {
			t.Fatalf("seed %d: %+v Y(j, i, Y(i, j, %v)) = %v", seed, p, x, back)
		}
	}
}

// Price is the derivative of the fee-less output, and Price(i, j)·Price(j, i) = 1.
func TestStableSwapPriceIsDerivative(t *testing.T) {
	const seed = 13
	rng := rand.New(rand.NewPCG(seed, 0))
	var buf [8]float64
	for range 500 {
		p := randomPool(rng, &buf)
		p.Fee = 0
		n := len(p.Balances)
		i, j := rng.IntN(n), rng.IntN(n-1)
		if j >= i {
			j++
		}
		h := 1e-5 * p.Balances[i]
		xi := p.Balances[i]
		numeric := (p.Y(i, j, xi-h) - p.Y(i, j, xi+h)) / (2 * h)
		price := p.Price(i, j)
		if !near(price, numeric, 1e-6) {
			t.Fatalf("seed %d: %+v Price(%d, %d) = %v, central difference %v", seed, p, i, j, price, numeric)
		}
		if back := p.Price(j, i); !near(price*back, 1, 1e-12) {
			t.Fatalf("seed %d: %+v Price(i, j)·Price(j, i) = %v", seed, p, price*back)
		}
	}
}

// For a large A a balanced pool trades about 1:1 even for big trades, while a
// constant-product pool of the same size loses 1 − 1/(1 + 0.1) ≈ 9 %.
func TestStableSwapLargeAIsNearlyOneToOne(t *testing.T) {
	for _, n := range []int{2, 3, 4} {
		b := make([]float64, n)
		for k := range b {
			b[k] = 1e8
		}
		p := StableSwap{A: 1e4, Balances: b}
		dx := 0.1 * b[0]
		if rate := p.Dy(0, 1, dx) / dx; !(rate > 0.9999 && rate < 1) {
			t.Errorf("n=%d A=1e4: rate for a 10 %% trade = %v, want in (0.9999, 1)", n, rate)
		}
		p.A = 2000
		if rate := p.Dy(0, 1, dx) / dx; !(rate > 0.999 && rate < 1) {
			t.Errorf("n=%d A=2000: rate for a 10 %% trade = %v, want in (0.999, 1)", n, rate)
		}
	}
	if rate := AmountOut(1e7, 1e8, 1e8, 0) / 1e7; !near(rate, 1/1.1, 1e-15) {
		t.Errorf("constant product rate = %v, want 1/1.1", rate)
	}
}

// As A → 0 a 2-coin StableSwap pool becomes the constant product x·y =
// (D/2)², so its output tends to Uniswap's fee-less AmountOut and its
// slippage is far higher than for a usual A.
func TestStableSwapConstantProductLimit(t *testing.T) {
	for _, b := range [][]float64{{1e6, 1e6}, {1e6, 4e6}, {5e3, 2e2}} {
		for _, frac := range []float64{1e-3, 0.1, 1, 10} {
			dx := frac * b[0]
			cp := AmountOut(dx, b[0], b[1], 0)
			p := StableSwap{A: 1e-9, Balances: b}
			if got := p.Dy(0, 1, dx); !near(got, cp, 1e-6) {
				t.Errorf("%v A=1e-9: Dy(%v) = %v, constant product %v", b, dx, got, cp)
			}
			if got := p.Price(0, 1); !near(got, SpotPrice(b[0], b[1]), 1e-6) {
				t.Errorf("%v A=1e-9: Price = %v, constant product %v", b, got, SpotPrice(b[0], b[1]))
			}
		}
	}
	// Slippage of a 20 % trade in a balanced pool: about 17 % at A → 0
	// (1 − 1/1.2), a tiny fraction of that at A = 100.
	b := []float64{1e6, 1e6}
	dx := 2e5
	slipLow := 1 - StableSwap{A: 1e-6, Balances: b}.Dy(0, 1, dx)/dx
	slipHigh := 1 - StableSwap{A: 100, Balances: b}.Dy(0, 1, dx)/dx
	if !(slipLow > 0.16 && slipHigh > 0 && slipHigh < slipLow/50) {
		t.Errorf("slippage of a 20 %% trade: %v at A → 0, %v at A = 100; want ≈ 0.167 and < 1/50 of it", slipLow, slipHigh)
	}
}

func TestStableSwapEdgeCases(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	good := []float64{1e6, 2e6, 3e6}
	for _, c := range []struct {
		name                string
		p                   StableSwap
		i, j                int
		dx                  float64
		wantD, wantDy       float64
		wantYZero, wantYInf float64 // Y(i, j, 0) and Y(i, j, +Inf)
		wantPrice           float64
	}{
		{"i == j", StableSwap{A: 100, Balances: good}, 1, 1, 1, -1, nan, nan, nan, nan},
		{"i out of range", StableSwap{A: 100, Balances: good}, 3, 1, 1, -1, nan, nan, nan, nan},
		{"j negative", StableSwap{A: 100, Balances: good}, 0, -1, 1, -1, nan, nan, nan, nan},
		{"dx zero", StableSwap{A: 100, Balances: good}, 0, 1, 0, -1, 0, inf, 0, -1},
		{"dx negative", StableSwap{A: 100, Balances: good}, 0, 1, -5, -1, 0, inf, 0, -1},
		{"dx NaN", StableSwap{A: 100, Balances: good}, 0, 1, nan, -1, nan, inf, 0, -1},
		{"dx +Inf", StableSwap{A: 100, Fee: 0.5, Balances: good}, 0, 1, inf, -1, 1e6, inf, 0, -1},
		{"one coin", StableSwap{A: 100, Balances: []float64{5}}, 0, 0, 1, nan, nan, nan, nan, nan},
		{"no coins", StableSwap{A: 100}, 0, 1, 1, nan, nan, nan, nan, nan},
		{"A zero", StableSwap{A: 0, Balances: good}, 0, 1, 1, nan, nan, nan, nan, nan},
		{"A negative", StableSwap{A: -1, Balances: good}, 0, 1, 1, nan, nan, nan, nan, nan},
		{"A +Inf", StableSwap{A: inf, Balances: good}, 0, 1, 1, nan, nan, nan, nan, nan},
		{"A NaN", StableSwap{A: nan, Balances: good}, 0, 1, 1, nan, nan, nan, nan, nan},
		{"fee 1", StableSwap{A: 100, Fee: 1, Balances: good}, 0, 1, 1, nan, nan, nan, nan, nan},
		{"fee NaN", StableSwap{A: 100, Fee: nan, Balances: good}, 0, 1, 1, nan, nan, nan, nan, nan},
		{"negative balance", StableSwap{A: 100, Balances: []float64{1, -1}}, 0, 1, 1, nan, nan, nan, nan, nan},
		{"NaN balance", StableSwap{A: 100, Balances: []float64{1, nan}}, 0, 1, 1, nan, nan, nan, nan, nan},
		{"infinite balance", StableSwap{A: 100, Balances: []float64{1, inf}}, 0, 1, 1, nan, nan, nan, nan, nan},
		{"all balances zero", StableSwap{A: 100, Balances: []float64{0, 0}}, 0, 1, 1, 0, 0, nan, nan, nan},
		{"one balance zero", StableSwap{A: 100, Balances: []float64{0, 5, 5}}, 1, 2, 1, 0, 0, nan, nan, nan},
		{"output coin empty", StableSwap{A: 100, Balances: []float64{5, 0}}, 0, 1, 1, 0, 0, nan, nan, nan},
	} {
		p := c.p
		if got := p.D(); c.wantD != -1 && !near(got, c.wantD, 0) {
			t.Errorf("%s: D = %v, want %v", c.name, got, c.wantD)
		}
		if got := p.Dy(c.i, c.j, c.dx); !near(got, c.wantDy, 1e-15) {
			t.Errorf("%s: Dy(%d, %d, %v) = %v, want %v", c.name, c.i, c.j, c.dx, got, c.wantDy)
		}
		if got := p.Y(c.i, c.j, 0); !near(got, c.wantYZero, 0) {
			t.Errorf("%s: Y(%d, %d, 0) = %v, want %v", c.name, c.i, c.j, got, c.wantYZero)
		}
		if got := p.Y(c.i, c.j, inf); !near(got, c.wantYInf, 0) {
			t.Errorf("%s: Y(%d, %d, +Inf) = %v, want %v", c.name, c.i, c.j, got, c.wantYInf)
		}
		if got := p.Y(c.i, c.j, -1); !math.IsNaN(got) {
			t.Errorf("%s: Y(%d, %d, -1) = %v, want NaN", c.name, c.i, c.j, got)
		}
		if got := p.Price(c.i, c.j); c.wantPrice != -1 && !near(got, c.wantPrice, 0) {
			t.Errorf("%s: Price(%d, %d) = %v, want %v", c.name, c.i, c.j, got, c.wantPrice)
		}
	}
}

func TestStableSwapValidate(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	ok := StableSwap{A: 2000, Fee: 0.0004, Balances: []float64{1e6, 2e6, 3e6}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid pool: %v", err)
	}
	for _, c := range []struct {
		name string
		p    StableSwap
		want string
	}{
		{"A zero", StableSwap{A: 0, Balances: ok.Balances}, "a: must be in [1e-9, 1e6], got 0"},
		{"A NaN", StableSwap{A: nan, Balances: ok.Balances}, "a: must be in [1e-9, 1e6], got NaN"},
		{"A too small", StableSwap{A: 1e-10, Balances: ok.Balances}, "a: must be in [1e-9, 1e6], got 1e-10"},
		{"A too large", StableSwap{A: 2e6, Balances: ok.Balances}, "a: must be in [1e-9, 1e6], got 2e+06"},
		{"fee negative", StableSwap{A: 1, Fee: -0.1, Balances: ok.Balances}, "fee: must be in [0, 0.5], got -0.1"},
		{"fee Inf", StableSwap{A: 1, Fee: inf, Balances: ok.Balances}, "fee: must be in [0, 0.5], got +Inf"},
		{"one coin", StableSwap{A: 1, Balances: []float64{1}}, "balances: must hold 2 to 8 coins, got 1"},
		{"nine coins", StableSwap{A: 1, Balances: make9()}, "balances: must hold 2 to 8 coins, got 9"},
		{"zero balance", StableSwap{A: 1, Balances: []float64{1, 0}}, "balances.1: must be in [1e-6, 1e15], got 0"},
		{"NaN balance", StableSwap{A: 1, Balances: []float64{nan, 1}}, "balances.0: must be in [1e-6, 1e15], got NaN"},
		{"Inf balance", StableSwap{A: 1, Balances: []float64{1, inf}}, "balances.1: must be in [1e-6, 1e15], got +Inf"},
	} {
		err := c.p.Validate()
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: Validate() = %v, want %q", c.name, err, c.want)
		}
	}
}

func make9() []float64 {
	b := make([]float64, 9)
	for k := range b {
		b[k] = 1
	}
	return b
}

func TestStableSwapNoAlloc(t *testing.T) {
	for _, n := range []int{2, 3, 8} {
		b := make([]float64, n)
		for k := range b {
			b[k] = float64(k+1) * 1e6
		}
		p := StableSwap{A: 200, Fee: 0.0004, Balances: b}
		var sink float64
		if allocs := testing.AllocsPerRun(100, func() {
			sink += p.D() + p.Y(0, 1, 2e6) + p.Dy(1, 0, 1e5) + p.Price(0, n-1)
		}); allocs != 0 {
			t.Errorf("n=%d: allocations per run = %v, want 0", n, allocs)
		}
		if math.IsNaN(sink) {
			t.Errorf("n=%d: NaN result", n)
		}
	}
}

// FuzzStableSwap checks that every pool Validate accepts gives a finite
// positive D not above the sum of balances, and for every positive finite dx
// an output in [0, (1 − Fee)·x_j], and a finite positive Price.
func FuzzStableSwap(f *testing.F) {
	f.Add(2000.0, 0.0004, uint8(3), 1e8, 1e8, 1e8, 1e8, 1e8, 1e8, 1e8, 1e8, uint8(0), uint8(1), 1e6)
	f.Add(1.0, 0.0, uint8(2), 1e-6, 1e15, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, uint8(1), uint8(0), 1e15)
	f.Add(1e6, 0.5, uint8(8), 1e15, 1e-6, 1e-6, 1e-6, 1e-6, 1e-6, 1e-6, 1e-6, uint8(0), uint8(7), 1e-9)
	f.Add(1e-9, 0.003, uint8(5), 3.0, 7e3, 1e9, 2e2, 4.4, 1.0, 1.0, 1.0, uint8(4), uint8(2), 1e300)
	f.Add(1e-9, 0.0, uint8(6), 1e15, 1e15, 1e-6, 1.0, 1.0, 1.0, 1.0, 1.0, uint8(0), uint8(2), 1e15)
	f.Add(1e-9, 0.0, uint8(0), 1e-6, 1e15, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, uint8(1), uint8(0), 1e-6)
	f.Add(100.0, 0.0004, uint8(2), 100984025.4, 1839995485.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, uint8(1), uint8(0), 5e-324)
	f.Fuzz(func(t *testing.T, a, fee float64, n uint8, b0, b1, b2, b3, b4, b5, b6, b7 float64, i, j uint8, dx float64) {
		balances := [8]float64{b0, b1, b2, b3, b4, b5, b6, b7}
		p := StableSwap{A: a, Fee: fee, Balances: balances[:2+int(n)%7]}
		ii, jj := int(i)%len(p.Balances), int(j)%len(p.Balances)
		if p.Validate() != nil || ii == jj || !(dx > 0) || math.IsInf(dx, 0) {
			return
		}
		s := 0.0
		for _, x := range p.Balances {
			s += x
		}
		if d := p.D(); !(d > 0 && d <= s*(1+1e-12)) {
			t.Fatalf("%+v: D = %v, want in (0, %v]", p, d, s)
		}
		if dy := p.Dy(ii, jj, dx); !(dy >= 0 && dy <= p.Balances[jj]*(1-p.Fee)) {
			t.Fatalf("%+v: Dy(%d, %d, %v) = %v, want in [0, %v]", p, ii, jj, dx, dy, p.Balances[jj]*(1-p.Fee))
		}
		if price := p.Price(ii, jj); !(price > 0) || math.IsInf(price, 0) {
			t.Fatalf("%+v: Price(%d, %d) = %v, want finite > 0", p, ii, jj, price)
		}
		if y := p.Y(ii, jj, p.Balances[ii]+dx); !(y >= 0) || math.IsInf(y, 0) {
			t.Fatalf("%+v: Y(%d, %d, %v) = %v, want finite ≥ 0", p, ii, jj, p.Balances[ii]+dx, y)
		}
	})
}

// A deterministic sweep of the whole domain Validate accepts (the fuzz test
// explores it further with -fuzz): A from 1e-9 to 1e6, 2 to 8 coins with
// balances from 1e-6 to 1e15 each, trades from 1e-9 to 1e18.
func TestStableSwapValidDomain(t *testing.T) {
	const seed = 14
	rng := rand.New(rand.NewPCG(seed, 0))
	logUniform := func(lo, hi float64) float64 { return math.Pow(10, lo+(hi-lo)*rng.Float64()) }
	var buf [8]float64
	for range 20000 {
		n := 2 + rng.IntN(7)
		p := StableSwap{A: logUniform(-9, 6), Fee: 0.0004, Balances: buf[:n]}
		s := 0.0
		for k := range p.Balances {
			p.Balances[k] = logUniform(-6, 15)
			s += p.Balances[k]
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("seed %d: %+v: %v", seed, p, err)
		}
		i, j := rng.IntN(n), rng.IntN(n-1)
		if j >= i {
			j++
		}
		dx := logUniform(-9, 18)
		d, dy, price := p.D(), p.Dy(i, j, dx), p.Price(i, j)
		if !(d > 0 && d <= s*(1+1e-12)) || !(dy >= 0 && dy <= p.Balances[j]) || !(price > 0) || math.IsInf(price, 0) {
			t.Fatalf("seed %d: %+v: D = %v (sum %v), Dy(%d, %d, %v) = %v, Price = %v", seed, p, d, s, i, j, dx, dy, price)
		}
	}
}

func BenchmarkStableSwapDy(b *testing.B) {
	for _, c := range []struct {
		name     string
		balances []float64
	}{
		{"3pool-balanced", []float64{1e8, 1e8, 1e8}},
		{"3pool-2022-05-12", []float64{100984025.4, 100249101, 1839995485}},
		{"8-coins", []float64{1, 2, 3, 4, 5, 6, 7, 8}},
	} {
		p := StableSwap{A: 2000, Fee: 0.0001, Balances: c.balances}
		b.Run(c.name, func(b *testing.B) {
			var sink float64
			for b.Loop() {
				sink += p.Dy(0, 1, 1e-3*p.Balances[0])
			}
			_ = sink
		})
	}
}
