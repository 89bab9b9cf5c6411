package experiments

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// minimal is a valid scenario giving only the required keys.
const minimal = `name: minimal
paths: 10
horizon: 1d
step: 1h
market:
  price: {model: gbm, initial: 100, volatility: 0.5}
pool:
  deposits: 1e6
  utilization: 0.5
  rate_model: {model: jump_rate, multiplier: 0.05, jump_multiplier: 2, kink: 0.8}
depositors:
  withdrawals: {model: self_exciting, baseline: 0.01}
`

// problemsOf parses src and returns its problems; it fails the test when
// the error is not an *Error.
func problemsOf(t *testing.T, file, src string) []Problem {
	t.Helper()
	s, err := Parse(file, []byte(src))
	if err == nil {
		if s == nil {
			t.Fatal("Parse returned neither a scenario nor an error")
		}
		return nil
	}
	if s != nil {
		t.Error("Parse returned a scenario together with an error")
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Parse error %v is a %T, want *Error", err, err)
	}
	return e.Problems
}

// want is an expected problem: its position, field and part of its message.
type want struct {
	line, col int
	field     string
	msg       string
}

func (w want) matches(p Problem) bool {
	return p.Line == w.line && p.Column == w.col && p.Field == w.field && strings.Contains(p.Msg, w.msg)
}

func checkProblems(t *testing.T, got []Problem, wants []want) {
	t.Helper()
	used := make([]bool, len(got))
	for _, w := range wants {
		found := false
		for i, p := range got {
			if !used[i] && w.matches(p) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			t.Errorf("missing problem %d:%d %s: …%s…", w.line, w.col, w.field, w.msg)
		}
	}
	for i, p := range got {
		if !used[i] {
			t.Errorf("unexpected problem %s", p)
		}
	}
}

func TestMinimalParses(t *testing.T) {
	if ps := problemsOf(t, "minimal.yaml", minimal); len(ps) != 0 {
		t.Fatalf("problems in a valid scenario: %v", &Error{ps})
	}
}

