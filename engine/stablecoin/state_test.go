package stablecoin

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/spiralrisk/spiral/engine/amm"
	"github.com/spiralrisk/spiral/stochastic"
)

var friday = time.Date(2023, 3, 10, 0, 0, 0, 0, time.UTC)

// reserveModel is a small USDC-like coin whose bank fails on Saturday.
func reserveModel() *Model {
	return &Model{
		Supply: 10e9,
		Market: Market{A: 20, Fee: 0.0004, SizeUSD: 1e9, StableShare: 0.5},
		Holders: Holders{Baseline: 0.001, HalfLife: 6 * time.Hour, Excitation: 0.3, NoiseSigma: 0.3,
			Depeg: stochastic.Trigger{Level: 0.02, Weight: 0.3}, Shortfall: stochastic.Trigger{Weight: 1}, RedeemShare: 0.2},
		Events: []Event{{At: 27 * time.Hour, Panic: 0.4, SellUSD: 1e8}},
		Reserve: &Reserve{CashUSD: 2e9, BillsUSD: 7e9, BillsLag: 24 * time.Hour, CapacityUSD: 1e8,
			Bank:         Bank{DepositsUSD: 1e9, Failure: &Failure{At: 27 * time.Hour, ExpectedHaircut: 0.5, GuaranteeAt: 70 * time.Hour, Recovery: 0.9, RecoveryAt: 85 * time.Hour}},
			Calendar:     Calendar{OpenHour: 13, CloseHour: 21},
			Arbitrageurs: Arbitrageurs{Count: 3, CapitalUSD: 3e8, MaxPerHourUSD: 2e7, MinDiscount: 0.002, DiscountSpread: 0.02, WaitPremium: 0.01}},
	}
}

func algoModel() *Model {
	return &Model{
		Supply: 10e9,
		Market: Market{A: 100, Fee: 0.0004, SizeUSD: 1e9, StableShare: 0.5},
		Holders: Holders{Baseline: 0.0002, HalfLife: 24 * time.Hour, Excitation: 0.6, NoiseSigma: 0.3,
			Depeg: stochastic.Trigger{Level: 0.01, Weight: 5}, Inert: 0.2},
		Events: []Event{{At: 21 * time.Hour, Panic: 0.3, SellUSD: 5e8}},
		Algorithmic: &Algorithmic{
			Governance:  Governance{Supply: 350e6, Price: 77, DepthUSD: 5e8, Fee: 0.003, Volatility: 0.9, DepthElasticity: 0.25},
			BasePoolUSD: 5e8, MinSpread: 0.005, RecoveryHalfLife: 10 * time.Minute, HaltBelow: 0.001,
			Defense: &Defense{ReserveUSD: 1e9, Trigger: 0.985, Target: 0.995, MaxPerDayUSD: 5e8, SaleCost: 0.01},
		},
	}
}

// runPath runs one path standalone, checking the accounting every step.
func runPath(t *testing.T, m *Model, steps int, seed uint64, each func(*State, int)) *State {
	t.Helper()
	if err := m.Validate(time.Hour); err != nil {
		t.Fatal(err)
	}
	s := NewState(m, time.Hour, steps, friday)
	src := stochastic.NewSource(seed, stochastic.StreamStablecoin)
	s.Reset()
	for k := 1; k <= steps; k++ {
		s.Events(k)
		s.Trade(src, k, 0, 0)
		s.Settle(k)
		s.Record(k)
		if err := s.Check(); err != nil {
			t.Fatalf("seed %d step %d: %v", seed, k, err)
		}
		if each != nil {
			each(s, k)
		}
	}
	return s
}

func TestCalendar(t *testing.T) {
	c := Calendar{OpenHour: 13, CloseHour: 21, Holidays: []time.Time{time.Date(2023, 3, 14, 0, 0, 0, 0, time.UTC)}}
	for _, tc := range []struct {
		from, to time.Time
		open     float64
	}{
		{friday, friday.Add(24 * time.Hour), 8},                                      // Friday
		{friday.Add(24 * time.Hour), friday.Add(72 * time.Hour), 0},                  // the weekend
		{friday.Add(72 * time.Hour), friday.Add(96 * time.Hour), 8},                  // Monday
		{friday.Add(96 * time.Hour), friday.Add(120 * time.Hour), 0},                 // a holiday
		{friday.Add(14*time.Hour + 30*time.Minute), friday.Add(15 * time.Hour), 0.5}, // half an open hour
		{friday.Add(20 * time.Hour), friday.Add(22 * time.Hour), 1},
	} {
		if got := c.OpenHours(tc.from, tc.to); math.Abs(got-tc.open) > 1e-12 {
			t.Errorf("OpenHours(%v, %v) = %v, want %v", tc.from, tc.to, got, tc.open)
		}
	}
	// Saturday 03:00 → Monday 13:00 is 58 h; Friday 14:00 is open.
	if got := c.UntilOpen(friday.Add(27 * time.Hour)); got != 58 {
		t.Errorf("UntilOpen(Sat 03:00) = %v, want 58", got)
	}
	if got := c.UntilOpen(friday.Add(14 * time.Hour)); got != 0 {
		t.Errorf("UntilOpen(Fri 14:00) = %v, want 0", got)
	}
}

