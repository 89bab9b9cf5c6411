package engine

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spiralrisk/spiral/engine/lending"
	"github.com/spiralrisk/spiral/engine/stablecoin"
	"github.com/spiralrisk/spiral/stochastic"
)

// testConfig is a small USDC-like market with an ETH-like price.
func testConfig(paths int) *Config {
	return &Config{
		Seed:    7,
		Paths:   paths,
		Horizon: 10 * 24 * time.Hour,
		Step:    time.Hour,
		Price:   stochastic.GBM{Initial: 1600, Drift: 0, Volatility: 0.9},
		Pool: lending.Params{
			Deposits: 50e6, Utilization: 0.85, Reserves: 0.5e6,
			Rates:         lending.Kinked{Slope1: 0.04, Slope2: 0.6, Optimal: 0.9},
			ReserveFactor: 0.1,
		},
		Borrowers: Borrowers{ToleranceAPR: 0.08, RepayElasticity: 0.02, MaxRepayPerDay: 0.1,
			CheapAPR: 0.025, BorrowElasticity: 0.02, MaxBorrowPerDay: 0.05},
		Withdrawals: stochastic.SelfExciting{Baseline: 0.015, HalfLife: 12 * time.Hour, Excitation: 0.6, NoiseSigma: 0.5,
			Utilization: stochastic.Trigger{Level: 0.95, Weight: 2},
			Drawdown:    stochastic.Trigger{Level: 0.25, Weight: 0.5},
			UnmetQueue:  stochastic.Trigger{Level: 0, Weight: 3}},
		Inflow: Inflow{Baseline: 0.015, Attraction: 0.01, ReferenceAPR: 0.03, PanicDamping: 5, NoiseSigma: 0.5},
		Trace:  Trace{Paths: 3, Every: 1},
	}
}

type collect struct {
	rows   []Summary
	series map[int][]SeriesPoint
	fail   int // return an error at this call, if > 0
	calls  int
}

func (c *collect) Write(batch []PathResult) error {
	c.calls++
	if c.fail > 0 && c.calls == c.fail {
		return errors.New("disk full")
	}
	for i := range batch {
		c.rows = append(c.rows, batch[i].Summary)
		if len(batch[i].Series) > 0 {
			if c.series == nil {
				c.series = map[int][]SeriesPoint{}
			}
			c.series[batch[i].Summary.Path] = append([]SeriesPoint(nil), batch[i].Series...)
		}
	}
	return nil
}

func run(t *testing.T, cfg *Config, opts Options) *collect {
	t.Helper()
	c := &collect{}
	if err := Run(context.Background(), cfg, opts, c); err != nil {
		t.Fatalf("seed %d: %v", cfg.Seed, err)
	}
	return c
}

// same compares every column bit for bit (NaN equals NaN).
func same(a, b *Summary) bool {
	if a.Path != b.Path || a.Seed != b.Seed {
		return false
	}
	for _, c := range SummaryColumns {
		x, y := c.Value(a), c.Value(b)
		if math.Float64bits(x) != math.Float64bits(y) {
			return false
		}
	}
	return true
}

func TestResultsIndependentOfWorkersAndChunks(t *testing.T) {
	cfg := testConfig(40)
	ref := run(t, cfg, Options{Workers: 1, Chunk: 40})
	for _, o := range []Options{{Workers: 2}, {Workers: 7, Chunk: 1}, {Workers: 2, Chunk: 3}, {Workers: 3, Chunk: 64}} {
		got := run(t, cfg, o)
		if len(got.rows) != len(ref.rows) {
			t.Fatalf("%+v: %d rows, want %d", o, len(got.rows), len(ref.rows))
		}
		for i := range ref.rows {
			if got.rows[i].Path != i {
				t.Fatalf("%+v: row %d is path %d: not in path order", o, i, got.rows[i].Path)
			}
			if !same(&got.rows[i], &ref.rows[i]) {
				t.Fatalf("%+v: path %d differs from the 1-worker run (seed %d)", o, i, cfg.Seed)
			}
		}
		for p, s := range ref.series {
			g := got.series[p]
			if len(g) != len(s) {
				t.Fatalf("%+v: path %d series has %d points, want %d", o, p, len(g), len(s))
			}
			for k := range s {
				if g[k] != s[k] {
					t.Fatalf("%+v: path %d series point %d differs", o, p, k)
				}
			}
		}
	}
}

