package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A deterministic pool (constant price, no interest, no withdrawals of its
// own) with half its deposits lent out: a withdrawal wave of w × deposits
// leaves w − 0.5 of them stuck, so stuck_share > 0.1 from w = 0.6.
const breakpointScenario = `name: quiet
paths: 20
horizon: 2d
step: 1h
market:
  price: {model: gbm, initial: 2000, volatility: 0}
pool:
  deposits: 1e6
  utilization: 0.5
  rate_model: {model: kinked, slope1: 0, slope2: 0, optimal: 0.9}
depositors:
  withdrawals: {model: self_exciting, baseline: 0}
`

func breakpointFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "quiet.yaml")
	if err := os.WriteFile(path, []byte(breakpointScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBreakpointCommand(t *testing.T) {
	file := breakpointFile(t)
	args := []string{"breakpoint", file, "--shock", "withdrawal_wave", "--target", "stuck_share>0.1", "--prob", "0.5",
		"--lo", "0.25", "--tol", "0.005", "--at", "6h", "--quiet"}
	out, errs, code := spiral(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if errs != "" {
		t.Errorf("--quiet printed %q", errs)
	}
	for _, want := range []string{"shock      withdrawal_wave at 6h", "target     P(stuck_share>0.1) ≥ 0.5", "20/20", "breakpoint in (0.59"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	again, _, _ := spiral(t, append(args, "--workers", "3")...)
	if again != out {
		t.Errorf("a second run with the same seed differs:\n%s\n%s", out, again)
	}
	js, errs, code := spiral(t, append(args, "--json", "--seed", "9", "--paths", "5")...)
	if code != 0 {
		t.Fatalf("--json: exit %d: %s", code, errs)
	}
	var res struct {
		Status string   `json:"status"`
		Lo     float64  `json:"lo"`
		Seed   uint64   `json:"seed"`
		Paths  int      `json:"paths"`
		Points []any    `json:"points"`
		Strad  []any    `json:"straddling"`
		Target string   `json:"target"`
		Safe   *float64 `json:"safe_below"`
	}
	if err := json.Unmarshal([]byte(js), &res); err != nil {
		t.Fatalf("%v:\n%s", err, js)
	}
	if res.Status != "bracketed" || res.Seed != 9 || res.Paths != 5 || len(res.Points) < 3 || res.Target != "stuck_share>0.1" {
		t.Errorf("JSON %+v", res)
	}
	// Progress lines go to stderr.
	_, errs, _ = spiral(t, args[:len(args)-1]...)
	if !strings.Contains(errs, "size 0.25") {
		t.Errorf("no progress lines: %q", errs)
	}
}

// A target breached without any shock is said so: there is no --lo below 0
// to try.
func TestBreakpointBreachedUnshocked(t *testing.T) {
	file := breakpointFile(t)
	for _, tc := range []struct {
		lo, want, not string
	}{
		{"0", "breached without any shock (size 0)", "lower --lo"},
		{"0.7", "breached already at the lower end 0.7: the breakpoint is ≤ 0.7 (lower --lo)", "without any shock"},
	} {
		out, errs, code := spiral(t, "breakpoint", file, "--shock", "withdrawal_wave", "--target", "stuck_share>=0",
			"--lo", tc.lo, "--quiet")
		if code != 0 {
			t.Fatalf("--lo %s: exit %d: %s", tc.lo, code, errs)
		}
		if !strings.Contains(out, tc.want) || strings.Contains(out, tc.not) {
			t.Errorf("--lo %s: want %q, not %q:\n%s", tc.lo, tc.want, tc.not, out)
		}
	}
}

func TestBreakpointBadUsage(t *testing.T) {
	file := breakpointFile(t)
	for _, args := range [][]string{
		{"breakpoint"},
		{"breakpoint", file},
		{"breakpoint", file, "--shock", "withdrawal_wave"},
		{"breakpoint", file, "--target", "stuck_share>0.1"},
		{"breakpoint", file, "--shock", "flood", "--target", "stuck_share>0.1"},
		{"breakpoint", file, "--shock", "withdrawal_wave", "--target", "stuck>0.1"},
		{"breakpoint", file, "--shock", "withdrawal_wave", "--target", "stuck_share"},
		{"breakpoint", file, "--shock", "withdrawal_wave", "--target", "stuck_share>0.1", "--prob", "1.5"},
		{"breakpoint", file, "--shock", "withdrawal_wave", "--target", "stuck_share>0.1", "--lo", "0.5", "--hi", "0.4"},
		{"breakpoint", file, "--shock", "price_drop", "--target", "stuck_share>0.1", "--hi", "1"},
		{"breakpoint", file, "--shock", "withdrawal_wave", "--target", "stuck_share>0.1", "--tol", "0"},
		{"breakpoint", file, "--shock", "withdrawal_wave", "--target", "stuck_share>0.1", "--at", "30m"},
		{"breakpoint", file, "--shock", "withdrawal_wave", "--target", "stuck_share>0.1", "--at", "3d"},
		{"breakpoint", file, "--shock", "withdrawal_wave", "--target", "stuck_share>0.1", "--at", "soon"},
		{"breakpoint", file, "--shock", "withdrawal_wave", "--target", "stuck_share>0.1", "--paths", "0"},
		{"breakpoint", file, "--shock", "withdrawal_wave", "--target", "stuck_share>0.1", "--workers", "0"},
		{"breakpoint", file, "--shock", "withdrawal_wave", "--target", "stuck_share>0.1", "--max-evals", "1"},
		{"breakpoint", file, "--shock", "withdrawal_wave", "--target", "stuck_share>0.1", "--seed", "-1"},
		{"breakpoint", file, "--shock", "liquidity_haircut", "--target", "bad_debt_usd>0"},
		{"breakpoint", file, file, "--shock", "withdrawal_wave", "--target", "stuck_share>0.1"},
		{"breakpoint", "no-such-file.yaml", "--shock", "withdrawal_wave", "--target", "stuck_share>0.1"},
		{"breakpoint", file, "--shock", "withdrawal_wave", "--target", "stuck_share>0.1", "--bogus"},
	} {
		_, errs, code := spiral(t, args...)
		if code != 2 {
			t.Errorf("%q: exit %d, want 2 (%s)", args[1:], code, errs)
		}
		if errs == "" {
			t.Errorf("%q: no message", args[1:])
		}
	}
}
