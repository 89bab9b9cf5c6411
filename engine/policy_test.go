package engine

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spiralrisk/spiral/engine/lending"
	"github.com/spiralrisk/spiral/stochastic"
)

// scriptedPool is testConfig on one deterministic path of 48 hourly steps:
// the price is 100 for 10 steps, then follows tail (held after its end); no
// noise in withdrawals or deposits.
func scriptedPool(tail ...float64) *Config {
	cfg := testConfig(1)
	cfg.Horizon = 48 * time.Hour
	prices := slices.Repeat([]float64{100}, 10)
	cfg.Price = steps{Initial: 100, Prices: append(prices, tail...)}
	cfg.Withdrawals = stochastic.SelfExciting{Baseline: 0.02, HalfLife: 12 * time.Hour}
	cfg.Inflow = Inflow{Baseline: 0.02, ReferenceAPR: 0.03}
	cfg.Trace = Trace{Paths: 1, Every: 1}
	return cfg
}

func drawdownAtLeast(level float64, hold time.Duration) Trigger {
	return Trigger{Signal: SignalDrawdown, Level: level, For: hold}
}

// stepsWhere lists the steps of series whose point satisfies f.
func stepsWhere(series []SeriesPoint, f func(*SeriesPoint) bool) []int {
	var out []int
	for i := range series {
		if f(&series[i]) {
			out = append(out, series[i].Step)
		}
	}
	return out
}

func span(from, to int) []int {
	var out []int
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}

// A pause with a reaction delay is in force exactly from the step after
// trigger + delay, for its duration; the trigger must have held at For/Step
// + 1 consecutive step ends; a finished pause re-arms the rule and its
// condition must hold anew. The price falls 30 % at the end of step 11.
func TestPauseActsExactlyAfterTheDelay(t *testing.T) {
	fall := []float64{70}
	dip := []float64{70, 100, 70} // step 12 back at the peak: drawdown 0
	for _, c := range []struct {
		name      string
		tail      []float64
		trigger   Trigger
		delay     time.Duration
		duration  time.Duration
		max       int
		fires     []int // step ends at which the trigger fires
		paused    []int
		pauses    int
		firstHour float64 // when the first pause is in force
	}{
		{"immediate", fall, drawdownAtLeast(0.2, 0), 0, time.Hour, 1, []int{11}, []int{12}, 1, 11},
		{"held 2h, delay 3h", fall, drawdownAtLeast(0.2, 2*time.Hour), 3 * time.Hour, 5 * time.Hour, 1, []int{13}, span(17, 21), 1, 16},
		{"interrupted", dip, drawdownAtLeast(0.2, time.Hour), time.Hour, 2 * time.Hour, 1, []int{14}, []int{16, 17}, 1, 15},
		{"level is inclusive", fall, drawdownAtLeast(0.3, 0), 0, time.Hour, 1, []int{11}, []int{12}, 1, 11},
		{"never", fall, drawdownAtLeast(0.31, 0), 0, time.Hour, 1, nil, nil, 0, math.NaN()},
		// Re-armed at once with For 0: back to back until the horizon.
		{"re-armed", fall, drawdownAtLeast(0.2, 0), 0, 5 * time.Hour, 0, []int{11, 16, 21, 26, 31, 36, 41, 46}, span(12, 48), 8, 11},
		// Re-armed, the condition must hold for 2 h again; at most twice.
		{"re-armed, held", fall, drawdownAtLeast(0.2, 2*time.Hour), 0, 5 * time.Hour, 2, []int{13, 20}, append(span(14, 18), span(21, 25)...), 2, 13},
		// A pause that would start after the horizon never comes into force.
		{"too late", fall, drawdownAtLeast(0.2, 0), 40 * time.Hour, time.Hour, 1, []int{11}, nil, 0, math.NaN()},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := scriptedPool(c.tail...)
			cfg.Policy = &Policy{Pauses: []Pause{{Actions: PauseDeposit, Trigger: c.trigger, Delay: c.delay, Duration: c.duration, MaxActivations: c.max}}}
			s, series := runOne(t, cfg)
			paused := stepsWhere(series, func(p *SeriesPoint) bool { return p.Paused == int(PauseDeposit) })
			if !slices.Equal(paused, c.paused) {
				t.Errorf("paused in steps %v, want %v", paused, c.paused)
			}
			if other := stepsWhere(series, func(p *SeriesPoint) bool { return p.Paused&^int(PauseDeposit) != 0 }); other != nil {
				t.Errorf("other actions paused in steps %v", other)
			}
			fires := stepsWhere(series, func(p *SeriesPoint) bool { return p.PolicyEvents > 0 })
			if !slices.Equal(fires, c.fires) {
				t.Errorf("triggers fired at the ends of steps %v, want %v", fires, c.fires)
			}
			// The pause stops deposits and nothing else.
			noDeposits := stepsWhere(series, func(p *SeriesPoint) bool { return p.NewDepositsUSD == 0 })
			if !slices.Equal(noDeposits, c.paused) {
				t.Errorf("no deposits in steps %v, want %v", noDeposits, c.paused)
			}
			if s.Pauses != c.pauses || s.HoursPausedDeposit != float64(len(c.paused)) ||
				s.HoursPausedBorrow+s.HoursPausedWithdraw+s.HoursPausedLiquidate != 0 {
				t.Errorf("pauses %d, hours paused %v/%v/%v/%v; want %d pauses, %d deposit hours", s.Pauses,
					s.HoursPausedBorrow, s.HoursPausedWithdraw, s.HoursPausedDeposit, s.HoursPausedLiquidate, c.pauses, len(c.paused))
			}
			firstFire := math.NaN()
			if len(c.fires) > 0 {
				firstFire = float64(c.fires[0])
			}
			if !sameFloat(s.FirstTriggerHour, firstFire) || !sameFloat(s.FirstPauseHour, c.firstHour) {
				t.Errorf("first trigger hour %v, first pause hour %v; want %v, %v", s.FirstTriggerHour, s.FirstPauseHour, firstFire, c.firstHour)
			}
		})
	}
}