// Redemptions are paid only in open hours, at par from reserves, and the
// accounting identities hold on every step (Check); the bank loss is
// (1 − recovery) × deposits.
func TestReserveRedemptionsAndConservation(t *testing.T) {
	m := reserveModel()
	for seed := uint64(1); seed <= 5; seed++ {
		s := runPath(t, m, 168, seed, func(s *State, k int) {
			_, _, paid, _ := s.StepFlows()
			from := friday.Add(time.Duration(k-1) * time.Hour)
			if paid > 0 && m.Reserve.Calendar.OpenHours(from, from.Add(time.Hour)) == 0 {
				t.Fatalf("seed %d: %v paid at step %d, a closed hour", seed, paid, k)
			}
			if paid > m.Reserve.CapacityUSD*(1+1e-12) {
				t.Fatalf("seed %d: %v paid in one hour, above capacity", seed, paid)
			}
		})
		met := s.Metrics()
		if math.Abs(met.BankLossUSD-1e8) > 1 {
			t.Errorf("seed %d: bank loss %v, want 1e8", seed, met.BankLossUSD)
		}
		r0 := 2e9 + 7e9 + 1e9
		if d := r0 - met.ReservesLeftUSD - met.BankLossUSD - met.RedeemedUSD; math.Abs(d) > 1e-6*r0 {
			t.Errorf("seed %d: reserves out − redemptions = %v", seed, d)
		}
		if d := m.Supply*(1+met.SupplyChange) - (m.Supply - met.RedeemedUSD); math.Abs(d) > 1e-6*m.Supply {
			t.Errorf("seed %d: supply burned differs from redemptions by %v", seed, d)
		}
		if met.MinPrice >= 0.99 || math.IsNaN(met.FirstDepegHour) || met.FirstDepegHour < 28 {
			t.Errorf("seed %d: min %v first depeg %v: the failure should depeg the coin after hour 27", seed, met.MinPrice, met.FirstDepegHour)
		}
	}
}

// Burning through the swap mints governance tokens worth at most
// (1 − min spread) per stablecoin at the oracle price; supply falls by the
// burns and the defense's purchases (Check, every step).
func TestAlgorithmicIdentities(t *testing.T) {
	m := algoModel()
	for seed := uint64(1); seed <= 5; seed++ {
		prevGov, prevSupply := 0.0, 0.0
		s := runPath(t, m, 240, seed, func(s *State, k int) {
			_, _, _, burned := s.StepFlows()
			if k > 1 {
				minted := s.GovSupply() - prevGov
				if minted < 0 || burned > 0 && minted == 0 || burned == 0 && minted != 0 {
					t.Fatalf("seed %d step %d: burned %v, minted %v", seed, k, burned, minted)
				}
				if s.Supply() > prevSupply-burned+1e-6 {
					t.Fatalf("seed %d step %d: supply %v after burning %v from %v", seed, k, s.Supply(), burned, prevSupply)
				}
			}
			prevGov, prevSupply = s.GovSupply(), s.Supply()
		})
		met := s.Metrics()
		if met.BurnedUSD <= 0 || met.GovSupplyMultiple <= 1 || met.DefenseUSD <= 0 {
			t.Errorf("seed %d: burned %v, multiple %v, defense %v: the run should use the swap and the defense", seed, met.BurnedUSD, met.GovSupplyMultiple, met.DefenseUSD)
		}
	}
	// Without the trigger the peg holds.
	calm := *m
	calm.Events = nil
	for seed := uint64(1); seed <= 5; seed++ {
		if met := runPath(t, &calm, 240, seed, nil).Metrics(); met.MinPrice < 0.99 {
			t.Errorf("seed %d: no trigger, min %v", seed, met.MinPrice)
		}
	}
}

