package lending

import (
	"math"
	"strings"
	"testing"

	"github.com/spiralrisk/spiral/engine/internal/field"
)

// rules08 are Aave v3's constants with LT 0.8 and a 5 % bonus.
var rules08 = LiquidationRules{LiquidationThreshold: 0.8, Bonus: 0.05, CloseFactor: 0.5, FullCloseBelow: 0.95, ProtocolFee: 0.10}

func near(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*max(1, math.Abs(b))
}

// TestPlanHandWorked follows one position, 10 collateral units at $100 with
// LT 0.8 (weighted collateral $800), through Aave v3's rules by hand.
func TestPlanHandWorked(t *testing.T) {
	cases := []struct {
		name                          string
		debt, collateral, price, max  float64 // max < 0: no repay limit
		hf                            float64
		repaid, seized, toLiq, feeAmt float64
		exhausted                     bool
	}{
		// HF = 800/820 ≈ 0.9756 ≥ 0.95: close factor 50 % → repay 410;
		// seized 410·1.05/100 = 4.305; bonus part 4.305 − 4.1 = 0.205, fee 10 %.
		{"close factor 50%", 820, 10, 100, -1, 800.0 / 820, 410, 4.305, 4.2845, 0.0205, false},
		// HF exactly 0.95 (950/1000) is not below the threshold: 50 %.
		{"HF = 0.95 keeps 50%", 1000, 10, 118.75, -1, 0.95, 500, 4.4210526315789473684, 4.4000000000000000, 0.021052631578947368421, false},
		// HF = 800/900 < 0.95: 100 % → repay 900, seized 9.45, fee (9.45 − 9)·0.1.
		{"full close below 0.95", 900, 10, 100, -1, 800.0 / 900, 900, 9.45, 9.405, 0.045, false},
		// HF = 800/990: repay 990 would seize 10.395 > 10 units: seize all 10,
		// repay capped at 10·100/1.05; fee (10 − 10/1.05)·0.1.
		{"exhausted collateral caps repay", 990, 10, 100, -1, 800.0 / 990, 1000 / 1.05, 10, 10 - (10-10/1.05)*0.1, (10 - 10/1.05) * 0.1, true},
		// HF = 1 is not liquidatable.
		{"HF = 1", 800, 10, 100, -1, 1, 0, 0, 0, 0, false},
		{"healthy", 500, 10, 100, -1, 1.6, 0, 0, 0, 0, false},
		{"no debt", 0, 10, 100, -1, math.Inf(1), 0, 0, 0, 0, false},
		// Keeper capacity of $100 limits the repay; seized 1.05 units.
		{"capacity limit", 820, 10, 100, 100, 800.0 / 820, 100, 1.05, 1.05 - 0.005, 0.005, false},
		{"capacity above close factor", 820, 10, 100, 1e6, 800.0 / 820, 410, 4.305, 4.2845, 0.0205, false},
		{"zero capacity", 820, 10, 100, 0, 800.0 / 820, 0, 0, 0, 0, false},
		// No collateral at all: nothing to seize, nothing repaid.
		{"no collateral", 100, 0, 100, -1, 0, 0, 0, 0, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := Position{ID: 1, Collateral: c.collateral, ScaledDebt: c.debt}
			if hf := p.Health(c.price, 1, 0.8); !near(hf, c.hf, 1e-12) && !(math.IsInf(hf, 1) && math.IsInf(c.hf, 1)) {
				t.Errorf("health = %v, want %v", hf, c.hf)
			}
			var l Liquidation
			if c.max < 0 {
				l = rules08.Plan(c.debt, c.collateral, c.price)
			} else {
				l = rules08.PlanMaxRepay(c.debt, c.collateral, c.price, c.max)
			}
			if !near(l.Repaid, c.repaid, 1e-12) || !near(l.Seized, c.seized, 1e-12) ||
				!near(l.ToLiquidator, c.toLiq, 1e-12) || !near(l.ProtocolFee, c.feeAmt, 1e-12) || l.Exhausted != c.exhausted {
				t.Errorf("got %+v, want repaid %v seized %v to liquidator %v fee %v exhausted %v",
					l, c.repaid, c.seized, c.toLiq, c.feeAmt, c.exhausted)
			}
			if !near(l.ToLiquidator+l.ProtocolFee, l.Seized, 1e-15) {
				t.Errorf("liquidator %v + fee %v != seized %v", l.ToLiquidator, l.ProtocolFee, l.Seized)
			}
		})
	}
}

// TestPlanInvariants checks over a grid that a plan never repays more than
// the debt or seizes more than the collateral, that the liquidator's
// collateral is worth the repay plus the bonus minus the fee, and that the
// position's health improves when it is outside the toxic zone.
func TestPlanInvariants(t *testing.T) {
	r := rules08
	for debt := 10.0; debt <= 2000; debt *= 1.37 {
		for price := 1.0; price <= 300; price *= 1.21 {
			const coll = 10.0
			l := r.Plan(debt, coll, price)
			hf := coll * price * r.LiquidationThreshold / debt
			if (hf < 1) != (l.Repaid > 0 || l.Exhausted) {
				t.Fatalf("debt %v price %v hf %v: plan %+v", debt, price, hf, l)
			}
			if l.Repaid > debt*(1+1e-15) || l.Seized > coll {
				t.Fatalf("debt %v price %v: plan %+v exceeds the position", debt, price, l)
			}
			if l.Repaid > 0 && !near(l.Seized*price, l.Repaid*(1+r.Bonus), 1e-12) {
				t.Fatalf("debt %v price %v: seized value %v, want %v", debt, price, l.Seized*price, l.Repaid*(1+r.Bonus))
			}
			ltv := debt / (coll * price)
			after := Position{Collateral: coll, ScaledDebt: debt}.After(l, 1)
			if l.Repaid > 0 && !l.Exhausted && ltv < 1/(1+r.Bonus) && after.ScaledDebt > 0 {
				if h := after.Health(price, 1, r.LiquidationThreshold); h <= hf {
					t.Fatalf("debt %v price %v: health %v → %v outside the toxic zone", debt, price, hf, h)
				}
			}
		}
	}
}

func TestLiquidationRulesValidate(t *testing.T) {
	if err := DefaultLiquidationRules().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	bad := LiquidationRules{
		LiquidationThreshold: 1, Bonus: math.NaN(), CloseFactor: 0, FullCloseBelow: math.Inf(1), ProtocolFee: -0.1,
	}
	leaves := field.Leaves(bad.Validate())
	want := []string{"liquidation_threshold: ", "bonus: ", "close_factor: ", "full_close_below: ", "protocol_fee: "}
	if len(leaves) != len(want) {
		t.Fatalf("got %d errors %v, want %d", len(leaves), leaves, len(want))
	}
	for i, e := range leaves {
		if !strings.HasPrefix(e.Error(), want[i]) || !field.Named(e.Error()) {
			t.Errorf("error %d = %q, want prefix %q", i, e, want[i])
		}
	}
	r := DefaultLiquidationRules()
	r.Bonus = 0.51
	if r.Validate() == nil {
		t.Error("bonus 0.51 accepted")
	}
}
