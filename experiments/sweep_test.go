package experiments

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// sweepFile is minimal (see decode_test.go) with positions and a sweep
// section appended; the sweep starts on line sweepLine.
func sweepFile(t *testing.T, sweep string) string {
	t.Helper()
	base, err := Load("black-thursday-2020")
	if err != nil {
		t.Fatal(err)
	}
	text := string(base.Resolved())
	text = strings.Replace(text, "name: black-thursday-2020", "name: s", 1)
	return text + sweep
}

func lineOf(text, needle string) int {
	i := strings.Index(text, needle)
	if i < 0 {
		return -1
	}
	return strings.Count(text[:i], "\n") + 1
}

func TestGridVariants(t *testing.T) {
	text := sweepFile(t, `sweep:
  axes:
    liquidators.rules.bonus: [0.05, 0.1]
    liquidators.dex.depth_usd: {from: 1e6, to: 1e8, steps: 3, scale: log}
    positions.count: {from: 100, to: 200, steps: 3}
`)
	s, err := Parse("s.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	vs := s.Variants()
	if len(vs) != 1+2*3*3 || vs[0].Name != BaseVariant || vs[1].Name != "v000" || vs[18].Name != "v017" {
		t.Fatalf("%d variants: %v … %v", len(vs), vs[0].Name, vs[len(vs)-1].Name)
	}
	// The first axis varies slowest; a log range is geometric with exact ends.
	want := [][3]float64{{0.05, 1e6, 100}, {0.05, 1e6, 150}, {0.05, 1e6, 200}, {0.05, 1e7, 100}}
	for i, w := range want {
		v := vs[1+i]
		for j := range w {
			if got := v.Values[j].Number; math.Abs(got-w[j]) > 1e-9*w[j] {
				t.Errorf("%s axis %d = %v, want %v", v.Name, j, got, w[j])
			}
		}
	}
	if got := vs[18].Values[1].Number; got != 1e8 {
		t.Errorf("last depth = %v, want exactly 1e8", got)
	}
	if b := vs[0].Values; b[0].Number != 0.05 || b[1].Number != 2e7 || b[2].Number != 5000 {
		t.Errorf("base values = %+v", b)
	}
	v, err := s.Variant(vs[7]) // v006: 0.05, 1e8, 100
	if err != nil {
		t.Fatal(err)
	}
	if v.Liquidators.Rules.Bonus != 0.05 || v.Liquidators.DEX.DepthUSD != 1e8 || v.Positions.Count != 100 || v.Sweep != nil {
		t.Errorf("variant %s: bonus %v depth %v count %v", vs[7].Name, v.Liquidators.Rules.Bonus, v.Liquidators.DEX.DepthUSD, v.Positions.Count)
	}
	if err := s.CheckVariants(); err != nil {
		t.Fatal(err)
	}
	// The resolved text holds the sweep and parses back to the same variants.
	r, err := Parse("r.yaml", s.Resolved())
	if err != nil {
		t.Fatalf("%v\n%s", err, s.Resolved())
	}
	if string(r.Resolved()) != string(s.Resolved()) || len(r.Variants()) != len(vs) {
		t.Error("the resolved sweep does not read back the same")
	}
}

// A policy axis of alternatives: the variant differs from the base in its
// policy only; every variant keeps the seed, paths and price process.
func TestPolicyAxis(t *testing.T) {
	text := sweepFile(t, `sweep:
  baseline: v000
  axes:
    policy.pauses:
      values:
        - []
        - - actions: [liquidate]
            trigger: {signal: drawdown, level: 0.2}
            delay: 1h
            duration: 24h
      labels: [no_pause, pause]
`)
	s, err := Parse("s.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	vs := s.Variants()
	if len(vs) != 2 || vs[0].Name != "v000" || vs[1].Values[0].Label != "pause" || !math.IsNaN(vs[1].Values[0].Number) {
		t.Fatalf("variants %+v", vs)
	}
	off, err := s.Variant(vs[0])
	if err != nil {
		t.Fatal(err)
	}
	on, err := s.Variant(vs[1])
	if err != nil {
		t.Fatal(err)
	}
	if len(off.Policy.Pauses) != 0 || len(on.Policy.Pauses) != 1 || on.Policy.Pauses[0].Trigger.Level != 0.2 {
		t.Fatalf("policies: %+v / %+v", off.Policy, on.Policy)
	}
	a, b := string(off.Resolved()), string(on.Resolved())
	cut := func(s string) string { i := strings.Index(s, "\npolicy:"); return s[:i] }
	if cut(a) != cut(b) {
		t.Error("the variants differ outside the policy")
	}
	ca, _ := off.Config()
	cb, _ := on.Config()
	if ca.Seed != cb.Seed || ca.Paths != cb.Paths {
		t.Error("variants differ in seed or paths")
	}
}

func TestLatinHypercubeStrata(t *testing.T) {
	for _, n := range []int{1, 7, 64} {
		pts := LatinHypercube(n, 3, 42)
		for j := range 3 {
			seen := make([]bool, n)
			for _, p := range pts {
				if p[j] < 0 || p[j] >= 1 {
					t.Fatalf("n=%d: coordinate %v outside [0,1)", n, p[j])
				}
				k := int(p[j] * float64(n))
				if seen[k] {
					t.Fatalf("n=%d axis %d: two points in stratum %d", n, j, k)
				}
				seen[k] = true
			}
		}
	}
	a, b := LatinHypercube(16, 2, 1), LatinHypercube(16, 2, 1)
	c := LatinHypercube(16, 2, 2)
	if !slices.EqualFunc(a, b, slices.Equal) || slices.EqualFunc(a, c, slices.Equal) {
		t.Error("the design must depend on the seed alone")
	}
}

// The first points of the unscrambled Sobol sequence in Gray-code order
// (Joe-Kuo direction numbers), as SciPy's qmc.Sobol(scramble=False) and
// Joe and Kuo's reference generator give them.
func TestSobolReference(t *testing.T) {
	want := [][]float64{
		{0, 0, 0}, {0.5, 0.5, 0.5}, {0.75, 0.25, 0.25}, {0.25, 0.75, 0.75},
		{0.375, 0.375, 0.625}, {0.875, 0.875, 0.125}, {0.625, 0.125, 0.875}, {0.125, 0.625, 0.375},
	}
	got := Sobol(8, 3)
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("point %d = %v, want %v", i, got[i], want[i])
		}
	}
	// Every dyadic block of 2^k points has one point in each of the 2^k
	// intervals of every coordinate (a (0,m,1)-net per axis).
	pts := Sobol(64, MaxSobolAxes)
	for j := range MaxSobolAxes {
		seen := make([]bool, 64)
		for _, p := range pts {
			k := int(p[j] * 64)
			if seen[k] {
				t.Fatalf("axis %d: two of the first 64 points in [%d/64, %d/64)", j, k, k+1)
			}
			seen[k] = true
		}
	}
}

