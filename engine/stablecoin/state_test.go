package stablecoin

import (
	"math"
	"strings"
	"testing"
	"time"

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

// flowMinted integrates the virtual pool numerically: x burned at a
// constant rate over one step of length step (hours), from imbalance d0,
// with the midpoint rule on n sub-steps; it returns the value minted
// (before the minimum spread) and the imbalance at the end.
func flowMinted(b, d0, x, halfLife, step float64, n int) (minted, d1 float64) {
	tau := halfLife / math.Ln2
	r, h, d := x/step, step/float64(n), d0
	for range n {
		mid := d + 0.5*h*(r-d/tau)
		minted += r * h * b * b / ((b + mid) * (b + mid))
		d += h * (r - mid/tau)
	}
	return minted, d
}

// The mint/burn swap burns a step's x at a constant rate through the step
// against a virtual pool that recovers within the step: minted(x) is the
// integral of the marginal mint B²/(B + δ(t))², it does not depend on how
// the time is cut into steps, and a recovery much slower than the step
// gives the single swap B²/(B + δ) − B²/(B + δ + x).
func TestMintedValue(t *testing.T) {
	m := algoModel()
	m.Algorithmic.MinSpread = 0
	a := m.Algorithmic
	b := a.BasePoolUSD
	for _, hl := range []time.Duration{time.Minute, 150 * time.Second, 10 * time.Minute, time.Hour, 30 * 24 * time.Hour} {
		s := NewState(m, time.Hour, 1, friday)
		s.Reset()
		for _, d0 := range []float64{0, 0.3 * b, 3 * b} {
			for _, x := range []float64{1e3, 1e7, 1e9, 3e10} {
				a.RecoveryHalfLife = hl
				s := NewState(m, time.Hour, 1, friday)
				s.Reset()
				s.delta = d0
				want, wantD := flowMinted(b, d0, x, hl.Hours(), 1, 200000)
				if got := s.minted(x); math.Abs(got-want) > 1e-6*want {
					t.Errorf("half-life %v, δ₀ %.3g: minted(%.3g) = %.10g, numerical integral %.10g", hl, d0, x, got, want)
				}
				if got := s.deltaAfter(x); math.Abs(got-wantD) > 1e-6*(wantD+b) {
					t.Errorf("half-life %v, δ₀ %.3g: δ after %.3g = %.10g, numerical %.10g", hl, d0, x, got, wantD)
				}
				// One step of an hour mints what two steps of 30 minutes
				// at the same rate mint.
				h := NewState(m, 30*time.Minute, 2, friday)
				h.Reset()
				h.delta = d0
				two := h.minted(x / 2)
				h.delta = h.deltaAfter(x / 2)
				two += h.minted(x / 2)
				if got := s.minted(x); math.Abs(got-two) > 1e-9*got {
					t.Errorf("half-life %v, δ₀ %.3g, x %.3g: one 1h step mints %.15g, two 30m steps %.15g", hl, d0, x, got, two)
				}
				if d1, d2 := s.deltaAfter(x), h.deltaAfter(x/2); math.Abs(d1-d2) > 1e-9*(d1+b) {
					t.Errorf("half-life %v, δ₀ %.3g, x %.3g: δ after one step %.15g, after two %.15g", hl, d0, x, d1, d2)
				}
			}
		}
	}
	// A recovery far slower than the step: the single swap.
	a.RecoveryHalfLife = 365 * 24 * time.Hour
	s := NewState(m, time.Hour, 1, friday)
	s.Reset()
	for _, x := range []float64{1e6, 1e8, 1e9} {
		want := b - b*b/(b+x)
		if got := s.minted(x); math.Abs(got-want) > 1e-4*want {
			t.Errorf("slow recovery: minted(%v) = %v, single swap %v", x, got, want)
		}
	}
	// The minimum spread caps what small burns mint; the value is
	// increasing and concave in x (the arbitrageurs' golden-section search
	// needs a concave profit).
	m = algoModel()
	s = NewState(m, time.Hour, 1, friday)
	s.Reset()
	if got := s.minted(1e6); got != 0.995e6 {
		t.Errorf("small burns pay the minimum spread: %v", got)
	}
	// Past about BΔ/(4τ) a faster constant flow mints less in all (the
	// spread of the whole step's burns widens), so minted rises, concave,
	// to one peak and then falls: the profit has one maximum, before the
	// peak.
	prev, prevSlope, peak := 0.0, math.Inf(1), 0.0
	for x := 1e6; x <= 1e12; x *= 1.25 {
		got := s.minted(x)
		if got > 0.995*x || got < 0 {
			t.Fatalf("minted(%v) = %v: negative or above (1 − min spread)·x", x, got)
		}
		slope := (got - prev) / (x - x/1.25)
		switch {
		case peak == 0 && slope < 0:
			peak = x / 1.25
		case peak == 0 && x > 1e6 && slope > prevSlope*(1+1e-9):
			t.Fatalf("minted is not concave before its peak, at %v: slope %v after %v", x, slope, prevSlope)
		case peak > 0 && slope > 0:
			t.Fatalf("minted rises again at %v after its peak at %v", x, peak)
		}
		prev, prevSlope = got, slope
	}
	b, tau := m.Algorithmic.BasePoolUSD, m.Algorithmic.RecoveryHalfLife.Hours()/math.Ln2
	if peak < b/(4*tau) || peak > 4*b/tau {
		t.Errorf("minted peaks at %.3g, want about BΔ/(4τ) = %.3g or more", peak, b/(4*tau))
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
