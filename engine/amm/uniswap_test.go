package amm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// near reports whether got is within rel·|want| of want (or both are NaN, or
// both the same infinity).
func near(got, want, rel float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	if math.IsInf(want, 0) {
		return got == want
	}
	return math.Abs(got-want) <= rel*math.Abs(want)
}

// The expected amounts were worked in exact integer arithmetic with Uniswap
// v2's formulas (UniswapV2Library.getAmountOut and getAmountIn: fee as
// 997/1000, amounts in wei of 18-decimal tokens, quotients rounded down, +1
// wei for getAmountIn) and converted back to tokens. The contract's rounding
// is at most 2 wei, far inside the tolerance.
func TestAmountOutUniswapV2(t *testing.T) {
	const fee = 0.003
	for _, c := range []struct {
		in, reserveIn, reserveOut, want float64
	}{
		{1, 100, 100, 0.987158034397061298},
		{10, 1000, 2e6, 19743.160687941225977},    // 1 % of an ETH/DAI pool's ETH side
		{5000, 1e6, 1e6, 4960.273038901078125},    // 0.5 % of a 1M/1M pool
		{1e6, 1000, 1000, 998.997995991983967935}, // swamping the pool
		{0.001, 1e9, 3e9, 0.002990999999997017},   // tiny trade: spot price·(1 − fee)
	} {
		got := AmountOut(c.in, c.reserveIn, c.reserveOut, fee)
		if !near(got, c.want, 1e-13) {
			t.Errorf("AmountOut(%v, %v, %v, %v) = %.17g, want %.17g", c.in, c.reserveIn, c.reserveOut, fee, got, c.want)
		}
	}
}

func TestAmountInUniswapV2(t *testing.T) {
	const fee = 0.003
	for _, c := range []struct {
		out, reserveIn, reserveOut, want float64
	}{
		{1, 100, 100, 1.013140431395195689},
		{19743.16, 1000, 2e6, 9.999999648080664115},
		{999, 1000, 1000, 1002006.018054162487}, // 99.9 % of the output side
	} {
		got := AmountIn(c.out, c.reserveIn, c.reserveOut, fee)
		if !near(got, c.want, 1e-13) {
			t.Errorf("AmountIn(%v, %v, %v, %v) = %.17g, want %.17g", c.out, c.reserveIn, c.reserveOut, fee, got, c.want)
		}
	}
}

// Fee-less, the constant product is kept exactly; with a fee it grows.
func TestAmountOutConstantProduct(t *testing.T) {
	for _, c := range []struct{ in, reserveIn, reserveOut, fee float64 }{
		{1, 100, 100, 0}, {50, 100, 400, 0}, {1e-3, 1e6, 2e6, 0}, {1e7, 1e3, 1e3, 0},
		{1, 100, 100, 0.003}, {50, 100, 400, 0.01}, {1e7, 1e3, 1e3, 0.003},
	} {
		out := AmountOut(c.in, c.reserveIn, c.reserveOut, c.fee)
		k0 := c.reserveIn * c.reserveOut
		k1 := (c.reserveIn + c.in) * (c.reserveOut - out)
		if c.fee == 0 && !near(k1, k0, 1e-12) {
			t.Errorf("%+v: fee-less k %v → %v, want unchanged", c, k0, k1)
		}
		if c.fee > 0 && !(k1 > k0) {
			t.Errorf("%+v: k %v → %v, want it to grow with the fee", c, k0, k1)
		}
		if !(out > 0 && out < c.reserveOut) {
			t.Errorf("%+v: out %v, want in (0, reserveOut)", c, out)
		}
	}
}

func TestAmountRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for k := range 2000 {
		reserveIn := math.Pow(10, -3+15*rng.Float64())
		reserveOut := math.Pow(10, -3+15*rng.Float64())
		fee := []float64{0, 0.0005, 0.003, 0.01, 0.3}[k%5]
		x := reserveIn * math.Pow(10, -9+12*rng.Float64()) // up to 1000× the reserve
		out := AmountOut(x, reserveIn, reserveOut, fee)
		back := AmountIn(out, reserveIn, reserveOut, fee)
		if !near(back, x, 1e-9) {
			t.Fatalf("AmountIn(AmountOut(%v)) = %v in pool (%v, %v) fee %v", x, back, reserveIn, reserveOut, fee)
		}
		y := reserveOut * math.Pow(10, -9+9*rng.Float64()) * 0.999 // below the reserve
		in := AmountIn(y, reserveIn, reserveOut, fee)
		if got := AmountOut(in, reserveIn, reserveOut, fee); !near(got, y, 1e-9) {
			t.Fatalf("AmountOut(AmountIn(%v)) = %v in pool (%v, %v) fee %v", y, got, reserveIn, reserveOut, fee)
		}
	}
}