// competitiveBurn simulates competitive arbitrageurs numerically over one
// step of length step (hours) from the imbalance d0: in each of n slices
// the imbalance decays for the slice and is then raised back to d by a
// burn valued with the midpoint rule on 64 pieces (the first slice's jump
// from d0 in 65,536). It returns the tokens burned, the value minted and
// the imbalance at the end.
func competitiveBurn(s *State, d0, d, halfLife, step float64, n int) (x, value, d1 float64) {
	tau := halfLife / math.Ln2
	burn := func(from, to float64, pieces int) {
		h := (to - from) / float64(pieces)
		for i := range pieces {
			value += h * s.mintRate(from+(float64(i)+0.5)*h)
		}
		x += to - from
	}
	delta := d0
	if delta < d {
		burn(delta, d, 65536)
		delta = d
	}
	decay := math.Exp(-step / float64(n) / tau)
	for range n {
		delta *= decay
		if delta < d {
			burn(delta, d, 64)
			delta = d
		}
	}
	return x, value, delta
}

// Competitive arbitrageurs burn whenever the marginal mint rate is at
// least mintRate(δ*): burnAt's closed form matches a numerical
// simulation, two halves of a step burn and mint what the whole does, a
// recovery far slower than the step gives the single swap to δ*, and a
// fast one the flow δ*/τ whatever the step.
func TestBurnAt(t *testing.T) {
	for _, spread := range []float64{0, 0.005} {
		m := algoModel()
		m.Algorithmic.MinSpread = spread
		b := m.Algorithmic.BasePoolUSD
		for _, hl := range []time.Duration{time.Minute, 150 * time.Second, 10 * time.Minute, time.Hour, 365 * 24 * time.Hour} {
			m.Algorithmic.RecoveryHalfLife = hl
			s := NewState(m, time.Hour, 1, friday)
			s.Reset()
			h := NewState(m, 30*time.Minute, 2, friday)
			h.Reset()
			for _, d0 := range []float64{0, 1e5, 0.3 * b, 3 * b} {
				for _, d := range []float64{1e3, 1e5, 0.1 * b, b, 5 * b} {
					s.delta = d0
					x, v, d1 := s.burnAt(d)
					// The simulation's error is first order in its slice:
					// extrapolated from 20,000 and 40,000 slices.
					x1, v1, _ := competitiveBurn(s, d0, d, hl.Hours(), 1, 20000)
					wx, wv, wd := competitiveBurn(s, d0, d, hl.Hours(), 1, 40000)
					wx, wv = 2*wx-x1, 2*wv-v1
					if math.Abs(x-wx) > 1e-6*wx+1e-6 || math.Abs(v-wv) > 1e-6*wv+1e-6 || math.Abs(d1-wd) > 1e-6*(wd+b) {
						t.Errorf("spread %v, half-life %v, δ₀ %.3g, δ* %.3g: burnAt = (%.10g, %.10g, %.10g), simulated (%.10g, %.10g, %.10g)",
							spread, hl, d0, d, x, v, d1, wx, wv, wd)
					}
					if v > (1-spread)*x*(1+1e-12) {
						t.Errorf("spread %v: %.6g burned mint %.6g, more than 1 − min spread", spread, x, v)
					}
					// Two halves at the same δ* are the whole.
					h.delta = d0
					x2, v2, _ := h.burnAt(d)
					h.delta = max(d0*h.deltaDecay, d)
					if x2 > 0 {
						h.delta = d
					}
					xb, vb, d2 := h.burnAt(d)
					if math.Abs(x-x2-xb) > 1e-9*x || math.Abs(v-v2-vb) > 1e-9*v || math.Abs(d1-d2) > 1e-9*(d1+b) {
						t.Errorf("spread %v, half-life %v, δ₀ %.3g, δ* %.3g: one hour burns %.15g for %.15g to %.15g, two half hours %.15g for %.15g to %.15g",
							spread, hl, d0, d, x, v, d1, x2+xb, v2+vb, d2)
					}
					switch {
					case hl > 24*time.Hour && d > d0:
						// Slow recovery: the single swap from δ₀ to δ*.
						if want := d - d0; math.Abs(x-want) > 1e-3*want {
							t.Errorf("slow recovery, δ₀ %.3g, δ* %.3g: burned %.6g, single swap %.6g", d0, d, x, want)
						}
					case hl <= 150*time.Second && d0 <= d:
						// Fast recovery: held at δ* by the flow δ*/τ.
						tau := hl.Hours() / math.Ln2
						if want := d/tau + d - d0; math.Abs(x-want) > 1e-9*want {
							t.Errorf("fast recovery, δ₀ %.3g, δ* %.3g: burned %.6g, want the jump plus δ*/τ = %.6g", d0, d, x, want)
						}
					}
				}
			}
		}
	}
}