// Each class of problem is reported at the right file:line:col and field.
func TestProblemClasses(t *testing.T) {
	for _, tc := range []struct {
		name      string
		old, new_ string // replace old by new_ in minimal
		want      []want
	}{
		{"unknown key with suggestion", "  deposits: 1e6", "  deposits: 1e6\n  reserve_factr: 0.1",
			[]want{{9, 3, "pool.reserve_factr", `did you mean "reserve_factor"`}}},
		{"unknown key without suggestion", "paths: 10", "paths: 10\nzebra: 1",
			[]want{{3, 1, "zebra", "unknown key; known keys: depositors, description"}}},
		{"unknown key in a model", "volatility: 0.5}", "volatility: 0.5, vol: 1}",
			[]want{{6, 54, "market.price.vol", "unknown key"}}},
		{"string for a number", "deposits: 1e6", "deposits: lots",
			[]want{{8, 13, "pool.deposits", `expected a number, got the string "lots"`}}},
		{"quoted number", "deposits: 1e6", `deposits: "1e6"`,
			[]want{{8, 13, "pool.deposits", "expected a number"}}},
		{"mapping for a number", "deposits: 1e6", "deposits: {a: 1}",
			[]want{{8, 13, "pool.deposits", "expected a number, got a mapping"}}},
		{"nan", "utilization: 0.5", "utilization: .nan",
			[]want{{9, 16, "pool.utilization", "must be a finite number, got .nan"}}},
		{"inf", "utilization: 0.5", "utilization: -.inf",
			[]want{{9, 16, "pool.utilization", "must be a finite number, got -.inf"}}},
		{"overflow", "deposits: 1e6", "deposits: 1e999",
			[]want{{8, 13, "pool.deposits", "out of range"}}},
		{"fraction for an integer", "paths: 10", "paths: 10.5",
			[]want{{2, 8, "paths", "must be a whole number"}}},
		{"negative seed", "paths: 10", "paths: 10\nseed: -1",
			[]want{{3, 7, "seed", "must be ≥ 0"}}},
		{"paths out of range (engine)", "paths: 10", "paths: 0",
			[]want{{2, 8, "paths", "must be in [1, 1e9], got 0"}}},
		{"negative volatility (engine)", "volatility: 0.5", "volatility: -0.5",
			[]want{{6, 49, "market.price.volatility", "must be in [0, 10]"}}},
		{"nested engine range", "baseline: 0.01}", "baseline: 0.01, excitation: 1}",
			[]want{{12, 67, "depositors.withdrawals.excitation", "must be in [0, 1)"}}},
		{"unknown model", "model: jump_rate", "model: jump",
			[]want{{10, 23, "pool.rate_model.model", `unknown rate model "jump"; did you mean "jump_rate"? known models: jump_rate, kinked`}}},
		{"missing model", "{model: gbm, ", "{",
			[]want{{6, 3, "market.price.model", "missing required key; one of: bootstrap, bridge, garch_t, gbm, historical"}}},
		{"missing required key", "  utilization: 0.5\n", "",
			[]want{{7, 1, "pool.utilization", "missing required key"}}},
		{"missing required section", "market:\n  price: {model: gbm, initial: 100, volatility: 0.5}\n", "",
			[]want{{1, 1, "market", "missing required key"}}},
		{"missing model parameter", "initial: 100, ", "",
			[]want{{6, 3, "market.price.initial", "missing required key"}}},
		{"duplicate key", "paths: 10", "paths: 10\npaths: 20",
			[]want{{3, 1, "paths", "duplicate key (first given on line 2)"}}},
		{"duration without unit", "horizon: 1d", "horizon: 24",
			[]want{{3, 10, "horizon", "add a unit"}}},
		{"bad duration", "horizon: 1d", "horizon: 1 day",
			[]want{{3, 10, "horizon", "invalid duration"}}},
		{"horizon not whole steps (engine)", "horizon: 1d", "horizon: 90m",
			[]want{{3, 10, "horizon", "whole number of steps"}}},
		{"trace_every not a multiple of step", "paths: 10", "paths: 10\noutputs: {trace_every: 90m}",
			[]want{{3, 24, "outputs.trace_every", "multiple of step (1h)"}}},
		{"sweep without axes", "paths: 10", "paths: 10\nsweep:\n  axes: {}",
			[]want{{4, 3, "sweep.axes", "needs at least one axis"}}},
		{"empty name", "name: minimal", `name: ""`,
			[]want{{1, 7, "name", "must not be empty"}}},
		{"wrong type for a section", "pool:\n", "pool: 3\nx:\n",
			[]want{{7, 7, "pool", "expected a mapping, got the number 3"}, {8, 1, "x", "unknown key"}}},
		{"merge keys", "  deposits: 1e6", "  <<: {deposits: 1e6}",
			[]want{{8, 3, "pool", "merge keys"}, {7, 1, "pool.deposits", "missing required key"}}},
		{"unknown alias", "deposits: 1e6", "deposits: *nowhere",
			[]want{{8, 13, "pool.deposits", "unknown alias"}}},
		{"second document", "step: 1h", "step: 1h\n---\nname: other",
			[]want{{6, 1, "", "one YAML document"}}},
		// A check that compares a field with another field is not reported
		// when that other field has a problem of its own: the field may be
		// right, and the problem goes with the other one's.
		{"bad deposits: no follow-on about reserves", "  deposits: 1e6", "  deposits: -1e6\n  reserves: 1e5",
			[]want{{8, 13, "pool.deposits", "must be in (0, 1e13] USD, got -1e+06"}}},
		{"deposits not a number: no follow-on about reserves", "  deposits: 1e6", "  deposits: lots\n  reserves: 1e5",
			[]want{{8, 13, "pool.deposits", `expected a number, got the string "lots"`}}},
		{"reserves above valid deposits", "  deposits: 1e6", "  deposits: 1e6\n  reserves: 2e6",
			[]want{{9, 13, "pool.reserves", "must be in [0, deposits] USD, got 2e+06"}}},
		{"bad tolerance: no follow-on about cheap_apr", "  utilization: 0.5", "  utilization: 0.5\n  borrowers: {tolerance_apr: -1, cheap_apr: 0.05}",
			[]want{{10, 30, "pool.borrowers.tolerance_apr", "must be in (0, 100], got -1"}}},
		{"step out of range: no follow-on about the horizon", "step: 1h", "step: 8d",
			[]want{{4, 7, "step", "must be in [1m, 7d], got 8d"}}},
		{"durations as a scenario writes them", "horizon: 1d", "horizon: -2d",
			[]want{{3, 10, "horizon", "must be in [step, 3650d], got -2d"}}},
		{"whole steps as a scenario writes them", "horizon: 1d", "horizon: 1d90m",
			[]want{{3, 10, "horizon", "must be a whole number of steps (1h), got 1d1h30m"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(minimal, tc.old) {
				t.Fatalf("%q not in the minimal scenario", tc.old)
			}
			src := strings.Replace(minimal, tc.old, tc.new_, 1)
			got := problemsOf(t, "case.yaml", src)
			checkProblems(t, got, tc.want)
			for _, p := range got {
				if p.File != "case.yaml" {
					t.Errorf("problem %s names file %q", p, p.File)
				}
			}
			if t.Failed() {
				t.Logf("input:\n%s\nerror:\n%v", src, &Error{got})
			}
		})
	}
}

// Integer fields take integral numbers written in any number form.
func TestIntegerForms(t *testing.T) {
	for _, form := range []string{"1e4", "10000", "10_000", "1.0e4", "10000.0", "0x2710"} {
		s, err := Parse("ints.yaml", []byte(strings.Replace(minimal, "paths: 10", "paths: "+form, 1)))
		if err != nil {
			t.Errorf("paths: %s: %v", form, err)
			continue
		}
		if s.Paths != 10000 {
			t.Errorf("paths: %s gave %d", form, s.Paths)
		}
	}
	s, err := Parse("seed.yaml", []byte(minimal+"seed: 18446744073709551615\n"))
	if err != nil || s.Seed != 1<<64-1 {
		t.Errorf("largest seed: %v, %v", s, err)
	}
}

// The invalid test file has one problem of each class, all reported at once.
func TestInvalidFileReportsEverything(t *testing.T) {
	_, err := Load("testdata/invalid.yaml")
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Load: %v (%T), want *Error", err, err)
	}
	f := "testdata/invalid.yaml"
	wantLines := []string{
		f + ":5:8: paths: must be in [1, 1e9], got 0",
		f + ":8:1: colour: unknown key; known keys: depositors, description, horizon, liquidators, market, name, oracle, outputs, paths, policy, pool, positions, seed, stablecoin, start, step, sweep",
		f + ":13:17: market.price.volatility: must be in [0, 10] per √year, got -0.5",
		f + `:15:13: pool.deposits: expected a number, got the string "lots"`,
		f + ":16:16: pool.utilization: must be a finite number, got .nan",
		f + `:17:3: pool.reserve_factr: unknown key; did you mean "reserve_factor"?`,
		f + `:19:12: pool.rate_model.model: unknown rate model "kinky"; did you mean "kinked"? known models: jump_rate, kinked`,
		f + ":25:16: depositors.withdrawals.half_life: expected a duration such as 30d, 1h, 90m or 1d12h: add a unit, e.g. 12h or 12d",
		f + ":27:5: depositors.withdrawals.excitation: duplicate key (first given on line 26)",
		f + ":28:5: depositors.withdrawals.utilization.weight: missing required key",
		f + ":30:18: depositors.inflow.noise_sigma: must be in [0, 3], got 4",
		f + ":31:1: oracle: needs positions: there is no liquidation without a position book; add positions or remove oracle",
		f + ":35:16: outputs.trace_every: must be a positive multiple of step (1h), got 1h30m",
	}
	if got := err.Error(); got != strings.Join(wantLines, "\n") {
		t.Errorf("error:\n%s\nwant:\n%s", got, strings.Join(wantLines, "\n"))
	}
	// Every line marked "bad" in the file is reported.
	data, _ := os.ReadFile(f)
	for i, line := range strings.Split(string(data), "\n") {
		if !strings.Contains(line, "# bad") {
			continue
		}
		found := false
		for _, p := range e.Problems {
			found = found || p.Line == i+1
		}
		if !found {
			t.Errorf("line %d marked bad is not reported: %s", i+1, line)
		}
	}
}

