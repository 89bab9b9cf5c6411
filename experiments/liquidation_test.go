package experiments

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spiralrisk/spiral/engine"
	"github.com/spiralrisk/spiral/engine/lending"
	"github.com/spiralrisk/spiral/stochastic"
)

// generated is a position book section and the least liquidators section.
const generated = `positions:
  count: 100
  debt_share: 0.7
  size_alpha: 1.3
  median_health: 1.6
  health_spread: 0.5
  liquidation_threshold: 0.83
liquidators:
  capacity_usd: 5e6
  dex: {depth_usd: 5e7}
`

// A generated book and the least liquidators section get every default,
// and the book is drawn from the positions stream of the scenario's seed.
func TestLiquidationDefaults(t *testing.T) {
	s := mustParse(t, "l.yaml", minimal+generated)
	cfg := mustConfig(t, s)
	params := lending.BookParams{Positions: 100, TotalDebt: 0.7 * 0.5 * 1e6, Price: 100, LiquidationThreshold: 0.83,
		SizeAlpha: 1.3, MedianHealth: 1.6, HealthSpread: 0.5}
	book, err := lending.GenerateBook(params, stochastic.NewSource(1, stochastic.StreamPositions))
	if err != nil {
		t.Fatal(err)
	}
	rules := lending.DefaultLiquidationRules()
	want := &engine.Liquidation{
		Book:     book,
		Rules:    rules,
		Keepers:  engine.Keepers{CapacityUSD: 5e6, MaxRounds: 10},
		DEX:      engine.DEX{DepthUSD: 5e7, Fee: 0.003, PermanentShare: 0.5, HalfLife: time.Hour},
		Oracle:   engine.Oracle{Deviation: 0.005, Heartbeat: time.Hour},
		Backstop: engine.Backstop{},
	}
	wantCfg := minimalConfig()
	wantCfg.Liquidation = want
	if !reflect.DeepEqual(cfg, wantCfg) {
		t.Errorf("config\n%+v\nwant\n%+v", cfg, wantCfg)
	}
	for _, key := range []string{"health_spread: 0.5", "max_rounds: 10", "fee: 0.003", "permanent_share: 0.5",
		"half_life: 1h", "bonus: 0.05", "close_factor: 0.5", "full_close_below: 0.95", "protocol_fee: 0.1",
		"oracle:\n  deviation: 0.005\n  heartbeat: 1h\n  delay: 0s\n", "socialize: false", "payout_delay: 0s"} {
		if !strings.Contains(string(s.Resolved()), key) {
			t.Errorf("resolved scenario lacks %q:\n%s", key, s.Resolved())
		}
	}
	if strings.Contains(string(s.Resolved()), "file:") {
		t.Errorf("resolved generated book has a file key:\n%s", s.Resolved())
	}
	checkRoundTrip(t, s)

	// Without positions there is no liquidation.
	if cfg := mustConfig(t, mustParse(t, "m.yaml", minimal)); cfg.Liquidation != nil {
		t.Errorf("liquidation without positions: %+v", cfg.Liquidation)
	}
}

// The book is built once (Parse validates, Config reuses it) and depends
// on the seed.
func TestBookBuiltOnceAndKeyedBySeed(t *testing.T) {
	s := mustParse(t, "l.yaml", minimal+generated)
	a, b := mustConfig(t, s), mustConfig(t, s)
	if a.Liquidation.Book != b.Liquidation.Book {
		t.Error("Config built the book again")
	}
	s.Seed = 2
	c := mustConfig(t, s)
	if c.Liquidation.Book == a.Liquidation.Book || c.Liquidation.Book.At(0) == a.Liquidation.Book.At(0) {
		t.Error("the book does not change with the seed")
	}
	if d := c.Liquidation.Book.TotalScaledDebt(); d < 349999 || d > 350001 {
		t.Errorf("total debt %v, want 350000", d)
	}
}