func sameFloat(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// A withdrawal pause stops payments while requests keep queueing; the queue
// is paid when it ends. A borrow pause stops new borrowing only.
func TestWithdrawAndBorrowPauses(t *testing.T) {
	cfg := scriptedPool(70)
	cfg.Borrowers.CheapAPR = 0.08 // borrowers borrow every step
	cfg.Policy = &Policy{Pauses: []Pause{
		{Actions: PauseWithdraw | PauseBorrow, Trigger: drawdownAtLeast(0.2, 0), Delay: 2 * time.Hour, Duration: 4 * time.Hour, MaxActivations: 1},
	}}
	s, series := runOne(t, cfg)
	want := span(14, 17)
	if got := stepsWhere(series, func(p *SeriesPoint) bool { return p.Paused == int(PauseWithdraw|PauseBorrow) }); !slices.Equal(got, want) {
		t.Fatalf("paused in steps %v, want %v", got, want)
	}
	if got := stepsWhere(series, func(p *SeriesPoint) bool { return p.PaidUSD == 0 }); !slices.Equal(got, want) {
		t.Errorf("nothing paid in steps %v, want %v", got, want)
	}
	for _, st := range want {
		p, prev := series[st-1], series[st-2]
		if !(p.RequestedUSD > 0) || math.Abs(p.QueueUSD-(prev.QueueUSD+p.RequestedUSD)) > 1e-6 {
			t.Errorf("step %d: requested %v, queue %v after %v: requests must queue", st, p.RequestedUSD, p.QueueUSD, prev.QueueUSD)
		}
		// Borrows grow by interest alone: no new borrowing, no repayment.
		near(t, "paused borrows", p.BorrowsUSD, prev.BorrowsUSD*(1+prev.BorrowAPR*cfg.Dt()))
	}
	if after := series[want[len(want)-1]]; after.QueueUSD != 0 || after.PaidUSD < series[want[len(want)-1]-1].QueueUSD {
		t.Errorf("the queue was not paid after the pause: %+v", after)
	}
	if s.HoursPausedWithdraw != 4 || s.HoursPausedBorrow != 4 || s.Pauses != 1 {
		t.Errorf("hours paused %v withdraw, %v borrow, %d pauses", s.HoursPausedWithdraw, s.HoursPausedBorrow, s.Pauses)
	}
	// Outside the pause borrowers borrow.
	if p := series[12-1]; !(p.BorrowsUSD > series[12-2].BorrowsUSD*(1+series[12-2].BorrowAPR*cfg.Dt())*(1+1e-9)) {
		t.Errorf("no new borrowing in step 12: the test proves nothing")
	}
}

// A liquidation pause keeps a liquidatable position open until it ends and
// counts it as skipped while paused.
func TestLiquidationPause(t *testing.T) {
	// 10 ETH against 15,000 USD at LT 0.83: healthy at 1,900 (HF 1.05),
	// liquidatable at 1,700 (0.94). The 5 % dip at the end of step 4
	// fires the trigger; the pause covers steps 5–9.
	price := steps{Initial: 2000, Prices: []float64{2000, 2000, 2000, 1900, 1700}}
	cfg := quietConfig(onePosition(t, 10, 15000), price, 12)
	cfg.Policy = &Policy{Pauses: []Pause{{Actions: PauseLiquidate, Trigger: drawdownAtLeast(0.04, 0), Duration: 5 * time.Hour, MaxActivations: 1}}}
	s, series := runOne(t, cfg)
	if got := stepsWhere(series, func(p *SeriesPoint) bool { return p.LiquidatedUSD > 0 }); !slices.Equal(got, []int{10}) {
		t.Errorf("liquidations in steps %v, want [10]", got)
	}
	if s.SkippedPaused != 5 || s.HoursPausedLiquidate != 5 || s.Liquidations != 1 {
		t.Errorf("skipped while paused %d, hours paused %v, liquidations %d; want 5, 5, 1", s.SkippedPaused, s.HoursPausedLiquidate, s.Liquidations)
	}
	cfg.Policy = nil
	_, series = runOne(t, cfg)
	if got := stepsWhere(series, func(p *SeriesPoint) bool { return p.LiquidatedUSD > 0 }); !slices.Equal(got, []int{5}) {
		t.Errorf("without the pause: liquidations in steps %v, want [5]", got)
	}
}

// A governance change queued at At (or when its trigger fires) is in force
// exactly from the step after At + Timelock; a lower liquidation threshold
// makes the book's position liquidatable then and not before.
func TestGovernanceTimelock(t *testing.T) {
	always := &Trigger{Signal: SignalUtilization, Level: 0}
	for _, c := range []struct {
		name     string
		at       time.Duration
		trigger  *Trigger
		timelock time.Duration
		first    int // first step with the new threshold
	}{
		{"at 2h, timelock 3h", 2 * time.Hour, nil, 3 * time.Hour, 6},
		{"at 0, no timelock", 0, nil, 0, 1},
		{"at 7h, no timelock", 7 * time.Hour, nil, 0, 8},
		{"triggered at 1h, timelock 2h", 0, always, 2 * time.Hour, 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			// 10 ETH against 15,000 USD at 2,000: HF 1.107 at LT 0.83,
			// 0.933 at 0.70.
			cfg := quietConfig(onePosition(t, 10, 15000), steps{Initial: 2000, Prices: []float64{2000}}, 12)
			cfg.Policy = &Policy{Governance: []GovernanceChange{{Param: ParamLiquidationThreshold, Value: 0.70, At: c.at, Trigger: c.trigger, Timelock: c.timelock}}}
			s, series := runOne(t, cfg)
			if got := stepsWhere(series, func(p *SeriesPoint) bool { return p.LiquidationThreshold == 0.70 }); !slices.Equal(got, span(c.first, 12)) {
				t.Errorf("threshold 0.70 in steps %v, want %d–12", got, c.first)
			}
			if got := stepsWhere(series, func(p *SeriesPoint) bool { return p.LiquidatedUSD > 0 }); len(got) == 0 || got[0] != c.first {
				t.Errorf("liquidations in steps %v, want the first in %d", got, c.first)
			}
			if s.GovernanceChanges != 1 {
				t.Errorf("%d governance changes, want 1", s.GovernanceChanges)
			}
		})
	}
}

