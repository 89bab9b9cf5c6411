package experiments

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spiralrisk/spiral/engine"
	"github.com/spiralrisk/spiral/engine/lending"
	"github.com/spiralrisk/spiral/stochastic"
)

func mustParse(t *testing.T, file, src string) *Scenario {
	t.Helper()
	s, err := Parse(file, []byte(src))
	if err != nil {
		t.Fatalf("Parse(%s): %v", file, err)
	}
	return s
}

func mustConfig(t *testing.T, s *Scenario) *engine.Config {
	t.Helper()
	cfg, err := s.Config()
	if err != nil {
		t.Fatalf("Config(%s): %v", s.File, err)
	}
	return cfg
}

// The minimal scenario gets every documented default.
func TestDefaults(t *testing.T) {
	cfg := mustConfig(t, mustParse(t, "minimal.yaml", minimal))
	want := &engine.Config{
		Seed:    1,
		Paths:   10,
		Horizon: 24 * time.Hour,
		Step:    time.Hour,
		Start:   time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		Price:   stochastic.GBM{Initial: 100, Volatility: 0.5},
		Pool: lending.Params{
			Deposits: 1e6, Utilization: 0.5,
			Rates: lending.JumpRate{Multiplier: 0.05, JumpMultiplier: 2, Kink: 0.8},
		},
		Borrowers:   engine.Borrowers{ToleranceAPR: 0.10, MaxRepayPerDay: 1, MaxBorrowPerDay: 1},
		Withdrawals: stochastic.SelfExciting{Baseline: 0.01, HalfLife: 12 * time.Hour},
		Inflow:      engine.Inflow{ReferenceAPR: 0.05},
		Trace:       engine.Trace{Paths: 100, Every: 1},
		Warnings:    engine.DefaultWarnings(),
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("config\n%+v\nwant\n%+v", cfg, want)
	}
}

// Resolved output parses back to the same configuration and prints the
// same text again.
func TestResolvedRoundTrip(t *testing.T) {
	baseline, err := Load("baseline")
	if err != nil {
		t.Fatal(err)
	}
	odd := mustParse(t, "odd.yaml", minimal+`description: "tab\there, quote \" and back\\slash, bell \a, é, \u2028 end "
outputs: {trace_paths: 3, trace_every: 2h}
`)
	odd.Name = "name: with colon # and hash"
	odd.Pool.Deposits = 1.0000000000000002e6
	odd.Seed = 1<<64 - 1
	for _, s := range []*Scenario{baseline, mustParse(t, "minimal.yaml", minimal), odd} {
		resolved := s.Resolved()
		again, err := Parse("resolved.yaml", resolved)
		if err != nil {
			t.Fatalf("%s: resolved scenario does not parse: %v\n%s", s.File, err, resolved)
		}
		if got := again.Resolved(); string(got) != string(resolved) {
			t.Errorf("%s: Resolved not stable:\n%s\nthen\n%s", s.File, resolved, got)
		}
		if !reflect.DeepEqual(mustConfig(t, s), mustConfig(t, again)) {
			t.Errorf("%s: config changed through Resolved", s.File)
		}
		if again.Name != s.Name || again.Description != s.Description {
			t.Errorf("%s: strings changed: %q %q", s.File, again.Name, again.Description)
		}
		if again.SHA256() != s.SHA256() || len(s.SHA256()) != 64 {
			t.Errorf("%s: SHA256 %s then %s", s.File, s.SHA256(), again.SHA256())
		}
	}
}

// A default written out changes nothing: the resolved text and hash of the
// minimal scenario equal those of the same scenario with defaults spelled out.
func TestResolvedFillsDefaults(t *testing.T) {
	explicit := minimal + `seed: 1
outputs: {trace_paths: 100, trace_every: 1h}
`
	a, b := mustParse(t, "a.yaml", minimal), mustParse(t, "b.yaml", explicit)
	if a.SHA256() != b.SHA256() {
		t.Errorf("defaults change the hash:\n%s\nvs\n%s", a.Resolved(), b.Resolved())
	}
	for _, key := range []string{"seed: 1", "half_life: 12h", "tolerance_apr: 0.1", "max_repay_per_day: 1",
		"reference_apr: 0.05", "trace_paths: 100", "trace_every: 1h", "reserve_factor: 0", "base: 0"} {
		if !strings.Contains(string(a.Resolved()), key) {
			t.Errorf("resolved scenario lacks %q:\n%s", key, a.Resolved())
		}
	}
	c := mustParse(t, "c.yaml", strings.Replace(minimal, "paths: 10", "paths: 11", 1))
	if c.SHA256() == a.SHA256() {
		t.Error("different scenarios have the same hash")
	}
}

// Problems found by Config after the scenario was changed in code (as the
// CLI does with --paths) point at the field's line, or at its nearest
// parent present in the file when the field took its default.
func TestConfigMapsEngineProblems(t *testing.T) {
	s := mustParse(t, "m.yaml", minimal)
	s.Paths = 0
	s.Pool.Borrowers.MaxRepayPerDay = 2 // pool.borrowers is not in the file
	s.Market.Price.Spec.(*GBM).Drift = 11
	_, err := s.Config()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Config: %v", err)
	}
	checkProblems(t, e.Problems, []want{
		{2, 8, "paths", "must be in [1, 1e9], got 0"},
		{6, 3, "market.price.drift", "must be in [-10, 10] per year, got 11 (not set in the file: the default applies)"},
		{7, 1, "pool.borrowers.max_repay_per_day", "must be in [0, 1], got 2 (not set in the file"},
	})
	if t.Failed() {
		t.Log(err)
	}
}

// A scenario built in code (no file) still validates, without positions.
func TestConfigWithoutFile(t *testing.T) {
	s := defaultScenario()
	_, err := s.Config()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Config: %v", err)
	}
	fields := map[string]bool{}
	for _, p := range e.Problems {
		fields[p.Field] = true
		if p.Line != 0 {
			t.Errorf("problem %s has a position", p)
		}
	}
	for _, f := range []string{"name", "paths", "step", "market.price", "pool.deposits", "pool.rate_model", "depositors.withdrawals"} {
		if !fields[f] {
			t.Errorf("no problem for %s in %v", f, err)
		}
	}
}

func TestJumpRateAndKinked(t *testing.T) {
	s := mustParse(t, "k.yaml", strings.Replace(minimal,
		"{model: jump_rate, multiplier: 0.05, jump_multiplier: 2, kink: 0.8}",
		"{model: kinked, base: 0.01, slope1: 0.04, slope2: 0.6, optimal: 0.9}", 1))
	cfg := mustConfig(t, s)
	if want := (lending.Kinked{Base: 0.01, Slope1: 0.04, Slope2: 0.6, Optimal: 0.9}); cfg.Pool.Rates != want {
		t.Errorf("rates %+v, want %+v", cfg.Pool.Rates, want)
	}
}

func TestModelLists(t *testing.T) {
	for _, tc := range []struct {
		models []Model
		want   string
	}{
		{PriceModels(), "bootstrap,bridge,garch_t,gbm,historical,merton,regime_switching,scripted"},
		{RateModels(), "jump_rate,kinked"}, {WithdrawalModels(), "self_exciting,thresholds,whales"},
	} {
		var names []string
		for _, m := range tc.models {
			names = append(names, m.Name)
			if m.Summary == "" {
				t.Errorf("model %s has no summary", m.Name)
			}
		}
		if got := strings.Join(names, ","); got != tc.want {
			t.Errorf("models %s, want %s", got, tc.want)
		}
	}
}