// The test scenario of testdata uses every section: a scripted bootstrap
// price from a CSV file, a CSV book, every liquidators key, an oracle and
// a list of withdrawal behaviours. It decodes to the expected configuration,
// round-trips through Resolved, and runs.
func TestSpiralTestdata(t *testing.T) {
	s, err := Load("testdata/spiral.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s.Dir != "testdata" {
		t.Errorf("Dir %q", s.Dir)
	}
	cfg := mustConfig(t, s)

	f, err := os.Open("testdata/book.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	book, err := lending.ReadBookCSV(f, "testdata/book.csv", 0.8)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/prices.csv")
	if err != nil {
		t.Fatal(err)
	}
	series := readSeries(t, string(data))
	want := &engine.Liquidation{
		Book:     book,
		Rules:    lending.LiquidationRules{LiquidationThreshold: 0.8, Bonus: 0.08, CloseFactor: 0.5, FullCloseBelow: 0.95, ProtocolFee: 0.1},
		Keepers:  engine.Keepers{CapacityUSD: 1e5, GasUSD: 5, MinProfitUSD: 1, GasSpike: 10, CapacityGasElasticity: 0.5, MaxRounds: 5},
		DEX:      engine.DEX{DepthUSD: 2e6, Fee: 0.003, PermanentShare: 0.4, HalfLife: 2 * time.Hour, DepthStress: 1},
		Oracle:   engine.Oracle{Deviation: 0.01, Heartbeat: 2 * time.Hour, Delay: time.Hour},
		Backstop: engine.Backstop{CapacityUSD: 1e4, PayoutDelay: 2 * time.Hour, Socialize: true},
	}
	if !reflect.DeepEqual(cfg.Liquidation, want) {
		t.Errorf("liquidation\n%+v\nwant\n%+v", cfg.Liquidation, want)
	}
	wantPrice := stochastic.Scripted{
		Base:   stochastic.Bootstrap{Initial: 2000, LogReturns: series.LogReturns(), Interval: time.Hour, BlockLength: 6},
		Points: []stochastic.ShockPoint{{At: 12 * time.Hour, Level: 0.7}, {At: 24 * time.Hour, Level: 0.8}},
	}
	if !reflect.DeepEqual(cfg.Price, wantPrice) {
		t.Errorf("price %+v\nwant %+v", cfg.Price, wantPrice)
	}
	wantWithdrawals := stochastic.Combined{Parts: []stochastic.WithdrawalBehaviour{
		stochastic.SelfExciting{Baseline: 0.01, HalfLife: 12 * time.Hour, Excitation: 0.5,
			Drawdown: stochastic.Trigger{Level: 0.1, Weight: 1}, BadDebt: stochastic.Trigger{Weight: 5}},
		stochastic.Whales{Rate: 0.5, MinSize: 0.02, Alpha: 1.5},
	}}
	if !reflect.DeepEqual(cfg.Withdrawals, wantWithdrawals) {
		t.Errorf("withdrawals %+v\nwant %+v", cfg.Withdrawals, wantWithdrawals)
	}
	checkRoundTrip(t, s)

	// The resolved text keeps the paths as written: elsewhere it needs
	// ParseIn with the original directory.
	resolved := s.Resolved()
	if !strings.Contains(string(resolved), "file: book.csv") || !strings.Contains(string(resolved), "file: prices.csv") {
		t.Errorf("resolved paths changed:\n%s", resolved)
	}
	_, err = Parse(filepath.Join(t.TempDir(), "resolved.yaml"), resolved)
	if err == nil || !strings.Contains(err.Error(), "market.price.base.file: cannot read") {
		t.Errorf("resolved scenario parsed elsewhere: %v", err)
	}

	var sink countSink
	if err := engine.Run(context.Background(), cfg, engine.Options{Workers: 1}, &sink); err != nil {
		t.Fatal(err)
	}
	if sink.paths != cfg.Paths {
		t.Errorf("ran %d paths, want %d", sink.paths, cfg.Paths)
	}
	if sink.liquidations == 0 {
		t.Error("a 30 % scripted fall liquidated nothing")
	}
}

type countSink struct{ paths, liquidations int }

func (c *countSink) Write(batch []engine.PathResult) error {
	for _, r := range batch {
		c.paths++
		c.liquidations += r.Summary.Liquidations
	}
	return nil
}