// Rate-curve and reserve-factor changes act on the accrual of the step they
// are in force.
func TestGovernanceRatesAndReserveFactor(t *testing.T) {
	cfg := scriptedPool(100)
	cfg.Policy = &Policy{Governance: []GovernanceChange{
		{Param: ParamReserveFactor, Value: 0.3, At: 5 * time.Hour, Timelock: 10 * time.Hour},
		{Param: ParamSlope1, Value: 0.08, At: 20 * time.Hour, Timelock: 0},
	}}
	s, series := runOne(t, cfg)
	if got := stepsWhere(series, func(p *SeriesPoint) bool { return p.ReserveFactor == 0.3 }); !slices.Equal(got, span(16, 48)) {
		t.Errorf("reserve factor 0.3 in steps %v, want 16–48", got)
	}
	for _, st := range []int{15, 16} {
		p, prev := series[st-1], series[st-2]
		interest := p.BorrowsUSD - prev.BorrowsUSD // no borrowing or repayment at this rate
		want := 0.1
		if st == 16 {
			want = 0.3
		}
		if got := (p.ReservesUSD - prev.ReservesUSD) / interest; math.Abs(got-want) > 1e-9 {
			t.Errorf("step %d: reserves took %v of the interest, want %v", st, got, want)
		}
	}
	k := cfg.Pool.Rates.(lending.Kinked)
	for _, st := range []int{20, 21, 22} {
		p := series[st-1]
		k2 := k
		if st > 20 {
			k2.Slope1 = 0.08
		}
		near(t, "borrow APR", p.BorrowAPR, k2.BorrowRate(p.Utilization))
	}
	if s.GovernanceChanges != 2 {
		t.Errorf("%d governance changes, want 2", s.GovernanceChanges)
	}
}