// The output grows with the input at a falling rate (price impact), stays
// below the reserve, and tends to SpotPrice·(1 − fee) for small trades.
func TestAmountOutShape(t *testing.T) {
	const reserveIn, reserveOut, fee = 1000.0, 2e6, 0.003
	prev, prevRate := 0.0, math.Inf(1)
	for in := 1e-6; in < 1e9; in *= 2 {
		out := AmountOut(in, reserveIn, reserveOut, fee)
		rate := out / in
		if !(out > prev && out < reserveOut && rate < prevRate) {
			t.Fatalf("AmountOut(%v) = %v (rate %v) after %v (rate %v)", in, out, rate, prev, prevRate)
		}
		prev, prevRate = out, rate
	}
	spot := SpotPrice(reserveIn, reserveOut)
	if spot != 2000 {
		t.Errorf("SpotPrice = %v, want 2000", spot)
	}
	if r := AmountOut(1e-9, reserveIn, reserveOut, fee) / 1e-9; !near(r, spot*(1-fee), 1e-9) {
		t.Errorf("small-trade rate %v, want SpotPrice·(1 − fee) = %v", r, spot*(1-fee))
	}
}

func TestUniswapEdgeCases(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, c := range []struct {
		name                      string
		amount, rIn, rOut, fee    float64
		wantOut, wantIn, wantSpot float64
	}{
		{"zero amount", 0, 100, 100, 0.003, 0, 0, 1},
		{"negative amount", -1, 100, 100, 0.003, 0, 0, 1},
		{"-Inf amount", -inf, 100, 100, 0.003, 0, 0, 1},
		{"+Inf amount", inf, 100, 300, 0.003, 300, inf, 3},
		{"amount = reserveOut", 300, 100, 300, 0.003, 300 * 300 * 0.997 / (100 + 300*0.997), inf, 3},
		{"amount > reserveOut", 301, 100, 300, 0.003, 301 * 300 * 0.997 / (100 + 301*0.997), inf, 3},
		{"empty input side", 1, 0, 100, 0.003, 0, inf, nan},
		{"empty output side", 1, 100, 0, 0.003, 0, inf, nan},
		{"empty pool", 1, 0, 0, 0.003, 0, inf, nan},
		{"NaN amount", nan, 100, 100, 0.003, nan, nan, 1},
		{"NaN reserve", 1, nan, 100, 0.003, nan, nan, nan},
		{"negative reserve", 1, -100, 100, 0.003, nan, nan, nan},
		{"infinite reserve", 1, inf, 100, 0.003, nan, nan, nan},
		{"negative fee", 1, 100, 100, -0.01, nan, nan, 1},
		{"fee 1", 1, 100, 100, 1, nan, nan, 1},
		{"NaN fee", 1, 100, 100, nan, nan, nan, 1},
		{"zero fee", 1, 100, 100, 0, 100.0 / 101, 100.0 / 99, 1},
	} {
		if got := AmountOut(c.amount, c.rIn, c.rOut, c.fee); !near(got, c.wantOut, 1e-15) {
			t.Errorf("%s: AmountOut(%v, %v, %v, %v) = %v, want %v", c.name, c.amount, c.rIn, c.rOut, c.fee, got, c.wantOut)
		}
		if got := AmountIn(c.amount, c.rIn, c.rOut, c.fee); !near(got, c.wantIn, 1e-15) {
			t.Errorf("%s: AmountIn(%v, %v, %v, %v) = %v, want %v", c.name, c.amount, c.rIn, c.rOut, c.fee, got, c.wantIn)
		}
		if got := SpotPrice(c.rIn, c.rOut); !near(got, c.wantSpot, 1e-15) {
			t.Errorf("%s: SpotPrice(%v, %v) = %v, want %v", c.name, c.rIn, c.rOut, got, c.wantSpot)
		}
	}
}

func TestUniswapNoAlloc(t *testing.T) {
	var sink float64
	if n := testing.AllocsPerRun(100, func() {
		sink += AmountOut(1, 100, 100, 0.003) + AmountIn(1, 100, 100, 0.003) + SpotPrice(100, 200)
	}); n != 0 {
		t.Errorf("allocations per run = %v, want 0", n)
	}
	_ = sink
}