func TestDesignsMapOntoAxes(t *testing.T) {
	for _, design := range []string{DesignLatinHypercube, DesignSobol} {
		text := sweepFile(t, `sweep:
  design: `+design+`
  points: 8
  axes:
    liquidators.rules.bonus: {from: 0.02, to: 0.2}
    liquidators.dex.depth_usd: {from: 1e6, to: 1e8, scale: log}
    policy.pauses: [[], [{actions: [liquidate], trigger: {signal: drawdown, level: 0.3}, duration: 1d}]]
`)
		s, err := Parse("s.yaml", []byte(text))
		if err != nil {
			t.Fatalf("%s: %v", design, err)
		}
		vs := s.Variants()
		if len(vs) != 9 {
			t.Fatalf("%s: %d variants", design, len(vs))
		}
		choices := map[int]int{}
		for _, v := range vs[1:] {
			b, d := v.Values[0].Number, v.Values[1].Number
			if b < 0.02 || b >= 0.2 || d < 1e6 || d >= 1e8 || v.Values[0].Index != -1 {
				t.Errorf("%s %s: values %+v", design, v.Name, v.Values)
			}
			choices[v.Values[2].Index]++
		}
		if choices[0] != 4 || choices[1] != 4 {
			t.Errorf("%s: alternatives drawn %v, want 4 and 4", design, choices)
		}
		if err := s.CheckVariants(); err != nil {
			t.Errorf("%s: %v", design, err)
		}
	}
}