// A steward moves its parameter by at most MaxChange per update, one update
// per Period, first at the start, until it reaches the target.
func TestStewardBoundedUpdates(t *testing.T) {
	cfg := quietConfig(onePosition(t, 10, 15000), steps{Initial: 2000, Prices: []float64{2000}}, 48)
	cfg.Policy = &Policy{Stewards: []Steward{{Param: ParamLiquidationThreshold, Target: 0.6, MaxChange: 0.05, Period: 6 * time.Hour}}}
	s, series := runOne(t, cfg)
	want := map[int]float64{1: 0.78, 7: 0.73, 13: 0.68, 19: 0.63, 25: 0.6}
	lt := 0.83
	for _, p := range series {
		if v, ok := want[p.Step]; ok {
			lt = v
		}
		near(t, "threshold", p.LiquidationThreshold, lt)
	}
	if s.StewardUpdates != 5 {
		t.Errorf("%d steward updates, want 5", s.StewardUpdates)
	}
	// HF 1.0 at 0.75: liquidated once the threshold is 0.73 (step 7).
	if got := stepsWhere(series, func(p *SeriesPoint) bool { return p.LiquidatedUSD > 0 }); len(got) == 0 || got[0] != 7 {
		t.Errorf("liquidations in steps %v, want the first in 7", got)
	}
}

// Random stewards on every parameter the series shows never move it by more
// than their bound, nor more than once per period.
func TestStewardsNeverExceedTheirBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 3))
	for trial := range 30 {
		cfg := crashConfig(t, 1)
		cfg.Horizon = 5 * 24 * time.Hour
		cfg.Pool.SupplyCap, cfg.Pool.BorrowCap = 2e9, 1.5e9
		params := []Param{ParamLiquidationThreshold, ParamBonus, ParamReserveFactor, ParamSupplyCap, ParamBorrowCap}
		lo := []float64{0.5, 0, 0, 1e8, 1e8}
		hi := []float64{0.95, 0.2, 0.9, 5e9, 5e9}
		var stewards []Steward
		for i, p := range params {
			w := Steward{Param: p, Target: lo[i] + rng.Float64()*(hi[i]-lo[i]), Period: time.Duration(1+rng.IntN(30)) * time.Hour}
			if w.Relative = rng.IntN(2) == 0; w.Relative {
				w.MaxChange = 0.01 + 0.3*rng.Float64()
			} else {
				w.MaxChange = (hi[i] - lo[i]) * (0.01 + 0.2*rng.Float64())
			}
			if rng.IntN(3) == 0 {
				w.Trigger = &Trigger{Signal: SignalDrawdown, Level: 0.1 * rng.Float64(), For: time.Duration(rng.IntN(5)) * time.Hour}
			}
			stewards = append(stewards, w)
		}
		cfg.Policy = &Policy{Stewards: stewards}
		s, series := runOne(t, cfg)
		initial := []float64{cfg.Liquidation.Rules.LiquidationThreshold, cfg.Liquidation.Rules.Bonus, cfg.Pool.ReserveFactor, cfg.Pool.SupplyCap, cfg.Pool.BorrowCap}
		updates := 0
		for i, w := range stewards {
			period := int(w.Period / time.Hour)
			value := func(p *SeriesPoint) float64 {
				return [...]float64{p.LiquidationThreshold, p.LiquidationBonus, p.ReserveFactor, p.SupplyCapUSD, p.BorrowCapUSD}[i]
			}
			prev, lastChange := initial[i], -1<<30
			for k := range series {
				v := value(&series[k])
				if v == prev {
					continue
				}
				updates++
				limit := w.MaxChange
				if w.Relative {
					limit *= prev
				}
				if math.Abs(v-prev) > limit*(1+1e-12) {
					t.Fatalf("trial %d %v: step %d moved %v → %v, more than %v", trial, w.Param, series[k].Step, prev, v, limit)
				}
				if math.Abs(v-w.Target) > math.Abs(prev-w.Target) {
					t.Fatalf("trial %d %v: step %d moved away from the target %v: %v → %v", trial, w.Param, series[k].Step, w.Target, prev, v)
				}
				if series[k].Step-lastChange < period {
					t.Fatalf("trial %d %v: changes in steps %d and %d, period %d steps", trial, w.Param, lastChange, series[k].Step, period)
				}
				prev, lastChange = v, series[k].Step
			}
		}
		// Updates at the end of the last step are not in the series.
		if updates > s.StewardUpdates || updates == 0 {
			t.Fatalf("trial %d: %d changes seen, %d steward updates counted", trial, updates, s.StewardUpdates)
		}
	}
}

