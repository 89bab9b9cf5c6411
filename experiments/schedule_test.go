package experiments

import (
	"errors"
	"strings"
	"testing"
)

// scheduled is a scenario whose price follows a script; the points are
// appended by each test.
const scheduled = `name: scheduled
paths: 10
horizon: 14d
step: 1h
pool:
  deposits: 1e6
  utilization: 0.5
  rate_model: {model: jump_rate, multiplier: 0.05, jump_multiplier: 2, kink: 0.8}
depositors:
  withdrawals: {model: self_exciting, baseline: 0.01}
market:
  price:
    model: scripted
    base: {model: gbm, initial: 100, volatility: 0.5}
    points:
      - {at: 1d, level: 0.9}
`

// A scripted point after the horizon was accepted silently: the crash it
// scripts only partly happened. It is bad input at the point's position;
// a point at the horizon itself is reached at the end of the last step.
func TestScriptedPointAfterHorizon(t *testing.T) {
	if _, err := Parse("ok.yaml", []byte(scheduled+"      - {at: 14d, level: 0.5}\n")); err != nil {
		t.Fatalf("a point at the horizon: %v", err)
	}
	checkProblems(t, problemsOf(t, "late.yaml", scheduled+"      - {at: 30d, level: 0.5}\n      - {at: 31d, level: 0.4}\n"), []want{
		{17, 14, "market.price.points.1.at", "must be at or before the horizon (14d), got 30d: a path ends before it, so the scripted move would only partly happen (and 1 later point)"},
	})
	// Nested under a bridge, and a bridge's own target.
	bridged := strings.Replace(scheduled, "    model: scripted\n    base: {model: gbm, initial: 100, volatility: 0.5}\n",
		"    model: scripted\n    base: {model: bridge, at: 15d, level: 0.5, base: {model: gbm, initial: 100, volatility: 0.5}}\n", 1)
	checkProblems(t, problemsOf(t, "bridge.yaml", bridged+"      - {at: 20d, level: 0.5}\n"), []want{
		{14, 31, "market.price.base.at", "must be at or before the horizon (14d), got 15d"},
		{17, 14, "market.price.points.1.at", "must be at or before the horizon (14d), got 20d"},
	})
}

// A sweep axis that moves a scripted point beyond the horizon: the
// problem is at the axis value and names the variants it affects; the
// other variants are fine.
func TestSweptPointAfterHorizonNamesVariant(t *testing.T) {
	src := scheduled + "      - {at: 10d, level: 0.5}\nsweep:\n  axes:\n    market.price.points.1.at: [5d, 14d, 15d]\n"
	s, err := Parse("sweep.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	err = s.CheckVariants()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("CheckVariants = %v, want the late point of v002", err)
	}
	checkProblems(t, e.Problems, []want{
		{20, 41, "market.price.points.1.at", "must be at or before the horizon (14d), got 15d: a path ends before it, so the scripted move would only partly happen; lengthen horizon or move the point (variant v002)"},
	})
}

// Every preset (sweeps included, each variant) still validates.
func TestPresetsScheduleWithinHorizon(t *testing.T) {
	for _, p := range List() {
		s, err := Load(p.Name)
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		if _, err := s.Config(); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
		if err := s.CheckVariants(); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
}

// A stablecoin event or a bank failure at or after the horizon acts in a
// step that never runs; the guarantee and recovery may come after it (an
// unresolved crisis is a scenario).
func TestStablecoinEventAfterHorizon(t *testing.T) {
	data, err := presetFiles.ReadFile("usdc-svb-2023.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src := string(data)
	for _, r := range [][2]string{
		{"- {at: 70h, panic: -5}", "- {at: 7d, panic: -5}"},
		{"failure: {at: 27h, expected_haircut: 0.3, guarantee_at: 70h, recovery: 1, recovery_at: 85h}",
			"failure: {at: 27h, expected_haircut: 0.3, guarantee_at: 8d, recovery: 1, recovery_at: 9d}"},
	} {
		if !strings.Contains(src, r[0]) {
			t.Fatalf("usdc-svb-2023.yaml no longer has %q", r[0])
		}
		src = strings.Replace(src, r[0], r[1], 1)
	}
	checkProblems(t, problemsOf(t, "svb.yaml", src), []want{
		{117, 12, "stablecoin.events.1.at", "must be before the horizon (7d), got 7d: an event acts in the step that starts at its time, the last step starts at 6d23h, so it would never happen"},
	})
	src = strings.Replace(src, "failure: {at: 27h,", "failure: {at: 7d12h,", 1)
	checkProblems(t, problemsOf(t, "svb.yaml", src), []want{
		{117, 12, "stablecoin.events.1.at", "must be before the horizon (7d), got 7d"},
		{125, 21, "stablecoin.backing.bank.failure.at", "must be before the horizon (7d), got 7d12h: the failure acts"},
	})
}
