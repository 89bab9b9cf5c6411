package experiments

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spiralrisk/spiral/engine"
)

// withPositions is minimal with a position book, so that liquidation
// parameters may change.
const withPositions = minimal + `positions: {count: 50, debt_share: 0.5, size_alpha: 2, median_health: 1.5, liquidation_threshold: 0.8}
liquidators: {capacity_usd: 1e6, dex: {depth_usd: 1e7}}
`

const policySection = `policy:
  pauses:
    - actions: [withdraw, borrow]
      trigger: {signal: utilization, level: 0.99, for: 2h}
      delay: 1h
      duration: 1d
    - actions: [liquidate]
      trigger: {signal: drawdown, level: 0.2}
      duration: 12h
      max_activations: 1
  governance:
    - {field: bonus, value: 0.08, at: 6h, timelock: 1d}
    - field: rate_model.jump_multiplier
      value: 4
      trigger: {signal: unmet_queue, level: 0.01}
      timelock: 2h
  stewards:
    - {field: liquidation_threshold, target: 0.75, max_change: 0.01, period: 6h}
    - {field: reserve_factor, target: 0.2, max_change: 0.5, relative: true, period: 1d, trigger: {signal: bad_debt, level: 0.001, for: 1h}}
`

func TestPolicySection(t *testing.T) {
	s := mustParse(t, "policy.yaml", withPositions+policySection)
	cfg := mustConfig(t, s)
	want := &engine.Policy{
		Pauses: []engine.Pause{
			{Actions: engine.PauseWithdraw | engine.PauseBorrow, Trigger: engine.Trigger{Signal: engine.SignalUtilization, Level: 0.99, For: 2 * time.Hour},
				Delay: time.Hour, Duration: 24 * time.Hour},
			{Actions: engine.PauseLiquidate, Trigger: engine.Trigger{Signal: engine.SignalDrawdown, Level: 0.2}, Duration: 12 * time.Hour, MaxActivations: 1},
		},
		Governance: []engine.GovernanceChange{
			{Param: engine.ParamBonus, Value: 0.08, At: 6 * time.Hour, Timelock: 24 * time.Hour},
			{Param: engine.ParamJumpMultiplier, Value: 4, Trigger: &engine.Trigger{Signal: engine.SignalUnmetQueue, Level: 0.01}, Timelock: 2 * time.Hour},
		},
		Stewards: []engine.Steward{
			{Param: engine.ParamLiquidationThreshold, Target: 0.75, MaxChange: 0.01, Period: 6 * time.Hour},
			{Param: engine.ParamReserveFactor, Target: 0.2, MaxChange: 0.5, Relative: true, Period: 24 * time.Hour,
				Trigger: &engine.Trigger{Signal: engine.SignalBadDebt, Level: 0.001, For: time.Hour}},
		},
	}
	if !reflect.DeepEqual(cfg.Policy, want) {
		t.Errorf("policy\n%+v\nwant\n%+v", cfg.Policy, want)
	}
	// Resolved writes it out with its defaults and parses back to the same.
	resolved := s.Resolved()
	for _, line := range []string{"policy:", "    - actions:\n        - withdraw\n        - borrow", "      delay: 0s", "      max_activations: 0",
		"      for: 0s", "      relative: false"} {
		if !strings.Contains(string(resolved), line) {
			t.Errorf("resolved lacks %q:\n%s", line, resolved)
		}
	}
	if strings.Count(string(resolved), " at: ") != 1 {
		t.Errorf("resolved writes at for the triggered change:\n%s", resolved)
	}
	again := mustParse(t, "resolved.yaml", string(resolved))
	if got := again.Resolved(); string(got) != string(resolved) {
		t.Errorf("Resolved not stable:\n%s\nthen\n%s", resolved, got)
	}
	if !reflect.DeepEqual(mustConfig(t, again).Policy, want) {
		t.Error("policy changed through Resolved")
	}
	// No policy: none in the configuration or in Resolved.
	plain := mustParse(t, "plain.yaml", withPositions)
	if mustConfig(t, plain).Policy != nil || strings.Contains(string(plain.Resolved()), "policy") {
		t.Error("a scenario without policy has one")
	}
}

func TestPolicyProblems(t *testing.T) {
	src := withPositions + `policy:
  pauses:
    - actions: [withdraw, halt, withdraw]
      trigger: {signal: panic, level: 2}
      duration: 30m
    - actions: []
      trigger: {signal: depeg, level: 0.1}
      duration: 1h
  governance:
    - {field: slope2, value: 1, at: 1h}
    - {field: rate_model.slope2, value: 1, at: 1h}
    - {field: bonus, value: 0.9, at: 1h, trigger: {signal: drawdown, level: 0.1}}
    - {field: supply_cap, value: 1e9}
  stewards:
    - {field: borrow_cap, target: 0, max_change: 0, period: 1h}
`
	got := problemsOf(t, "bad.yaml", src)
	var lines []string
	for _, p := range got {
		lines = append(lines, fmt.Sprintf("%d:%d: %s: %s", p.Line, p.Column, p.Field, p.Msg))
	}
	want := []string{
		`17:7: policy.pauses.0.actions: entry 1: unknown action "halt"; one of borrow, withdraw, deposit, liquidate`,
		`17:7: policy.pauses.0.actions: entry 2: withdraw is listed twice`,
		`18:25: policy.pauses.0.trigger.signal: unknown signal "panic"; one of utilization, drawdown, unmet_queue, bad_debt, depeg`,
		`18:39: policy.pauses.0.trigger.level: must be in [0, 1], got 2`,
		`19:17: policy.pauses.0.duration: must be a whole number of steps (1h), got 30m`,
		`20:7: policy.pauses.1.actions: must name at least one of borrow, withdraw, deposit, liquidate`,
		`21:25: policy.pauses.1.trigger.signal: depeg needs a stablecoin`,
		`24:15: policy.governance.0.field: unknown field "slope2"; one of rate_model.base, rate_model.slope1, rate_model.slope2, rate_model.optimal, rate_model.multiplier, rate_model.jump_multiplier, rate_model.kink, liquidation_threshold, bonus, reserve_factor, supply_cap, borrow_cap`,
		`25:15: policy.governance.1.field: rate_model.slope2 applies to the kinked rate model, not the pool's`,
		`26:29: policy.governance.2.value: must be in [0, 0.5], got 0.9`,
		`26:38: policy.governance.2.at: not allowed with trigger: a change is queued at a time or when its trigger fires`,
		`27:8: policy.governance.3.at: missing required key (or give trigger)`,
		`29:35: policy.stewards.0.target: must be > 0 USD (a steward moves a cap, it does not remove it), got 0`,
		`29:50: policy.stewards.0.max_change: must be in (0, +Inf) (the parameter's unit), got 0`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

// Misspelt names get the closest known one.
func TestPolicyNameSuggestions(t *testing.T) {
	src := minimal + `policy:
  pauses:
    - {actions: [withdrawl], trigger: {signal: utilisation, level: 0.99}, duration: 1h}
  governance:
    - {field: reserve_factr, value: 0.2, at: 1h}
`
	var msgs []string
	for _, p := range problemsOf(t, "typo.yaml", src) {
		msgs = append(msgs, p.Msg)
	}
	for _, want := range []string{`(did you mean "withdraw"?)`, `(did you mean "utilization"?)`, `(did you mean "reserve_factor"?)`} {
		if !strings.Contains(strings.Join(msgs, "\n"), want) {
			t.Errorf("no %s in:\n%s", want, strings.Join(msgs, "\n"))
		}
	}
}