// Caps set by governance stop new deposits and borrowing beyond them; they
// do not force anyone out. A steward does not act on a cap that is 0.
func TestGovernanceCapsAreEnforced(t *testing.T) {
	cfg := scriptedPool(100)
	cfg.Borrowers.CheapAPR = 0.08 // borrowers borrow every step
	cfg.Policy = &Policy{
		Governance: []GovernanceChange{
			{Param: ParamSupplyCap, Value: 1, At: 5 * time.Hour},
			{Param: ParamBorrowCap, Value: 1, At: 5 * time.Hour},
		},
		Stewards: []Steward{{Param: ParamSupplyCap, Target: 1e9, MaxChange: 1, Relative: true, Period: 100 * time.Hour}},
	}
	s, series := runOne(t, cfg)
	for i, p := range series {
		accrued := cfg.Pool.Utilization * (cfg.Pool.Deposits + cfg.Pool.Reserves)
		if i > 0 {
			accrued = series[i-1].BorrowsUSD * (1 + series[i-1].BorrowAPR*cfg.Dt())
		}
		if p.Step <= 5 {
			if !(p.NewDepositsUSD > 0) || !(p.BorrowsUSD > accrued*(1+1e-9)) || p.SupplyCapUSD != 0 || p.BorrowCapUSD != 0 {
				t.Fatalf("step %d before the caps: %+v", p.Step, p)
			}
			continue
		}
		if p.SupplyCapUSD != 1 || p.BorrowCapUSD != 1 || p.NewDepositsUSD != 0 {
			t.Fatalf("step %d: caps %v, %v, deposits %v", p.Step, p.SupplyCapUSD, p.BorrowCapUSD, p.NewDepositsUSD)
		}
		near(t, "capped borrows", p.BorrowsUSD, accrued)
	}
	if s.StewardUpdates != 0 {
		t.Errorf("a steward moved a cap that was 0 (none): %d updates", s.StewardUpdates)
	}
	if last := series[len(series)-1]; !(last.DepositsUSD > 1) || !(last.BorrowsUSD > 1) {
		t.Errorf("caps forced depositors or borrowers out: %+v", last)
	}
}

// Every kind of rule on a liquidation spiral keeps the accounting identity
// (pool.Check runs every step) and allocates nothing per path.
func TestPolicyPathDoesNotAllocate(t *testing.T) {
	cfg := crashConfig(t, 4)
	cfg.Pool.BorrowCap = 2e9
	cfg.Policy = busyPolicy()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	assertNoAllocs(t, "policy", cfg)
	c := run(t, cfg, Options{Workers: 2})
	var pauses, changes, updates int
	for _, s := range c.rows {
		pauses += s.Pauses
		changes += s.GovernanceChanges
		updates += s.StewardUpdates
	}
	if pauses == 0 || changes == 0 || updates == 0 {
		t.Fatalf("pauses %d, changes %d, steward updates %d: the test proves nothing", pauses, changes, updates)
	}
}