// Problems in the liquidation sections point at their lines.
func TestLiquidationProblems(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"book.csv":  "id,collateral,debt_usd\n1,10,100\n2,1,1e9\n",
		"small.csv": "id,collateral,debt_usd\n1,10,100\n2,1,50\n",
	})
	liq := "liquidators:\n  capacity_usd: 1e6\n  dex: {depth_usd: 0}\n"
	runProblemCases(t, dir, []problemCase{
		{"generated book ranges", minimal + `positions:
  count: 1e9
  debt_share: 1.5
  size_alpha: 0.1
  median_health: 0.9
  health_spread: 6
  liquidation_threshold: 1.2
` + liq, []markedProblem{
			{"count: 1e9", "positions.count", "must be in [1, 1e7], got 1000000000: the book is held in memory"},
			{"debt_share: 1.5", "positions.debt_share", "must be in (0, 1]"},
			{"liquidation_threshold: 1.2", "positions.liquidation_threshold", "must be in (0, 1)"}}},
		{"generated book shape", minimal + `positions:
  count: 10
  debt_share: 1
  size_alpha: 0.1
  median_health: 0.9
  health_spread: 6
  liquidation_threshold: 0.8
` + liq, []markedProblem{
			{"size_alpha: 0.1", "positions.size_alpha", "must be in [0.5, 10]"},
			{"median_health: 0.9", "positions.median_health", "must be in (1, 100]"},
			{"health_spread: 6", "positions.health_spread", "must be in [0, 5]"}}},
		{"missing generated keys", minimal + "positions:\n  count: 10\n  liquidation_threshold: 0.8\n" + liq, []markedProblem{
			{"positions:", "positions.debt_share", "missing required key (or give positions.file"},
			{"positions:", "positions.size_alpha", "missing required key"},
			{"positions:", "positions.median_health", "missing required key"}}},
		{"file and generated keys", minimal + "positions:\n  file: book.csv\n  count: 10\n  liquidation_threshold: 0.8\n" + liq, []markedProblem{
			{"count", "positions.count", "not allowed with positions.file (line 14)"}}},
		{"missing threshold", minimal + "positions: {file: book.csv}\n" + liq, []markedProblem{
			{"positions:", "positions.liquidation_threshold", "missing required key"}}},
		{"book debt over the borrows", minimal + "positions: {file: book.csv, liquidation_threshold: 0.8}\n" + liq, []markedProblem{
			{"positions:", "positions", "the book's debt 1e+09 USD exceeds the pool's initial borrows 500000 USD"}}},
		{"missing book file", minimal + "positions: {file: none.csv, liquidation_threshold: 0.8}\n" + liq, []markedProblem{
			{"file: none.csv", "positions.file", "none.csv: no such file or directory"}}},
		{"liquidators", minimal + `positions: {file: book.csv, liquidation_threshold: 0.8}
liquidators:
  rules: {bonus: 0.9, close_factor: 0, colour: 1}
  capacity_usd: 0
  gas_usd: -1
  min_profit_usd: -1
  gas_spike: 1e5
  capacity_gas_elasticity: 6
  max_rounds: 0
  dex:
    depth_usd: -1
    fee: 0.5
    permanent_share: 2
    half_life: 0s
    depth_stress: 21
  backstop: {capacity_usd: -1, payout_delay: 90m, socialize: yes please}
`, []markedProblem{
			{"positions:", "positions", "exceeds the pool's initial borrows"},
			{"bonus: 0.9", "liquidators.rules.bonus", "must be in [0, 0.5]"},
			{"close_factor: 0", "liquidators.rules.close_factor", "must be in (0, 1]"},
			{"colour", "liquidators.rules.colour", "unknown key"},
			{"  capacity_usd: 0", "liquidators.capacity_usd", "must be in (0, 1e13]"},
			{"gas_usd: -1", "liquidators.gas_usd", "must be in [0, 1e6]"},
			{"min_profit_usd: -1", "liquidators.min_profit_usd", "must be in [0, 1e9]"},
			{"gas_spike: 1e5", "liquidators.gas_spike", "must be in [0, 1e4]"},
			{"capacity_gas_elasticity: 6", "liquidators.capacity_gas_elasticity", "must be in [0, 5]"},
			{"max_rounds: 0", "liquidators.max_rounds", "must be in [1, 1000]"},
			{"depth_usd: -1", "liquidators.dex.depth_usd", "must be in [0, 1e13]"},
			{"fee: 0.5", "liquidators.dex.fee", "must be in [0, 0.1]"},
			{"permanent_share: 2", "liquidators.dex.permanent_share", "must be in [0, 1]"},
			{"half_life: 0s", "liquidators.dex.half_life", "must be in [1m, 365d]"},
			{"depth_stress: 21", "liquidators.dex.depth_stress", "must be in [0, 20]"},
			{"capacity_usd: -1", "liquidators.backstop.capacity_usd", "must be in [0, 1e13]"},
			{"payout_delay: 90m", "liquidators.backstop.payout_delay", "whole number of steps (1h), got 1h30m"},
			{"socialize: yes please", "liquidators.backstop.socialize", "expected true or false"}}},
		{"liquidators missing keys", minimal + "positions: {file: small.csv, liquidation_threshold: 0.1}\nliquidators: {gas_usd: 1}\n", []markedProblem{
			{"liquidators:", "liquidators.capacity_usd", "missing required key"},
			{"liquidators:", "liquidators.dex", "missing required key"}}},
		{"oracle", minimal + "positions: {file: small.csv, liquidation_threshold: 0.1}\n" + liq + `oracle:
  deviation: 0.9
  heartbeat: 90m
  delay: 2d
`, []markedProblem{
			{"deviation: 0.9", "oracle.deviation", "must be in [0, 0.5]"},
			{"heartbeat: 90m", "oracle.heartbeat", "whole number of steps"},
			{"delay: 2d", "oracle.delay", "must be in [0, 1d], got 2d"}}},
		{"oracle default against a 1d step", strings.Replace(strings.Replace(minimal, "step: 1h", "step: 1d", 1), "horizon: 1d", "horizon: 2d", 1) +
			"positions: {file: small.csv, liquidation_threshold: 0.1}\n" + liq, []markedProblem{
			{"positions:", "oracle.heartbeat", "must be a whole number of steps (1d), got 1h"}}},
		{"liquidators without positions", minimal + liq + "oracle: {delay: 0s}\n", []markedProblem{
			{"liquidators:", "liquidators", "needs positions"},
			{"oracle:", "oracle", "needs positions"}}},
		{"positions without liquidators", minimal + "positions: {file: small.csv, liquidation_threshold: 0.1}\n", []markedProblem{
			{"positions:", "liquidators", "missing required key: positions need liquidators"}}},
		{"invalid price with a generated book", strings.Replace(minimal+generated, "initial: 100", "initial: -100", 1), []markedProblem{
			{"initial: -100", "market.price.initial", "finite and > 0"}}},
	})
}