func TestShardsEqualOneRun(t *testing.T) {
	cfg := testConfig(30)
	ref := run(t, cfg, Options{Workers: 2})
	var rows []Summary
	for _, r := range [][2]int{{0, 7}, {7, 11}, {18, 12}} {
		rows = append(rows, run(t, cfg, Options{Workers: 2, First: r[0], Count: r[1]}).rows...)
	}
	for i := range ref.rows {
		if !same(&rows[i], &ref.rows[i]) {
			t.Fatalf("path %d from shards differs from one run", i)
		}
	}
}

func TestSeedChangesResults(t *testing.T) {
	a := run(t, testConfig(5), Options{Workers: 1})
	cfg := testConfig(5)
	cfg.Seed++
	b := run(t, cfg, Options{Workers: 1})
	for i := range a.rows {
		if a.rows[i].MinPrice == b.rows[i].MinPrice || a.rows[i].RequestedUSD == b.rows[i].RequestedUSD {
			t.Fatalf("path %d identical under seeds %d and %d", i, cfg.Seed-1, cfg.Seed)
		}
	}
}

func TestSeriesMatchesSummary(t *testing.T) {
	cfg := testConfig(3)
	c := run(t, cfg, Options{Workers: 1})
	for p := range 3 {
		s := c.series[p]
		if len(s) != cfg.Steps() {
			t.Fatalf("path %d: %d points, want %d", p, len(s), cfg.Steps())
		}
		var req, paid, maxU float64
		minPrice := cfg.Price.(stochastic.GBM).Initial
		for _, pt := range s {
			req += pt.RequestedUSD
			paid += pt.PaidUSD
			maxU = max(maxU, pt.Utilization)
			minPrice = min(minPrice, pt.Price)
		}
		row := c.rows[p]
		if rel(req, row.RequestedUSD) > 1e-12 || rel(paid, row.PaidUSD) > 1e-12 || maxU > row.MaxUtilization || minPrice != row.MinPrice {
			t.Fatalf("path %d: series totals (req %v paid %v maxU %v min %v) disagree with summary %+v", p, req, paid, maxU, minPrice, row)
		}
		last := s[len(s)-1]
		if last.QueueUSD != row.FinalQueueUSD || last.DepositsUSD != row.FinalDepositsUSD {
			t.Fatalf("path %d: last point %+v disagrees with summary", p, last)
		}
	}
}

func rel(a, b float64) float64 { return math.Abs(a-b) / max(math.Abs(a), math.Abs(b), 1) }

// A market under heavy stress must keep the accounting identity (checked
// every step inside the path: a violation is a *PathError) and produce
// sensible metrics.
func TestStressKeepsInvariants(t *testing.T) {
	cfg := testConfig(50)
	cfg.Pool.Utilization = 0.97
	cfg.Withdrawals = stochastic.SelfExciting{Baseline: 0.2, HalfLife: 6 * time.Hour, Excitation: 0.9, NoiseSigma: 1.5,
		Utilization: stochastic.Trigger{Level: 0.9, Weight: 10}, UnmetQueue: stochastic.Trigger{Weight: 20}}
	cfg.Borrowers.MaxRepayPerDay = 0.01
	c := run(t, cfg, Options{Workers: 2})
	stuck := 0
	for _, r := range c.rows {
		for _, col := range SummaryColumns {
			v := col.Value(&r)
			if math.IsInf(v, 0) || (math.IsNaN(v) && !col.Nullable) || v < 0 {
				t.Fatalf("path %d: %s = %v", r.Path, col.Name, v)
			}
		}
		if r.StuckShare > 0 {
			stuck++
			if math.IsNaN(r.FirstUnmetHour) || r.MaxQueueUSD < r.FinalQueueUSD || r.MaxUtilization < 0.999 {
				t.Fatalf("path %d: stuck but %+v", r.Path, r)
			}
		}
		if r.PaidUSD > r.RequestedUSD*(1+1e-12) {
			t.Fatalf("path %d: paid %v more than requested %v", r.Path, r.PaidUSD, r.RequestedUSD)
		}
	}
	if stuck == 0 {
		t.Fatalf("no path got stuck under a run with 97 %% utilization")
	}
}