func busyPolicy() *Policy {
	return &Policy{
		Pauses: []Pause{
			{Actions: PauseLiquidate, Trigger: drawdownAtLeast(0.2, time.Hour), Delay: time.Hour, Duration: 6 * time.Hour},
			{Actions: PauseWithdraw | PauseDeposit, Trigger: Trigger{Signal: SignalUtilization, Level: 0.95, For: 2 * time.Hour}, Delay: time.Hour, Duration: 12 * time.Hour, MaxActivations: 2},
			{Actions: PauseBorrow, Trigger: Trigger{Signal: SignalBadDebt, Level: 0}, Duration: 24 * time.Hour},
		},
		Governance: []GovernanceChange{
			{Param: ParamBonus, Value: 0.08, Trigger: &Trigger{Signal: SignalDrawdown, Level: 0.3}, Timelock: 24 * time.Hour},
			{Param: ParamLiquidationThreshold, Value: 0.78, At: 48 * time.Hour, Timelock: 24 * time.Hour},
			{Param: ParamSlope2, Value: 1.2, At: 24 * time.Hour},
		},
		Stewards: []Steward{
			{Param: ParamBorrowCap, Target: 5e8, MaxChange: 0.2, Relative: true, Period: 24 * time.Hour},
			{Param: ParamSlope1, Target: 0.08, MaxChange: 0.01, Period: 12 * time.Hour, Trigger: &Trigger{Signal: SignalUnmetQueue, Level: 0.01}},
		},
	}
}

// The same policy gives the same results for any worker count.
func TestPolicyResultsIndependentOfWorkers(t *testing.T) {
	cfg := crashConfig(t, 12)
	cfg.Pool.BorrowCap = 2e9
	cfg.Policy = busyPolicy()
	ref := run(t, cfg, Options{Workers: 1})
	got := run(t, cfg, Options{Workers: 3, Chunk: 1})
	for i := range ref.rows {
		if !same(&got.rows[i], &ref.rows[i]) {
			t.Fatalf("path %d differs between 1 and 3 workers (seed %d)", i, cfg.Seed)
		}
	}
}

// A policy that never acts changes no result: the path's copies of the
// parameters give the same numbers as the shared configuration.
func TestIdlePolicyChangesNothing(t *testing.T) {
	for _, name := range []string{"pool", "crash"} {
		cfg := testConfig(6)
		if name == "crash" {
			cfg = crashConfig(t, 6)
		}
		ref := run(t, cfg, Options{Workers: 2})
		cfg.Policy = &Policy{
			Pauses:     []Pause{{Actions: PauseWithdraw | PauseBorrow | PauseDeposit, Trigger: drawdownAtLeast(1, 0), Duration: time.Hour}},
			Governance: []GovernanceChange{{Param: ParamReserveFactor, Value: cfg.Pool.ReserveFactor, At: 24 * time.Hour}},
		}
		got := run(t, cfg, Options{Workers: 2})
		for i := range ref.rows {
			a, b := ref.rows[i], got.rows[i]
			if b.GovernanceChanges != 1 {
				t.Fatalf("%s path %d: %d governance changes, want 1", name, i, b.GovernanceChanges)
			}
			b.GovernanceChanges = 0
			if !same(&a, &b) {
				t.Fatalf("%s path %d: an idle policy changed the results (seed %d)", name, i, cfg.Seed)
			}
		}
		for p, s := range ref.series {
			g := got.series[p]
			for k := range s {
				x, y := s[k], g[k]
				y.PolicyEvents = 0
				if x != y {
					t.Fatalf("%s path %d step %d: series differ:\n%+v\n%+v", name, p, k+1, x, y)
				}
			}
		}
	}
}