func TestSyntaxError(t *testing.T) {
	_, err := Load("testdata/syntax.yaml")
	var e *Error
	if !errors.As(err, &e) || len(e.Problems) != 1 {
		t.Fatalf("Load: %v, want one problem", err)
	}
	p := e.Problems[0]
	if p.File != "testdata/syntax.yaml" || p.Line != 6 || p.Column != 7 && p.Column != 8 || !strings.Contains(p.Msg, "syntax error") {
		t.Errorf("problem %s; want testdata/syntax.yaml:6:7 or :8 syntax error", p)
	}
}

func TestEmptyAndNonMapping(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"", "f.yaml:1:1: empty scenario"},
		{"# only a comment\n", "f.yaml:1:1: empty scenario"},
		{"- 1\n- 2\n", "f.yaml:1:1: expected a mapping, got a list"},
		{"just text", "f.yaml:1:1: expected a mapping"},
		{"\xff\xfe", "f.yaml: file is not valid UTF-8"},
	} {
		_, err := Parse("f.yaml", []byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v; want %q", tc.src, err, tc.want)
		}
	}
}

func TestAnchorsAndAliases(t *testing.T) {
	src := strings.Replace(minimal, "withdrawals: {model: self_exciting, baseline: 0.01}",
		"withdrawals:\n    model: self_exciting\n    baseline: 0.01\n    utilization: &t {level: 0.9, weight: 1}\n    drawdown: *t", 1)
	s, err := Parse("alias.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	se := s.Depositors.Withdrawals.Spec.(*SelfExciting)
	if se.Drawdown != (Trigger{Level: 0.9, Weight: 1}) || se.Utilization != se.Drawdown {
		t.Errorf("alias not resolved: %+v", se)
	}
}

func TestProblemString(t *testing.T) {
	for _, tc := range []struct {
		p    Problem
		want string
	}{
		{Problem{File: "a.yaml", Line: 3, Column: 5, Field: "pool.deposits", Msg: "bad"}, "a.yaml:3:5: pool.deposits: bad"},
		{Problem{File: "a.yaml", Line: 1, Column: 2, Msg: "syntax error: x"}, "a.yaml:1:2: syntax error: x"},
		{Problem{File: "a.yaml", Msg: "cannot read"}, "a.yaml: cannot read"},
		{Problem{Field: "paths", Msg: "bad"}, "scenario: paths: bad"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("%#v.String() = %q; want %q", tc.p, got, tc.want)
		}
	}
	e := &Error{Problems: []Problem{{File: "a", Line: 1, Column: 1, Msg: "x"}, {File: "a", Line: 2, Column: 1, Msg: "y"}}}
	if got := e.Error(); got != "a:1:1: x\na:2:1: y" {
		t.Errorf("Error() = %q", got)
	}
}

func TestClosest(t *testing.T) {
	known := []string{"volatility", "drift", "initial", "model"}
	for in, want := range map[string]string{
		"volatilty": "volatility", "Volatility": "volatility", "drfit": "drift",
		"intial": "initial", "xyz": "", "a": "", "modle": "model", "vol": "volatility", "in": "",
	} {
		if got := closest(in, known); got != want {
			t.Errorf("closest(%q) = %q; want %q", in, got, want)
		}
	}
}

func ExampleParse() {
	_, err := Parse("typo.yaml", []byte(strings.Replace(minimal, "volatility: 0.5", "volatilty: 0.5", 1)))
	fmt.Println(err)
	// Output:
	// typo.yaml:6:3: market.price.volatility: missing required key
	// typo.yaml:6:37: market.price.volatilty: unknown key; did you mean "volatility"?
}