// Bad sweep sections: every problem at its line in the sweep section.
func TestBadSweeps(t *testing.T) {
	cases := []struct {
		name, sweep, at, want string
	}{
		{"unknown field path", "sweep:\n  axes:\n    liquidators.rules.bonsu: [0.1]\n", "liquidators.rules.bonsu",
			`unknown field path liquidators.rules.bonsu: no key "bonsu"; did you mean "bonus"?`},
		{"empty axis", "sweep:\n  axes:\n    liquidators.rules.bonus: []\n", "liquidators.rules.bonus", "empty axis"},
		{"no axes", "sweep:\n  axes: {}\n", "axes", "needs at least one axis"},
		{"wrong type", "sweep:\n  axes:\n    liquidators.rules.bonus: [lots]\n", "lots", `expected a number, got the string "lots"`},
		{"unsweepable", "sweep:\n  axes:\n    seed: [1, 2]\n", "seed: [1", "seed cannot be swept"},
		{"range over a duration", "sweep:\n  axes:\n    oracle.heartbeat: {from: 1, to: 2, steps: 2}\n", "oracle.heartbeat", "a range needs a number field"},
		{"grid range without steps", "sweep:\n  axes:\n    liquidators.rules.bonus: {from: 0.01, to: 0.1}\n", "liquidators.rules.bonus", "needs steps"},
		{"points for a grid", "sweep:\n  points: 4\n  axes:\n    liquidators.rules.bonus: [0.1]\n", "4\n", "remove points"},
		{"no points", "sweep:\n  design: sobol\n  axes:\n    liquidators.rules.bonus: {from: 0.01, to: 0.1}\n", "sweep:", "needs the number of points"},
		{"unknown design", "sweep:\n  design: random\n  axes:\n    liquidators.rules.bonus: [0.1]\n", "random", "unknown design"},
		{"unknown baseline", "sweep:\n  baseline: v9\n  axes:\n    liquidators.rules.bonus: [0.1]\n", "v9", `no variant "v9"`},
		{"unknown metric", "sweep:\n  metric: bad_debt\n  axes:\n    liquidators.rules.bonus: [0.1]\n", "bad_debt\n", `did you mean "bad_debt_usd"`},
		{"model alone", "sweep:\n  axes:\n    market.price.model: [gbm]\n", "market.price.model", "cannot be swept alone"},
		{"log from 0", "sweep:\n  axes:\n    liquidators.rules.bonus: {from: 0, to: 0.1, steps: 2, scale: log}\n", "from: 0", "log scale needs from > 0"},
	}
	for _, c := range cases {
		text := sweepFile(t, c.sweep)
		_, err := Parse("s.yaml", []byte(text))
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: Parse = %v, want problems", c.name, err)
			continue
		}
		line := lineOf(text[strings.Index(text, "sweep:"):], c.at) + lineOf(text, "sweep:") - 1
		found := false
		for _, p := range e.Problems {
			if strings.Contains(p.Msg, c.want) && p.Line == line && p.File == "s.yaml" {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: want %q at line %d, got:\n%v", c.name, c.want, line, err)
		}
	}
}