// The arbitrage stops where the marginal burn no longer pays: at the δ*
// it ends at, the marginal cost of the last stablecoin bought equals the
// marginal mint rate m(δ*) times what the last minted dollar brought in
// the governance pool, both computed here from the pools before the trade
// with amm's own swap functions and a numerical derivative (not with
// marginalCost and govMarginal). A governance pool shallow enough that the
// arbitrageurs' own sales matter; the stablecoin's pool fee raised so that
// leaving it out of the marginal cost shows.
func TestArbitrageMarginalBurnBreaksEven(t *testing.T) {
	checked := 0
	for _, spread := range []float64{0, 0.005} {
		for _, hl := range []time.Duration{150 * time.Second, 10 * time.Minute, 24 * time.Hour} {
			for _, d0 := range []float64{0, 1e6, 3e8} {
				for _, sold := range []float64{5e7, 2e8, 4e8} {
					m := algoModel()
					m.Market.Fee = 0.003
					m.Algorithmic.MinSpread = spread
					m.Algorithmic.RecoveryHalfLife = hl
					m.Algorithmic.Defense = nil
					m.Algorithmic.Governance.DepthUSD = 1e8
					s := NewState(m, 5*time.Minute, 1, friday)
					s.Reset()
					s.sell(sold)
					s.delta = d0
					b0, b1 := s.bal[0], s.bal[1]
					l0, u0, oracle := s.govL, s.govU, s.govPrice
					s.arbitrageAlgorithmic()
					x, value, d := s.stepBurned, s.mintedValue, s.delta
					if !(x > 0) {
						continue
					}
					checked++
					// cost(y) is the USD that buys y stablecoins from the
					// pool before the trade (the fee is on the output).
					pool := amm.StableSwap{A: m.Market.A, Fee: m.Market.Fee, Balances: []float64{b0, b1}}
					cost := func(y float64) float64 { return pool.Y(0, 1, b0-y/(1-m.Market.Fee)) - b1 }
					// proceeds(v) is the USD the governance tokens minted
					// for v USD at the oracle bring in its pool.
					g := m.Algorithmic.Governance
					proceeds := func(v float64) float64 { return amm.AmountOut(v/oracle, l0, u0, g.Fee) }
					h := 1e-4 * x
					c := (cost(x+h) - cost(x-h)) / (2 * h)
					hv := 1e-4 * value
					q := (proceeds(value+hv) - proceeds(value-hv)) / (2 * hv)
					b := m.Algorithmic.BasePoolUSD
					rate := min(1-spread, b*b/((b+d)*(b+d)))
					if math.Abs(c-rate*q) > 1e-6*c {
						t.Errorf("spread %v, half-life %v, δ₀ %.3g, sold %.3g: burned %.6g to δ* %.6g: marginal cost %.9g, marginal mint × proceeds %.9g × %.9g = %.9g",
							spread, hl, d0, sold, x, d, c, rate, q, rate*q)
					}
				}
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d cases burned: the test proves little", checked)
	}
}

// The arbitrage converges in the market's sub-step: a constant outflow into
// the market, spread over the sub-steps of 6 hours, is burned at the same
// rate with 5-minute and 75-second sub-steps, against the 150 s half-life
// of the preset's swap and a governance market too deep to move (measured:
// 304.2 M and 304.0 M burned, 303.9 M with 15 s; price 0.97386 and
// 0.97379). The sub-step's own profit maximization that the competitive
// rule replaced burned 273.5 M, 292.0 M and 301.1 M, the price ending at
// 0.96395, 0.97041 and 0.97303: it failed this test.
func TestArbitrageSubStepConvergence(t *testing.T) {
	m := algoModel()
	m.Algorithmic.RecoveryHalfLife = 150 * time.Second
	m.Algorithmic.Defense = nil
	m.Algorithmic.Governance.DepthUSD = 1e12
	run := func(sub time.Duration) (burned, price float64) {
		m.Algorithmic.Substep = sub
		s := NewState(m, time.Hour, 6, friday)
		s.Reset()
		n := s.subSteps
		for range 6 * n {
			s.sell(1e8 / float64(n))
			s.algorithmic(1)
		}
		if err := s.Check(); err != nil {
			t.Fatal(err)
		}
		return s.met.BurnedUSD, s.pool.Price(0, 1)
	}
	b5, p5 := run(5 * time.Minute)
	b1, p1 := run(75 * time.Second)
	bf, pf := run(15 * time.Second)
	t.Logf("6 h of 100 M per hour sold: sub-steps of 5 min burn %.6g to a price of %.5f, 75 s %.6g, %.5f, 15 s %.6g, %.5f", b5, p5, b1, p1, bf, pf)
	if b5 < 1e8 || math.Abs(b5-b1) > 0.005*b1 || math.Abs(p5-p1) > 0.0005 {
		t.Errorf("5 min sub-steps burn %.4g to a price of %.5f, 75 s %.4g to %.5f: want within 0.5 %% and 0.0005", b5, p5, b1, p1)
	}
}

// twoLineModel is algoModel with a small first line of defense and a
// second line held back below 0.9, and no panic sales of the governance
// token.
func twoLineModel() *Model {
	m := algoModel()
	m.Algorithmic.Defense = &Defense{ReserveUSD: 2e8, Trigger: 0.99, Target: 0.995, MaxPerDayUSD: 2.4e9, SaleCost: 0.01,
		SecondLine: &DefenseLine{ReserveUSD: 3e8, Trigger: 0.9, Target: 0.92, MaxPerDayUSD: 1.2e9}}
	return m
}

// A defense line engages below its trigger and then buys until its
// target, across calls (hysteresis): between the trigger and the target it
// buys only when engaged, it disengages once the target is reached within
// a call's budget, and a line without reserve never buys.
func TestDefenseHysteresis(t *testing.T) {
	m := algoModel()
	d := m.Algorithmic.Defense
	s := NewState(m, time.Hour, 1, friday)
	s.Reset()
	// sellTo sells into the market in small pieces until the price is
	// below p.
	sellTo := func(p float64) {
		for s.pool.Price(0, 1) >= p {
			s.sell(1e6)
		}
	}
	defend := func(engaged *bool, left, maxPerDay float64) float64 {
		return s.defend(engaged, left, d.Trigger, d.Target, maxPerDay, d.SaleCost)
	}
	between := (d.Trigger + d.Target) / 2
	engaged := false
	sellTo(between)
	if used := defend(&engaged, 1e9, 1e12); used != 0 || engaged {
		t.Fatalf("price %.5f between trigger and target, not engaged: used %v, engaged %v; want nothing", s.pool.Price(0, 1), used, engaged)
	}
	sellTo(d.Trigger - 0.01)
	// A budget of 1 M per hour cannot lift the price to the target in one
	// call: the line stays engaged and keeps buying above its trigger.
	calls, aboveTrigger := 0, 0
	for engaged = false; calls == 0 || engaged; calls++ {
		before := s.pool.Price(0, 1)
		if before >= d.Trigger {
			aboveTrigger++
		}
		used := defend(&engaged, 1e9, 24e6)
		if used <= 0 || s.pool.Price(0, 1) <= before {
			t.Fatalf("call %d at price %.5f: used %v, price after %.5f: an engaged line below its target buys", calls, before, used, s.pool.Price(0, 1))
		}
		if calls > 1000 {
			t.Fatal("never reached the target")
		}
	}
	if p := s.pool.Price(0, 1); p < d.Target*(1-1e-6) {
		t.Fatalf("disengaged at %.6f, below the target %v", p, d.Target)
	}
	if aboveTrigger == 0 {
		t.Fatalf("reached the target in %d calls, none above the trigger: the test proves little", calls)
	}
	// Back between trigger and target after reaching it: nothing until
	// the price falls below the trigger again.
	sellTo(between)
	if used := defend(&engaged, 1e9, 1e12); used != 0 || engaged {
		t.Errorf("price %.5f between trigger and target after the target was reached: used %v, engaged %v; want nothing", s.pool.Price(0, 1), used, engaged)
	}
	// Without reserve a line disengages and buys nothing.
	sellTo(d.Trigger - 0.01)
	engaged = true
	if used := defend(&engaged, 0, 1e12); used != 0 || engaged {
		t.Errorf("no reserve left: used %v, engaged %v; want nothing", used, engaged)
	}
}

// The second line of the defense buys only while the price is below its
// own trigger, up to its own target and daily bound, and only from its
// own reserve; the first line buys first while it has reserve left.
func TestDefenseSecondLine(t *testing.T) {
	m := twoLineModel()
	d, l := m.Algorithmic.Defense, m.Algorithmic.Defense.SecondLine
	s := NewState(m, time.Hour, 1, friday)
	for _, tc := range []struct {
		name                string
		share               float64 // pool's stablecoin share before the defense
		firstLeft           float64 // first line's reserve left
		firstUsed, lineUsed bool
		target              float64 // price after, when a line is not bound by its budget
	}{
		{"above both triggers", 0.52, 2e8, false, false, 0},
		{"between the triggers, first line spent", 0.85, 0, false, false, 0},
		{"between the second line's trigger and target, first line spent", 0.89, 0, false, false, 0},
		{"between the triggers", 0.85, 2e8, true, false, d.Target},
		{"below the second trigger, first line spent", 0.9, 0, false, true, l.Target},
		{"far below, second line bound by its daily budget", 0.975, 0, false, true, 0},
		{"below both, first line spent after buying", 0.9, 1e6, true, true, l.Target},
	} {
		s.Reset()
		s.halted = true // no arbitrage: the defense alone
		s.bal[0], s.bal[1] = m.Market.SizeUSD*tc.share, m.Market.SizeUSD*(1-tc.share)
		s.secondLeft = l.ReserveUSD
		s.defenseLeft = tc.firstLeft + s.secondLeft
		p0, supply0 := s.pool.Price(0, 1), s.supply
		if tc.share == 0.89 && !(p0 > l.Trigger && p0 < l.Target) {
			t.Fatalf("%s: price %v, want it between %v and %v", tc.name, p0, l.Trigger, l.Target)
		}
		s.algorithmic(1)
		p := s.pool.Price(0, 1)
		first, second := tc.firstLeft-(s.defenseLeft-s.secondLeft), l.ReserveUSD-s.secondLeft
		if (first > 0) != tc.firstUsed || (second > 0) != tc.lineUsed {
			t.Errorf("%s: price %.4f, first line used %v, second %v; want used %v, %v", tc.name, p0, first, second, tc.firstUsed, tc.lineUsed)
		}
		if second > l.MaxPerDayUSD/24/(1-d.SaleCost)*(1+1e-12) || first > d.MaxPerDayUSD/24/(1-d.SaleCost)*(1+1e-12) {
			t.Errorf("%s: used %v and %v in an hour, above the daily bounds", tc.name, first, second)
		}
		if first > tc.firstLeft*(1+1e-12) || s.secondLeft < 0 || s.defenseLeft < s.secondLeft {
			t.Errorf("%s: reserves left %v (second line %v) after using %v of %v", tc.name, s.defenseLeft, s.secondLeft, first, tc.firstLeft)
		}
		if bought := supply0 - s.supply; math.Abs(bought-s.defenseTokens) > 1e-6 || (first+second > 0) != (bought > 0) {
			t.Errorf("%s: supply burned %v, defense tokens %v", tc.name, bought, s.defenseTokens)
		}
		budget1 := min(tc.firstLeft, d.MaxPerDayUSD/24/(1-d.SaleCost))
		budget2 := min(l.ReserveUSD, l.MaxPerDayUSD/24/(1-d.SaleCost))
		if tc.target > 0 && second < 0.99*budget2 && (first == 0 || first < 0.99*budget1) && math.Abs(p-tc.target) > 1e-6 {
			t.Errorf("%s: price %.6f → %.6f, want the line's target %v", tc.name, p0, p, tc.target)
		}
		if s.Backing() != s.defenseLeft {
			t.Errorf("%s: backing %v, both lines' reserve %v", tc.name, s.Backing(), s.defenseLeft)
		}
	}

	// On a collapsing path the accounting holds every step (runPath
	// checks), the first line is spent before the second is touched
	// (the first acts at 0.99, the second only below 0.9) and both are
	// spent in the end; the defense bought what both lines could pay.
	for seed := uint64(1); seed <= 3; seed++ {
		m := twoLineModel()
		m.Events = []Event{{At: 21 * time.Hour, Panic: 1, SellUSD: 2e9}}
		met := runPath(t, m, 240, seed, func(st *State, k int) {
			if st.secondLeft < l.ReserveUSD && st.defenseLeft-st.secondLeft > 0.5*d.ReserveUSD {
				t.Fatalf("seed %d step %d: second line used (%v left) while the first still has %v", seed, k, st.secondLeft, st.defenseLeft-st.secondLeft)
			}
		}).Metrics()
		if want := (d.ReserveUSD + l.ReserveUSD) * (1 - d.SaleCost); math.Abs(met.DefenseUSD-want) > 1e-6*want {
			t.Errorf("seed %d: the defense paid %v, want both lines' %v", seed, met.DefenseUSD, want)
		}
	}
}

// dipModel is algoModel with dip buyers and governance holders who run.
func dipModel() *Model {
	m := algoModel()
	m.Algorithmic.Governance.PanicSellShare = 0.05
	m.DipBuyers = &DipBuyers{CapitalUSD: 2e8, DepthUSD: 1e8, Ceiling: 0.9, PanicDrain: 0.1}
	return m
}

// collapse makes m collapse: a large sale and panic, no defense, and a
// swap that halts early.
func collapse(m *Model) *Model {
	m.Events = []Event{{At: 21 * time.Hour, Panic: 2, SellUSD: 3e9}}
	m.Algorithmic.Defense = nil
	m.Algorithmic.HaltBelow = 1
	return m
}

// The dip buyers end each trade at their target holding N*(p) at the price
// their trade leaves, unless their capital is spent; they sell back what
// exceeds it when the price rises; their spending is within their capital.
func TestDipBuyers(t *testing.T) {
	m := dipModel()
	d := m.DipBuyers
	s := NewState(m, time.Hour, 1, friday)
	for _, tc := range []struct {
		name        string
		share       float64 // pool's stablecoin share before the trade
		held, spent float64
		capital     float64
	}{
		{"above the ceiling", 0.6, 0, 0, d.CapitalUSD},
		{"buys to the target", 0.97, 0, 0, d.CapitalUSD},
		{"buys more as it falls", 0.99, 1e8, 4e7, d.CapitalUSD},
		{"capital binds", 0.995, 0, 0, 1e6},
		{"sells back on a rise", 0.7, 5e8, 1e8, d.CapitalUSD},
	} {
		s.Reset()
		s.bal[0], s.bal[1] = 1e9*tc.share, 1e9*(1-tc.share)
		s.lambda = 2
		s.dipTokens, s.dipCash = tc.held, tc.capital-tc.spent
		s.met.DipSpentUSD = d.CapitalUSD - s.dipCash
		p0 := s.pool.Price(0, 1)
		s.dipTrade()
		p := s.pool.Price(0, 1)
		target := d.DepthUSD * max(0, 1/p-1/d.Ceiling) * math.Exp(-d.PanicDrain*2)
		switch {
		case tc.capital < d.CapitalUSD:
			if s.dipCash > 1e-6 || s.dipTokens >= target {
				t.Errorf("%s: capital left %v, holding %v, target %v: should spend everything short of the target", tc.name, s.dipCash, s.dipTokens, target)
			}
		case math.Abs(s.dipTokens-target) > 1e-6*max(target, 1):
			t.Errorf("%s: price %v → %v, holding %v, want N*(p) = %v", tc.name, p0, p, s.dipTokens, target)
		}
		if tc.name == "sells back on a rise" && !(p < p0 && s.dipTokens < tc.held) {
			t.Errorf("%s: price %v → %v, holding %v → %v: should sell", tc.name, p0, p, tc.held, s.dipTokens)
		}
		if tc.name == "buys to the target" && !(p > p0) {
			t.Errorf("%s: price %v → %v: buying should lift it", tc.name, p0, p)
		}
		if s.dipCash < -1e-6 {
			t.Errorf("%s: capital %v", tc.name, s.dipCash)
		}
	}
}

// Dip buyers hold a collapsed coin above where it falls without them, and
// the governance holders' panic sales make its price fall faster; the
// accounting holds every step (runPath checks).
func TestDipBuyersFloorAndGovernanceSales(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		with := runPath(t, collapse(dipModel()), 240, seed, nil).Metrics()
		bare := collapse(dipModel())
		bare.DipBuyers = nil
		without := runPath(t, bare, 240, seed, nil).Metrics()
		if !(with.MinPrice > 2*without.MinPrice && with.DipSpentUSD > 0 && with.DipHeldShare > 0) {
			t.Errorf("seed %d: minimum %v with dip buyers (spent %v, hold %v of the supply), %v without", seed,
				with.MinPrice, with.DipSpentUSD, with.DipHeldShare, without.MinPrice)
		}
		calm := collapse(dipModel())
		calm.Algorithmic.Governance.PanicSellShare = 0
		if a, b := with.GovPriceFall, runPath(t, calm, 240, seed, nil).Metrics().GovPriceFall; !(a > b) {
			t.Errorf("seed %d: governance price fall %v with panic sales, %v without", seed, a, b)
		}
	}
}

func TestStateDoesNotAllocate(t *testing.T) {
	for name, m := range map[string]*Model{"reserve": reserveModel(), "algorithmic": algoModel(), "dip buyers": collapse(dipModel()),
		"two lines": twoLineModel()} {
		s := NewState(m, time.Hour, 168, friday)
		src := stochastic.NewSource(1, stochastic.StreamStablecoin)
		allocs := testing.AllocsPerRun(5, func() {
			s.Reset()
			for k := 1; k <= 168; k++ {
				s.Events(k)
				s.Trade(src, k, 1e6, 1e8)
				s.Settle(k)
				s.Record(k)
				if err := s.Check(); err != nil {
					t.Fatal(err)
				}
			}
			_ = s.Metrics()
		})
		if allocs != 0 {
			t.Errorf("%s: a path allocates %v times", name, allocs)
		}
		if tokens, _ := s.DipHoldings(); m.DipBuyers != nil && tokens <= 0 {
			t.Errorf("%s: the dip buyers never bought; the test does not exercise them", name)
		}
	}
}

func TestValidate(t *testing.T) {
	m := reserveModel()
	m.Supply = math.NaN()
	m.Holders.RedeemShare = 2
	m.Reserve.Bank.Failure.GuaranteeAt = 10 * time.Hour
	m.Events[0].At = 90 * time.Minute
	m.Reserve.Calendar.CloseHour = 13
	err := m.Validate(time.Hour)
	for _, want := range []string{"supply: ", "holders.redeem_share: ", "backing.bank.failure.guarantee_at: ", "events.0.at: ", "backing.calendar.close_hour: "} {
		if err == nil || !contains(err.Error(), want) {
			t.Errorf("Validate: %v lacks %q", err, want)
		}
	}
	if err := algoModel().Validate(time.Hour); err != nil {
		t.Error(err)
	}
	d := dipModel()
	d.DipBuyers.Ceiling = 1
	d.DipBuyers.CapitalUSD = math.Inf(1)
	d.Algorithmic.Governance.PanicSellShare = math.NaN()
	err = d.Validate(time.Hour)
	for _, want := range []string{"dip_buyers.ceiling: ", "dip_buyers.capital_usd: ", "backing.governance.panic_sell_share: "} {
		if err == nil || !contains(err.Error(), want) {
			t.Errorf("Validate: %v lacks %q", err, want)
		}
	}
	if err := twoLineModel().Validate(time.Hour); err != nil {
		t.Error(err)
	}
	w := twoLineModel()
	w.Algorithmic.Defense.SecondLine.Trigger = 0.995 // above the first line's 0.99
	w.Algorithmic.Defense.SecondLine.ReserveUSD = math.NaN()
	w.Algorithmic.Defense.SecondLine.MaxPerDayUSD = 0
	err = w.Validate(time.Hour)
	for _, want := range []string{"backing.defense.second_line.trigger: ", "backing.defense.second_line.reserve_usd: ",
		"backing.defense.second_line.max_per_day_usd: ", "backing.defense.second_line.target: "} {
		if err == nil || !contains(err.Error(), want) {
			t.Errorf("Validate: %v lacks %q", err, want)
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// The market's sub-steps: ⌈step/substep⌉ of them, one without a substep or
// when the step is shorter; Validate bounds substep to [0, 1d].
func TestSubSteps(t *testing.T) {
	for _, c := range []struct {
		sub, step time.Duration
		want      int
	}{{0, time.Hour, 1}, {5 * time.Minute, time.Hour, 12}, {7 * time.Minute, time.Hour, 9},
		{5 * time.Minute, 15 * time.Minute, 3}, {5 * time.Minute, 2 * time.Minute, 1}} {
		a := Algorithmic{Substep: c.sub}
		if got := a.SubSteps(c.step); got != c.want {
			t.Errorf("substep %v, step %v: %d sub-steps, want %d", c.sub, c.step, got, c.want)
		}
	}
	m := algoModel()
	for _, bad := range []time.Duration{-time.Second, 25 * time.Hour} {
		m.Algorithmic.Substep = bad
		if err := m.Validate(time.Hour); err == nil || !strings.Contains(err.Error(), "substep") {
			t.Errorf("substep %v: %v, want an error naming substep", bad, err)
		}
	}
}