// In a calm market with no withdrawals beyond what cash covers, nothing is
// ever queued.
func TestCalmMarketPaysEveryone(t *testing.T) {
	cfg := testConfig(10)
	cfg.Pool.Utilization = 0.5
	cfg.Withdrawals = stochastic.SelfExciting{Baseline: 0.01, HalfLife: time.Hour}
	cfg.Price = stochastic.GBM{Initial: 1600}
	for _, r := range run(t, cfg, Options{Workers: 1}).rows {
		if r.FinalQueueUSD != 0 || r.MaxQueueUSD != 0 || r.MeanWaitHours != 0 || !math.IsNaN(r.FirstUnmetHour) {
			t.Fatalf("calm path %d queued: %+v", r.Path, r)
		}
		if r.MinPrice != 1600 || r.MaxDrawdown != 0 {
			t.Fatalf("flat price moved: %+v", r)
		}
	}
}

func TestRunStopsOnSinkError(t *testing.T) {
	c := &collect{fail: 2}
	err := Run(context.Background(), testConfig(40), Options{Workers: 2, Chunk: 4}, c)
	if err == nil || len(c.rows) != 4 {
		t.Fatalf("err %v after %d rows, want the sink's error after the first chunk", err, len(c.rows))
	}
}

func TestRunHonoursCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Run(ctx, testConfig(40), Options{Workers: 2}, &collect{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	cfg := testConfig(10)
	for _, o := range []Options{{Workers: -1}, {First: 5, Count: 6}, {First: -1}, {Chunk: -2}} {
		if err := Run(context.Background(), cfg, o, &collect{}); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

// assertNoAllocs runs paths 0–3 of cfg (the traced ones record their
// series) on one path runner and fails unless a path allocates nothing. It
// returns the last path's result.
func assertNoAllocs(t *testing.T, name string, cfg *Config) *PathResult {
	t.Helper()
	r := newPathRunner(cfg)
	res := &PathResult{Series: make([]SeriesPoint, 0, cfg.seriesCap())}
	path := 0
	allocs := testing.AllocsPerRun(10, func() {
		if err := r.run(path%4, res); err != nil {
			t.Fatal(err)
		}
		path++
	})
	if allocs != 0 {
		t.Fatalf("%s: a path allocates %v times", name, allocs)
	}
	return res
}

func TestPathDoesNotAllocate(t *testing.T) {
	assertNoAllocs(t, "pool", testConfig(4))
}

// A path with a stablecoin (asset coupling) allocates nothing either.
func TestStablecoinPathDoesNotAllocate(t *testing.T) {
	cfg := testConfig(4)
	cfg.Start = time.Date(2023, 3, 10, 0, 0, 0, 0, time.UTC)
	cfg.Stablecoin = &Stablecoin{Coupling: CouplingAsset, Model: stablecoin.Model{
		Supply: 1e9,
		Market: stablecoin.Market{A: 20, Fee: 0.0004, SizeUSD: 1e8, StableShare: 0.5},
		Holders: stablecoin.Holders{Baseline: 0.001, HalfLife: 6 * time.Hour, NoiseSigma: 0.3, RedeemShare: 0.2,
			Depeg: stochastic.Trigger{Level: 0.01, Weight: 1}, WithdrawnSellShare: 0.5},
		Events: []stablecoin.Event{{At: 27 * time.Hour, Panic: 0.5}},
		Reserve: &stablecoin.Reserve{CashUSD: 3e8, BillsUSD: 6e8, BillsLag: 24 * time.Hour, CapacityUSD: 1e7,
			Bank:         stablecoin.Bank{DepositsUSD: 1e8, Failure: &stablecoin.Failure{At: 27 * time.Hour, ExpectedHaircut: 0.5, GuaranteeAt: 70 * time.Hour, Recovery: 1, RecoveryAt: 85 * time.Hour}},
			Calendar:     stablecoin.Calendar{OpenHour: 13, CloseHour: 21},
			Arbitrageurs: stablecoin.Arbitrageurs{Count: 3, CapitalUSD: 2e7, MinDiscount: 0.002, DiscountSpread: 0.02}},
	}}
	cfg.Withdrawals = stochastic.SelfExciting{Baseline: 0.015, HalfLife: 12 * time.Hour, Depeg: stochastic.Trigger{Level: 0.005, Weight: 2}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	res := assertNoAllocs(t, "stablecoin", cfg)
	if res.Summary.Stablecoin.MinPrice >= 0.99 || res.Series[0].PegPrice == 0 {
		t.Fatalf("the stablecoin did not run: %+v", res.Summary.Stablecoin)
	}
}

// Trace.First selects one path to trace (spiral replay): it records the
// same points as tracing every path, only for that path, and changes no
// summary.
func TestTraceOnePath(t *testing.T) {
	all := testConfig(12)
	all.Trace = Trace{Paths: 12, Every: 1}
	ref := run(t, all, Options{Workers: 2})
	one := testConfig(12)
	one.Trace = Trace{First: 9, Paths: 1, Every: 1}
	got := run(t, one, Options{Workers: 2})
	if len(got.series) != 1 || len(got.series[9]) != one.Steps() {
		t.Fatalf("traced paths %d, points of path 9 %d; want only path 9 with %d points", len(got.series), len(got.series[9]), one.Steps())
	}
	for k, p := range ref.series[9] {
		if got.series[9][k] != p {
			t.Fatalf("path 9 step %d: %+v, want %+v", p.Step, got.series[9][k], p)
		}
	}
	alone := run(t, one, Options{Workers: 1, First: 9, Count: 1})
	if len(alone.rows) != 1 || len(alone.series[9]) != one.Steps() {
		t.Fatalf("path 9 run alone: %d rows, %d points", len(alone.rows), len(alone.series[9]))
	}
	for i := range ref.rows {
		if !same(&got.rows[i], &ref.rows[i]) {
			t.Fatalf("path %d: tracing only path 9 changed its summary", i)
		}
	}
	if !same(&alone.rows[0], &ref.rows[9]) {
		t.Fatal("path 9 run alone differs from path 9 of the run")
	}
	for _, c := range []struct {
		trace Trace
		want  []int
	}{
		{Trace{First: 3, Paths: 2, Every: 1}, []int{3, 4}},
		{Trace{First: 10, Paths: 100, Every: 1}, []int{10, 11}},
		{Trace{First: 0, Paths: 0, Every: 1}, nil},
	} {
		cfg := testConfig(12)
		cfg.Trace = c.trace
		var traced []int
		for p := range cfg.Paths {
			if cfg.Traced(p) {
				traced = append(traced, p)
			}
		}
		if !slices.Equal(traced, c.want) {
			t.Errorf("%+v traces %v, want %v", c.trace, traced, c.want)
		}
	}
}

func TestTraceFirstOutOfRange(t *testing.T) {
	for _, first := range []int{-1, 12, 13} {
		cfg := testConfig(12)
		cfg.Trace = Trace{First: first, Paths: 1, Every: 1}
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), "outputs.trace_first: must be a path in [0, paths = 12)") {
			t.Errorf("first %d: %v", first, err)
		}
	}
	cfg := testConfig(12)
	cfg.Trace = Trace{First: 11, Paths: 1, Every: 1}
	if err := cfg.Validate(); err != nil {
		t.Errorf("first 11 of 12 paths: %v", err)
	}
}