// A value out of the field's range is reported at that value, naming the
// variants that have it.
func TestVariantRangeProblems(t *testing.T) {
	text := sweepFile(t, "sweep:\n  axes:\n    liquidators.rules.bonus: [0.05, 3]\n    liquidators.dex.fee: [0.003, 0.01]\n")
	s, err := Parse("s.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	err = s.CheckVariants()
	var e *Error
	if !errors.As(err, &e) || len(e.Problems) != 1 {
		t.Fatalf("CheckVariants = %v, want one problem", err)
	}
	p := e.Problems[0]
	line := lineOf(text, "[0.05, 3]")
	if p.Line != line || p.Column != 37 || p.Field != "liquidators.rules.bonus" || !strings.Contains(p.Msg, "(variants v002, v003)") {
		t.Errorf("problem %v, want line %d column 37 naming v002 and v003", p, line)
	}
}

// The embedded sweeps: every variant validates, and the base is the
// preset it names, apart from its name, description, paths and tracing.
func TestSweepPresets(t *testing.T) {
	ref, err := Load("black-thursday-2020")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"bonus-depth-sweep", "pause-sweep"} {
		s, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		if s.Sweep == nil || !strings.HasPrefix(s.Description, "Sweep:") {
			t.Errorf("%s: not a sweep, or its description does not say so", name)
		}
		if err := s.CheckVariants(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		base := *s
		base.Sweep, base.Name, base.Description = nil, ref.Name, ref.Description
		base.Paths, base.Outputs.TracePaths = ref.Paths, ref.Outputs.TracePaths
		if string(base.Resolved()) != string(ref.Resolved()) {
			t.Errorf("%s: the base is not black-thursday-2020", name)
		}
	}
}

// FuzzSweep: any sweep section parses without panicking, and one that
// parses resolves to text that reads back the same, with the same variants.
func FuzzSweep(f *testing.F) {
	for _, s := range []string{
		"sweep:\n  axes:\n    pool.utilization: [0.5, 0.6]\n",
		"sweep:\n  design: sobol\n  points: 3\n  axes:\n    pool.utilization: {from: 0.1, to: 0.9}\n    depositors.withdrawals.baseline: {from: 0, to: 0.1}\n",
		"sweep:\n  design: latin_hypercube\n  points: 4\n  axes:\n    policy.pauses: [[], [{actions: [withdraw], trigger: {signal: utilization, level: 0.99}, duration: 1d}]]\n",
		"sweep:\n  axes:\n    market.price: [{model: gbm, initial: 100, volatility: 0.5}, {model: gbm, initial: 100, volatility: 1}]\n",
		"sweep:\n  baseline: v001\n  axes:\n    pool.rate_model.slope2: {from: 0.5, to: 3, steps: 3, scale: log}\n",
	} {
		f.Add([]byte(minimal + s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("f.yaml", data)
		if err != nil || s.Sweep == nil {
			return
		}
		r, err := Parse("f.yaml", s.Resolved())
		if err != nil {
			t.Fatalf("resolved sweep does not parse: %v\n%s", err, s.Resolved())
		}
		if string(r.Resolved()) != string(s.Resolved()) || len(r.Variants()) != len(s.Variants()) {
			t.Fatalf("resolved sweep reads back differently:\n%s", s.Resolved())
		}
		_ = s.CheckVariants()
	})
}

// Decoding the values of an axis records their positions apart from the
// base scenario's: a problem of the base is reported at the base's line
// even when an axis sets the same field elsewhere in the file, a problem
// of a value at the value, and a problem of the base is not hidden by a
// problem of a value at the same field path.
func TestSweepProblemPositions(t *testing.T) {
	axis := `sweep:
  axes:
    market.price:
      - {model: gbm, initial: 100, volatility: 0.5}
      - model: gbm
        initial: 100
        volatility: 30
`
	price := func(initial, volatility string) string {
		return withPrice("  price:\n    model: gbm\n    initial: " + initial + "\n    volatility: " + volatility + "\n")
	}
	// A value without a required key: at the value's first key.
	incomplete := "      - {model: gbm, initial: 99}\n"
	missing := markedProblem{"^model: gbm, initial: 99}", "market.price.volatility", "missing required key (a value of the axis market.price)"}
	runProblemCases(t, t.TempDir(), []problemCase{
		{"base problem at a field an axis sets", price("100", "20") + axis + incomplete, []markedProblem{
			{"volatility: 20", "market.price.volatility", "must be in [0, 10] per √year, got 20"},
			missing}},
		{"base and value problems at the same field", price("-1", "0.5") + strings.Replace(axis, "initial: 100\n        volatility: 30", "initial: abc\n        volatility: 30", 1) + incomplete,
			[]markedProblem{
				{"initial: -1", "market.price.initial", "must be finite and > 0 USD, got -1"},
				{"initial: abc", "market.price.initial", `expected a number, got the string "abc" (a value of the axis market.price)`},
				missing}},
	})

	// With the base valid, a variant's problem is at its value.
	src := price("100", "0.2") + axis
	s, err := Parse("s.yaml", []byte(src))
	if err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	var e *Error
	if err := s.CheckVariants(); !errors.As(err, &e) {
		t.Fatalf("CheckVariants: %v, want *Error", err)
	}
	line, col := posOf(t, src, "volatility: 30", len("volatility: "))
	checkProblems(t, e.Problems, []want{{line, col, "market.price.volatility", "must be in [0, 10] per √year, got 30 (variant v001)"}})

	// The same in a section of the liquidation spiral.
	text := strings.Replace(sweepFile(t, `sweep:
  axes:
    liquidators.rules:
      - {bonus: 0.05, close_factor: 0.5}
      - {bonus: 0.1, close_factor: 0.5}
`), "    bonus: 0.05\n    close_factor: 0.5\n", "    bonus: 0.9\n    close_factor: 0.5\n", 1)
	_, err = Parse("s.yaml", []byte(text))
	if !errors.As(err, &e) {
		t.Fatalf("Parse: %v, want *Error", err)
	}
	line, col = posOf(t, text, "bonus: 0.9", len("bonus: "))
	checkProblems(t, e.Problems, []want{{line, col, "liquidators.rules.bonus", "must be in [0, 0.5]"}})
}