func TestPolicyValidate(t *testing.T) {
	ok := Pause{Actions: PauseWithdraw, Trigger: Trigger{Signal: SignalUtilization, Level: 0.99, For: 2 * time.Hour}, Delay: time.Hour, Duration: 24 * time.Hour}
	for _, c := range []struct {
		name   string
		liq    bool
		policy Policy
		want   []string // field paths of the problems
	}{
		{"valid", false, Policy{Pauses: []Pause{ok}}, nil},
		{"pause", false, Policy{Pauses: []Pause{{Actions: 0, Trigger: Trigger{Signal: 0, Level: math.NaN(), For: 90 * time.Minute}, Delay: -time.Hour, Duration: 0, MaxActivations: -1}}},
			[]string{"policy.pauses.0.actions", "policy.pauses.0.trigger.signal", "policy.pauses.0.trigger.level", "policy.pauses.0.trigger.for",
				"policy.pauses.0.delay", "policy.pauses.0.duration", "policy.pauses.0.max_activations"}},
		{"needs positions", false, Policy{
			Pauses:     []Pause{{Actions: PauseLiquidate, Trigger: Trigger{Signal: SignalBadDebt, Level: 0.01}, Duration: time.Hour}},
			Governance: []GovernanceChange{{Param: ParamBonus, Value: 0.1}},
			Stewards:   []Steward{{Param: ParamLiquidationThreshold, Target: 0.7, MaxChange: 0.01, Period: time.Hour}}},
			[]string{"policy.pauses.0.actions", "policy.pauses.0.trigger.signal", "policy.governance.0.field", "policy.stewards.0.field"}},
		{"depeg needs a stablecoin", false, Policy{Pauses: []Pause{{Actions: PauseBorrow, Trigger: Trigger{Signal: SignalDepeg, Level: 0.05}, Duration: time.Hour}}},
			[]string{"policy.pauses.0.trigger.signal"}},
		{"values", true, Policy{Governance: []GovernanceChange{
			{Param: ParamSlope2, Value: 101},
			{Param: ParamKink, Value: 0.5},
			{Param: ParamLiquidationThreshold, Value: 1},
			{Param: ParamBonus, Value: 0.6, At: 11 * 24 * time.Hour},
			{Param: ParamSupplyCap, Value: -1, Timelock: 400 * 24 * time.Hour},
			{Param: ParamReserveFactor, Value: math.Inf(1)},
			{Param: 0, Value: 1},
			{Param: ParamBorrowCap, Value: 0, Trigger: &Trigger{Signal: SignalUtilization, Level: 2}},
		}}, []string{"policy.governance.0.value", "policy.governance.1.field", "policy.governance.2.value", "policy.governance.3.value",
			"policy.governance.3.at", "policy.governance.4.value", "policy.governance.4.timelock", "policy.governance.5.value",
			"policy.governance.6.field", "policy.governance.7.trigger.level"}},
		{"stewards", true, Policy{Stewards: []Steward{
			{Param: ParamSupplyCap, Target: 0, MaxChange: 0, Period: 0},
			{Param: ParamOptimal, Target: 0.5, MaxChange: 11, Relative: true, Period: 30 * time.Minute},
		}}, []string{"policy.stewards.0.target", "policy.stewards.0.max_change", "policy.stewards.0.period",
			"policy.stewards.1.max_change", "policy.stewards.1.period"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := testConfig(1)
			if c.liq {
				cfg = crashConfig(t, 1)
			}
			cfg.Policy = &c.policy
			var got []string
			for _, err := range Problems(cfg.Validate()) {
				path, _, _ := strings.Cut(err.Error(), ": ")
				got = append(got, path)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("problems at %v, want %v\n%v", got, c.want, cfg.Validate())
			}
		})
	}
}

func TestNamesRoundTrip(t *testing.T) {
	for _, a := range PauseActions {
		if b, err := ParsePauseAction(a.String()); err != nil || b != a {
			t.Errorf("%v: %v %v", a, b, err)
		}
	}
	if s := (PauseBorrow | PauseLiquidate).String(); s != "borrow+liquidate" {
		t.Errorf("String %q", s)
	}
	for g := SignalUtilization; g <= SignalDepeg; g++ {
		if h, err := ParseSignal(g.String()); err != nil || h != g {
			t.Errorf("%v: %v %v", g, h, err)
		}
	}
	for p := ParamBase; p <= ParamBorrowCap; p++ {
		if q, err := ParseParam(p.String()); err != nil || q != p {
			t.Errorf("%v: %v %v", p, q, err)
		}
	}
	for _, bad := range []string{"", "pause", "Borrow"} {
		if _, err := ParsePauseAction(bad); err == nil {
			t.Errorf("ParsePauseAction(%q) accepted", bad)
		}
		if _, err := ParseSignal(bad); err == nil {
			t.Errorf("ParseSignal(%q) accepted", bad)
		}
		if _, err := ParseParam(bad); err == nil {
			t.Errorf("ParseParam(%q) accepted", bad)
		}
	}
}
