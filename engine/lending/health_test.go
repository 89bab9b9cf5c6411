package lending

import (
	"math"
	"testing"
)

// Worked examples of Aave v3's health factor, HF = Σ collateral_i·LT_i / debt
// (Aave docs, "Health Factor"), with thresholds of the size Aave v3 Ethereum
// used in 2023 (WETH 82.5 %, USDC 86 %, WBTC 78 %).
func TestHealthFactor(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	for _, c := range []struct {
		name                 string
		collateral, lt, debt float64
		want                 float64
	}{
		{"10 ETH at $2000, LT 82.5 %, $15000 debt", 20000, 0.825, 15000, 1.1},
		{"at the threshold", 20000, 0.825, 16500, 1},
		{"ETH falls to $1500", 15000, 0.825, 15000, 0.825},
		{"USDC collateral at its 0.874 low, LT 86 %, 0.8 LTV", 874, 0.86, 800, 0.93955},
		{"no debt", 20000, 0.825, 0, inf},
		{"no debt, no collateral", 0, 0.825, 0, inf},
		{"no collateral", 0, 0.825, 100, 0},
		{"LT 0: not collateral", 20000, 0, 100, 0},
		{"NaN collateral", nan, 0.825, 100, nan},
		{"negative collateral", -1, 0.825, 100, nan},
		{"infinite collateral", inf, 0.825, 100, nan},
		{"LT above 1", 100, 1.01, 100, nan},
		{"LT negative", 100, -0.1, 100, nan},
		{"LT NaN", 100, nan, 100, nan},
		{"negative debt", 100, 0.8, -1, nan},
		{"infinite debt", 100, 0.8, inf, nan},
		{"NaN debt", 100, 0.8, nan, nan},
	} {
		got := HealthFactor(c.collateral, c.lt, c.debt)
		ok := math.IsNaN(c.want) && math.IsNaN(got) || got == c.want || math.Abs(got-c.want) <= 1e-15*math.Abs(c.want)
		if !ok {
			t.Errorf("%s: HealthFactor(%v, %v, %v) = %v, want %v", c.name, c.collateral, c.lt, c.debt, got, c.want)
		}
	}
}

// Several collateral assets: Aave computes the value-weighted average
// threshold, and HF with that average equals Σ value_i·LT_i / debt.
func TestHealthFactorSeveralCollaterals(t *testing.T) {
	values := []float64{20000, 5000, 12500} // WETH, USDC, WBTC in USD
	lts := []float64{0.825, 0.86, 0.78}
	const debt = 25000.0
	total, weighted := 0.0, 0.0
	for k := range values {
		total += values[k]
		weighted += values[k] * lts[k]
	}
	got := HealthFactor(total, weighted/total, debt)
	if want := (20000*0.825 + 5000*0.86 + 12500*0.78) / debt; math.Abs(got-want) > 1e-15 {
		t.Errorf("HF = %.17g, want %.17g", got, want)
	}
}

// Aave v3's LiquidationLogic: collateral = debt repaid (in USD) / collateral
// price × liquidation bonus (stored as 10500 for 5 %).
func TestSeized(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, c := range []struct {
		name               string
		debt, price, bonus float64
		want               float64
	}{
		{"$5000 at ETH $2000, 5 % bonus", 5000, 2000, 0.05, 2.625},
		{"half of a $15000 debt (close factor 50 %)", 7500, 1500, 0.05, 5.25},
		{"no bonus", 1000, 4, 0, 250},
		{"WBTC 6.5 % bonus", 30000, 30000, 0.065, 1.065},
		{"USDC at 0.874, 4.5 % bonus", 1000, 0.874, 0.045, 1000 * 1.045 / 0.874},
		{"nothing repaid", 0, 2000, 0.05, 0},
		{"negative repay", -1, 2000, 0.05, nan},
		{"infinite repay", inf, 2000, 0.05, nan},
		{"NaN repay", nan, 2000, 0.05, nan},
		{"zero price", 100, 0, 0.05, nan},
		{"negative price", 100, -1, 0.05, nan},
		{"infinite price", 100, inf, 0.05, nan},
		{"NaN price", 100, nan, 0.05, nan},
		{"negative bonus", 100, 1, -0.01, nan},
		{"bonus above 1", 100, 1, 1.5, nan},
		{"NaN bonus", 100, 1, nan, nan},
	} {
		got := Seized(c.debt, c.price, c.bonus)
		ok := math.IsNaN(c.want) && math.IsNaN(got) || math.Abs(got-c.want) <= 1e-15*math.Abs(c.want)
		if !ok {
			t.Errorf("%s: Seized(%v, %v, %v) = %.17g, want %.17g", c.name, c.debt, c.price, c.bonus, got, c.want)
		}
	}
}

// The toxic zone: liquidating a position with value-LTV above 1/(1 + bonus)
// in full seizes more collateral than it holds.
func TestSeizedToxicZone(t *testing.T) {
	const bonus, price, units = 0.05, 2000.0, 10.0 // $20000 of collateral
	for _, ltv := range []float64{0.9, 0.95, 1 / 1.05, 0.96, 1} {
		debt := ltv * units * price
		seized := Seized(debt, price, bonus)
		toxic := ltv > 1/(1+bonus)
		if toxic != (seized > units*(1+1e-15)) {
			t.Errorf("LTV %v: seized %v of %v units, toxic %v", ltv, seized, units, toxic)
		}
	}
}

func TestHealthNoAlloc(t *testing.T) {
	var sink float64
	if n := testing.AllocsPerRun(100, func() {
		sink += HealthFactor(20000, 0.825, 15000) + Seized(5000, 2000, 0.05)
	}); n != 0 {
		t.Errorf("allocations per run = %v, want 0", n)
	}
	_ = sink
}