// An error in a CSV book is reported at positions.file with the CSV's own
// file:line.
func TestBookCSVProblems(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"book.csv": "id,collateral,debt_usd\n1,10,100\n2,abc,100\n1,5,50\n",
	})
	src := minimal + "positions:\n  file: book.csv\n  liquidation_threshold: 0.8\nliquidators: {capacity_usd: 1e6, dex: {depth_usd: 0}}\n"
	_, err := parseIn(t, dir, src)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Parse: %v", err)
	}
	name := filepath.Join(dir, "book.csv")
	checkProblems(t, e.Problems, []want{
		{14, 9, "positions.file", name + `:3: collateral: expected a number ≥ 0 (units), got "abc"`},
		{14, 9, "positions.file", name + ":4: id: expected a unique id, 1 is also on line 2"},
	})
	if t.Failed() {
		t.Log(err)
	}
}

// A scenario built in code reports its liquidation problems without
// positions in a file.
func TestLiquidationInCode(t *testing.T) {
	s := mustParse(t, "m.yaml", minimal)
	s.Positions = &Positions{File: "x.csv", Count: 3, LiquidationThreshold: 0.8}
	_, err := s.Config()
	if err == nil || !strings.Contains(err.Error(), "positions.count: not allowed with positions.file") ||
		!strings.Contains(err.Error(), "liquidators: missing required key") {
		t.Errorf("Config: %v", err)
	}
}
