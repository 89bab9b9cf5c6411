package lending

import (
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/spiralrisk/spiral/engine/internal/field"
)

// closeTo reports whether got is within tol (absolute) of want.
func closeTo(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

// Aave v3 Ethereum USDC's variable-rate parameters of early 2023.
var aaveV3USDC = Kinked{Base: 0, Slope1: 0.04, Slope2: 0.60, Optimal: 0.90}

func TestKinkedAaveV3USDC(t *testing.T) {
	for _, c := range []struct{ u, want float64 }{
		{0, 0},                      // base
		{0.45, 0.02},                // half way to the kink: Slope1/2
		{0.9, 0.04},                 // exactly at the kink: Base + Slope1
		{0.95, 0.04 + 0.60*0.5},     // half way from the kink to 1
		{0.99, 0.04 + 0.60*0.9},     // deep in the jump
		{1, 0.64},                   // Base + Slope1 + Slope2
		{0.9 + 1e-12, 0.04 + 6e-12}, // just past the kink: continuous
	} {
		if got := aaveV3USDC.BorrowRate(c.u); !closeTo(got, c.want, 1e-15) {
			t.Errorf("BorrowRate(%v) = %.17g, want %.17g", c.u, got, c.want)
		}
	}
}

// Aave v3's DefaultReserveInterestRateStrategy in its own arithmetic: rays
// (1e27) with WadRayMath's rayMul/rayDiv rounding half up.
func aaveV3BorrowRate(m Kinked, u float64) float64 {
	ray := new(big.Int).Exp(big.NewInt(10), big.NewInt(27), nil)
	halfRay := new(big.Int).Rsh(ray, 1)
	toRay := func(x float64) *big.Int {
		r, _ := new(big.Float).SetPrec(200).Mul(big.NewFloat(x).SetPrec(200), new(big.Float).SetInt(ray)).Int(nil)
		return r
	}
	rayMul := func(a, b *big.Int) *big.Int {
		p := new(big.Int).Mul(a, b)
		return p.Add(p, halfRay).Quo(p, ray)
	}
	rayDiv := func(a, b *big.Int) *big.Int {
		p := new(big.Int).Mul(a, ray)
		return p.Add(p, new(big.Int).Rsh(b, 1)).Quo(p, b)
	}
	usage, optimal := toRay(u), toRay(m.Optimal)
	rate := toRay(m.Base)
	if usage.Cmp(optimal) > 0 {
		maxExcess := new(big.Int).Sub(ray, optimal)
		excess := rayDiv(new(big.Int).Sub(usage, optimal), maxExcess)
		rate.Add(rate, toRay(m.Slope1))
		rate.Add(rate, rayMul(toRay(m.Slope2), excess))
	} else {
		rate.Add(rate, rayDiv(rayMul(toRay(m.Slope1), usage), optimal))
	}
	f, _ := new(big.Float).Quo(new(big.Float).SetInt(rate), new(big.Float).SetInt(ray)).Float64()
	return f
}

func TestKinkedMatchesAaveRayMath(t *testing.T) {
	models := []Kinked{aaveV3USDC, {Base: 0.01, Slope1: 0.07, Slope2: 3, Optimal: 0.45}, {Base: 0, Slope1: 0.033, Slope2: 0.8, Optimal: 0.8}}
	for _, m := range models {
		for k := 0; k <= 1000; k++ {
			u := float64(k) / 1000
			if got, want := m.BorrowRate(u), aaveV3BorrowRate(m, u); !closeTo(got, want, 1e-15) {
				t.Errorf("%+v: BorrowRate(%v) = %.17g, Aave ray math %.17g", m, u, got, want)
			}
		}
	}
}

// The Aave v3 USDC reserve on Ethereum at 2023-03-01T00:00:00Z, from
// /work/shared/data/aave_stablecoin_eth_reserves_1h_2023-02-15_2023-04-15.csv
// (Aave subgraph via The Graph; the row with aave_version v3, reserve USDC).
// The file is not read here; the numbers are copied.
const (
	observedSupplied    = 52817710.72   // total_supplied, USDC
	observedBorrowed    = 39818144.19   // total_borrowed, USDC
	observedUtilization = 0.753878645   // utilization = borrowed/supplied
	observedBorrowAPR   = 0.03350472488 // variable_borrow_apr_pct / 100
	observedSupplyAPR   = 0.02273197344 // supply_apr_pct / 100
	observedReserveFac  = 0.10          // USDC's reserve factor on Aave v3 Ethereum then
)

func TestKinkedObservedAaveV3USDC(t *testing.T) {
	// The balances in the file were read at a slightly different moment than
	// the rates were last set (the rates change only when the reserve is
	// touched), so the file's utilization reproduces the rates to 3e-5
	// relative, not exactly.
	if got := aaveV3USDC.BorrowRate(observedUtilization); !closeTo(got, observedBorrowAPR, 1e-4*observedBorrowAPR) {
		t.Errorf("BorrowRate(%v) = %v, observed %v", observedUtilization, got, observedBorrowAPR)
	}
	if got := SupplyRate(observedBorrowAPR, observedUtilization, observedReserveFac); !closeTo(got, observedSupplyAPR, 1e-4*observedSupplyAPR) {
		t.Errorf("SupplyRate(%v, %v, %v) = %v, observed %v", observedBorrowAPR, observedUtilization, observedReserveFac, got, observedSupplyAPR)
	}
	// Exactly: the utilization implied by the observed borrow rate (below the
	// kink, u = rate·Optimal/Slope1) reproduces the observed supply rate to
	// the file's 10 significant digits, which checks the slope and the
	// supply-rate formula with reserve factor 0.10 together.
	u := observedBorrowAPR * aaveV3USDC.Optimal / aaveV3USDC.Slope1
	got := SupplyRate(aaveV3USDC.BorrowRate(u), u, observedReserveFac)
	if !closeTo(got, observedSupplyAPR, 1e-9*observedSupplyAPR) {
		t.Errorf("supply rate at the implied utilization %v = %.10g, observed %.10g", u, got, observedSupplyAPR)
	}
	if got := Utilization(observedSupplied-observedBorrowed, observedBorrowed, 0); !closeTo(got, observedUtilization, 1e-9) {
		t.Errorf("Utilization(cash, borrows, 0) = %.10g, file %.10g", got, observedUtilization)
	}
}

// Parameters of the shape of Compound v2's cUSDC JumpRateModelV2
// (baseRatePerYear 0, multiplierPerYear 0.04, jumpMultiplierPerYear 1.09,
// kink 0.8). JumpRateModelV2 divides multiplierPerYear by the kink when it
// sets multiplierPerBlock, so multiplierPerYear is the rate at the kink and
// maps to Multiplier unchanged (the original JumpRateModel did not divide, so
// there multiplierPerYear was per unit of utilization).
var compoundUSDC = JumpRate{Base: 0, Multiplier: 0.04, JumpMultiplier: 1.09, Kink: 0.8}

func TestJumpRateCompoundUSDC(t *testing.T) {
	for _, c := range []struct{ u, want float64 }{
		{0, 0},
		{0.4, 0.02},            // half way to the kink
		{0.8, 0.04},            // exactly at the kink: multiplierPerYear
		{0.9, 0.04 + 1.09*0.1}, // in the jump
		{1, 0.04 + 1.09*0.2},   // full utilization
		{1.1, 0.04 + 1.09*0.3}, // Compound's utilization can exceed 1 (reserves > cash)
		{0.8 + 1e-12, 0.04 + 1.09e-12},
	} {
		if got := compoundUSDC.BorrowRate(c.u); !closeTo(got, c.want, 1e-15) {
			t.Errorf("BorrowRate(%v) = %.17g, want %.17g", c.u, got, c.want)
		}
		if got, want := compoundUSDC.SupplyRate(c.u, 0.15), c.want*c.u*0.85; !closeTo(got, want, 1e-15) {
			t.Errorf("SupplyRate(%v, 0.15) = %.17g, want %.17g", c.u, got, want)
		}
	}
}

// compoundV2 computes annual borrow and supply rates the way Compound v2's
// BaseJumpRateModelV2 does: per-block rates as 1e18 mantissas set from the
// yearly parameters with integer division (blocksPerYear 2102400), borrow
// and supply rates from cash, borrows and reserves, times blocksPerYear.
func compoundV2(baseYear, multiplierYear, jumpYear, kink float64, cash, borrows, reserves, reserveFactor float64) (borrow, supply float64) {
	one := big.NewInt(1e18)
	mant := func(x float64) *big.Int {
		r, _ := new(big.Float).SetPrec(200).Mul(big.NewFloat(x).SetPrec(200), new(big.Float).SetInt(one)).Int(nil)
		return r
	}
	bpy := big.NewInt(2102400)
	k := mant(kink)
	base := new(big.Int).Quo(mant(baseYear), bpy)
	mult := new(big.Int).Mul(mant(multiplierYear), one)
	mult.Quo(mult, new(big.Int).Mul(bpy, k))
	jump := new(big.Int).Quo(mant(jumpYear), bpy)

	c, b, r := mant(cash), mant(borrows), mant(reserves)
	util := new(big.Int)
	if b.Sign() != 0 {
		util.Mul(b, one).Quo(util, new(big.Int).Sub(new(big.Int).Add(c, b), r))
	}
	mulDiv := func(x, y *big.Int) *big.Int { return new(big.Int).Quo(new(big.Int).Mul(x, y), one) }
	var rate *big.Int
	if util.Cmp(k) <= 0 {
		rate = new(big.Int).Add(mulDiv(util, mult), base)
	} else {
		normal := new(big.Int).Add(mulDiv(k, mult), base)
		rate = new(big.Int).Add(mulDiv(new(big.Int).Sub(util, k), jump), normal)
	}
	toPool := mulDiv(rate, new(big.Int).Sub(one, mant(reserveFactor)))
	sup := mulDiv(util, toPool)
	year := func(perBlock *big.Int) float64 {
		f, _ := new(big.Float).Quo(new(big.Float).SetInt(new(big.Int).Mul(perBlock, bpy)), new(big.Float).SetInt(one)).Float64()
		return f
	}
	return year(rate), year(sup)
}

func TestJumpRateMatchesCompoundV2(t *testing.T) {
	const rf = 0.075
	const compoundTolerance = 1e-10 // annual rate, absolute
	for _, s := range []struct{ cash, borrows, reserves float64 }{
		{100, 0, 0}, {900, 100, 0}, {600, 400, 3}, {200, 800, 0}, {150, 800, 20},
		{100, 900, 5}, {10, 990, 1}, {0, 1000, 0}, {0, 1000, 50},
	} {
		wantB, wantS := compoundV2(0, 0.04, 1.09, 0.8, s.cash, s.borrows, s.reserves, rf)
		u := Utilization(s.cash, s.borrows, s.reserves)
		// Each integer division in the contract drops less than one wei per
		// block; times 2102400 blocks a year that is below 1e-11 per division.
		if got := compoundUSDC.BorrowRate(u); !closeTo(got, wantB, compoundTolerance) {
			t.Errorf("%+v: BorrowRate(%v) = %.12g, Compound %.12g", s, u, got, wantB)
		}
		if got := compoundUSDC.SupplyRate(u, rf); !closeTo(got, wantS, compoundTolerance) {
			t.Errorf("%+v: SupplyRate(%v, %v) = %.12g, Compound %.12g", s, u, rf, got, wantS)
		}
	}
	// With a base rate and another kink.
	m := JumpRate{Base: 0.02, Multiplier: 0.225, JumpMultiplier: 1.25, Kink: 0.8}
	for _, borrows := range []float64{0, 250, 799, 800, 801, 950, 1000} {
		wantB, wantS := compoundV2(0.02, 0.225, 1.25, 0.8, 1000-borrows, borrows, 0, 0.2)
		u := Utilization(1000-borrows, borrows, 0)
		if got := m.BorrowRate(u); !closeTo(got, wantB, compoundTolerance) {
			t.Errorf("borrows %v: BorrowRate = %.12g, Compound %.12g", borrows, got, wantB)
		}
		if got := m.SupplyRate(u, 0.2); !closeTo(got, wantS, compoundTolerance) {
			t.Errorf("borrows %v: SupplyRate = %.12g, Compound %.12g", borrows, got, wantS)
		}
	}
}

func TestSupplyRate(t *testing.T) {
	for _, c := range []struct{ borrowRate, u, rf, want float64 }{
		{0.05, 0, 0.1, 0},
		{0.05, 0.5, 0, 0.025},
		{0.05, 0.5, 0.1, 0.0225},
		{0.64, 1, 0.1, 0.576},
		{0.64, 1, 1, 0},
		{0.04, 0.9, 0.2, 0.0288},
	} {
		if got := SupplyRate(c.borrowRate, c.u, c.rf); !closeTo(got, c.want, 1e-15) {
			t.Errorf("SupplyRate(%v, %v, %v) = %v, want %v", c.borrowRate, c.u, c.rf, got, c.want)
		}
	}
	// The kinked model's supply rate through SupplyRate equals JumpRate's
	// method for the same curve: both are borrowRate·u·(1 − rf).
	for u := 0.0; u <= 1; u += 0.01 {
		if a, b := SupplyRate(compoundUSDC.BorrowRate(u), u, 0.1), compoundUSDC.SupplyRate(u, 0.1); a != b {
			t.Errorf("u=%v: SupplyRate %v != JumpRate.SupplyRate %v", u, a, b)
		}
	}
}

func TestUtilization(t *testing.T) {
	for _, c := range []struct{ cash, borrows, reserves, want float64 }{
		{0, 0, 0, 0},             // empty market
		{100, 0, 0, 0},           // nothing borrowed
		{100, 0, 5, 0},           // nothing borrowed, reserves do not matter
		{50, 50, 0, 0.5},         // half lent out
		{40, 50, 10, 0.625},      // reserves are not lendable: 50/(40+50−10)
		{0, 100, 0, 1},           // all lent out
		{5, 100, 10, 100.0 / 95}, // Compound: above 1 when reserves exceed cash
		{300, 700, 0, 0.7},
	} {
		if got := Utilization(c.cash, c.borrows, c.reserves); !closeTo(got, c.want, 1e-15) {
			t.Errorf("Utilization(%v, %v, %v) = %v, want %v", c.cash, c.borrows, c.reserves, got, c.want)
		}
	}
}

func TestRateModelsValidate(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	if err := aaveV3USDC.Validate(); err != nil {
		t.Errorf("Aave v3 USDC: %v", err)
	}
	if err := compoundUSDC.Validate(); err != nil {
		t.Errorf("Compound USDC: %v", err)
	}
	if err := (JumpRate{Multiplier: 0.05, JumpMultiplier: 1, Kink: 1}).Validate(); err != nil {
		t.Errorf("kink 1 is allowed: %v", err)
	}
	bad := []float64{nan, inf, -inf, -0.01}
	type model interface{ Validate() error }
	var cases []struct {
		m     model
		field string
	}
	add := func(m model, field string) {
		cases = append(cases, struct {
			m     model
			field string
		}{m, field})
	}
	for _, v := range bad {
		k := aaveV3USDC
		k.Base = v
		add(k, "base")
		k = aaveV3USDC
		k.Slope1 = v
		add(k, "slope1")
		k = aaveV3USDC
		k.Slope2 = v
		add(k, "slope2")
		k = aaveV3USDC
		k.Optimal = v
		add(k, "optimal")
		j := compoundUSDC
		j.Base = v
		add(j, "base")
		j = compoundUSDC
		j.Multiplier = v
		add(j, "multiplier")
		j = compoundUSDC
		j.JumpMultiplier = v
		add(j, "jump_multiplier")
		j = compoundUSDC
		j.Kink = v
		add(j, "kink")
	}
	// Just above each upper bound, and the open ends.
	add(Kinked{Base: 10.01, Slope1: 0.04, Slope2: 0.6, Optimal: 0.9}, "base")
	add(Kinked{Slope1: 10.01, Slope2: 0.6, Optimal: 0.9}, "slope1")
	add(Kinked{Slope1: 0.04, Slope2: 100.01, Optimal: 0.9}, "slope2")
	add(Kinked{Slope1: 0.04, Slope2: 0.6, Optimal: 0}, "optimal")
	add(Kinked{Slope1: 0.04, Slope2: 0.6, Optimal: 1}, "optimal")
	add(JumpRate{Base: 10.01, Multiplier: 0.04, JumpMultiplier: 1, Kink: 0.8}, "base")
	add(JumpRate{Multiplier: 10.01, JumpMultiplier: 1, Kink: 0.8}, "multiplier")
	add(JumpRate{Multiplier: 0.04, JumpMultiplier: 1000.01, Kink: 0.8}, "jump_multiplier")
	add(JumpRate{Multiplier: 0.04, JumpMultiplier: 1, Kink: 0}, "kink")
	add(JumpRate{Multiplier: 0.04, JumpMultiplier: 1, Kink: 1.01}, "kink")
	for _, c := range cases {
		leaves := field.Leaves(c.m.Validate())
		if len(leaves) != 1 || !strings.HasPrefix(leaves[0].Error(), c.field+": ") {
			t.Errorf("%+v: Validate problems %q, want one naming %q", c.m, leaves, c.field)
		}
	}
	// All fields wrong at once: every problem is reported.
	if n := len(field.Leaves(Kinked{nan, nan, nan, nan}.Validate())); n != 4 {
		t.Errorf("Kinked all NaN: %d problems, want 4", n)
	}
	if n := len(field.Leaves(JumpRate{inf, inf, inf, inf}.Validate())); n != 4 {
		t.Errorf("JumpRate all +Inf: %d problems, want 4", n)
	}
}
