package experiments

import (
	"errors"
	"fmt"
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

const minimalPrice = "  price: {model: gbm, initial: 100, volatility: 0.5}\n"
const minimalWithdrawals = "  withdrawals: {model: self_exciting, baseline: 0.01}\n"

// withPrice is the minimal scenario with market.price replaced by price
// (lines indented under market:).
func withPrice(price string) string {
	return strings.Replace(minimal, minimalPrice, price, 1)
}

// withWithdrawals is the minimal scenario with depositors.withdrawals
// replaced.
func withWithdrawals(w string) string {
	return strings.Replace(minimal, minimalWithdrawals, w, 1)
}

// writeFiles writes name → content into a new directory and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// hourlyPrices is a synthetic CSV price history: n hourly closes.
func hourlyPrices(n int) string {
	var b strings.Builder
	b.WriteString("timestamp,close\n")
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		fmt.Fprintf(&b, "%s,%d\n", start.Add(time.Duration(i)*time.Hour).Format(time.RFC3339), 100+i%7)
	}
	return b.String()
}

func readSeries(t *testing.T, text string) stochastic.PriceSeries {
	t.Helper()
	s, err := stochastic.ReadPriceCSV(strings.NewReader(text), "p.csv")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// minimalConfig is the configuration of the minimal scenario; the tests
// below compare whole configurations built from it.
func minimalConfig() *engine.Config {
	return &engine.Config{
		Seed: 1, Paths: 10, Horizon: 24 * time.Hour, Step: time.Hour,
		Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		Price: stochastic.GBM{Initial: 100, Volatility: 0.5},
		Pool: lending.Params{Deposits: 1e6, Utilization: 0.5,
			Rates: lending.JumpRate{Multiplier: 0.05, JumpMultiplier: 2, Kink: 0.8}},
		Borrowers:   engine.Borrowers{ToleranceAPR: 0.10, MaxRepayPerDay: 1, MaxBorrowPerDay: 1},
		Withdrawals: stochastic.SelfExciting{Baseline: 0.01, HalfLife: 12 * time.Hour},
		Inflow:      engine.Inflow{ReferenceAPR: 0.05},
		Trace:       engine.Trace{Paths: 100, Every: 1},
		Warnings:    engine.DefaultWarnings(),
	}
}

// parseIn parses src as the file s.yaml of dir.
func parseIn(t *testing.T, dir, src string) (*Scenario, error) {
	t.Helper()
	return Parse(filepath.Join(dir, "s.yaml"), []byte(src))
}

// Each price model decodes into the expected process, with its defaults;
// its resolved form parses back to the same configuration; and its initial
// price is the price its sampler starts at.
func TestPriceModelsDecode(t *testing.T) {
	prices := hourlyPrices(40)
	series := readSeries(t, prices)
	dir := writeFiles(t, map[string]string{"p.csv": prices})
	gbm := stochastic.GBM{Initial: 100, Volatility: 0.5}
	for _, tc := range []struct {
		name    string
		price   string
		want    stochastic.PriceProcess
		initial float64
	}{
		{"gbm", minimalPrice, gbm, 100},
		{"merton", "  price: {model: merton, initial: 100, volatility: 0.5, jump_intensity: 2, jump_mean: -0.1, jump_std_dev: 0.05}\n",
			stochastic.Merton{Initial: 100, Volatility: 0.5, JumpIntensity: 2, JumpMean: -0.1, JumpStdDev: 0.05}, 100},
		{"garch_t defaults", "  price: {model: garch_t, initial: 100, omega: 1e-4, alpha: 0.1, beta: 0.85, nu: 5}\n",
			stochastic.GARCHT{Initial: 100, Interval: 24 * time.Hour, Omega: 1e-4, Alpha: 0.1, Beta: 0.85, Nu: 5}, 100},
		{"garch_t", "  price: {model: garch_t, initial: 100, interval: 4h, log_drift: -0.2, omega: 1e-4, alpha: 0.1, beta: 0.85, nu: 5}\n",
			stochastic.GARCHT{Initial: 100, Interval: 4 * time.Hour, LogDrift: -0.2, Omega: 1e-4, Alpha: 0.1, Beta: 0.85, Nu: 5}, 100},
		{"regime_switching", `  price:
    model: regime_switching
    initial: 100
    calm: {volatility: 0.5}
    stress: {drift: -1, volatility: 1.5}
    calm_to_stress: 2
    stress_to_calm: 20
`, stochastic.RegimeSwitching{Initial: 100, Calm: stochastic.Regime{Volatility: 0.5}, Stress: stochastic.Regime{Drift: -1, Volatility: 1.5},
			CalmToStress: 2, StressToCalm: 20, Start: stochastic.StartCalm}, 100},
		{"regime_switching stationary", "  price: {model: regime_switching, initial: 100, calm: {volatility: 0.5}, stress: {volatility: 1}, calm_to_stress: 2, stress_to_calm: 20, start: stationary}\n",
			stochastic.RegimeSwitching{Initial: 100, Calm: stochastic.Regime{Volatility: 0.5}, Stress: stochastic.Regime{Volatility: 1},
				CalmToStress: 2, StressToCalm: 20, Start: stochastic.StartStationary}, 100},
		{"historical defaults", "  price: {model: historical, file: p.csv}\n",
			stochastic.Historical{Prices: series.Prices, Interval: time.Hour}, series.Prices[0]},
		{"historical", "  price: {model: historical, file: p.csv, offset: 3h, initial: 50}\n",
			stochastic.Historical{Prices: series.Prices, Interval: time.Hour, Offset: 3 * time.Hour, Initial: 50}, 50},
		{"historical at an offset", "  price: {model: historical, file: p.csv, offset: 3h}\n",
			stochastic.Historical{Prices: series.Prices, Interval: time.Hour, Offset: 3 * time.Hour}, series.Prices[3]},
		{"bootstrap defaults", "  price: {model: bootstrap, file: p.csv, initial: 100}\n",
			stochastic.Bootstrap{Initial: 100, LogReturns: series.LogReturns(), Interval: time.Hour, BlockLength: 1}, 100},
		{"bootstrap", "  price: {model: bootstrap, file: p.csv, initial: 90, block_length: 5}\n",
			stochastic.Bootstrap{Initial: 90, LogReturns: series.LogReturns(), Interval: time.Hour, BlockLength: 5}, 90},
		{"scripted", `  price:
    model: scripted
    base: {model: gbm, initial: 100, volatility: 0.5}
    points:
      - {at: 0s, level: 0.9}
      - {at: 12h, level: 0.6}
      - {at: 1d, level: 0.8}
`, stochastic.Scripted{Base: gbm, Points: []stochastic.ShockPoint{{At: 0, Level: 0.9}, {At: 12 * time.Hour, Level: 0.6}, {At: 24 * time.Hour, Level: 0.8}}}, 90},
		{"bridge over merton", "  price: {model: bridge, at: 1d, level: 0.5, base: {model: merton, initial: 80, volatility: 0.5, jump_intensity: 1, jump_mean: 0, jump_std_dev: 0.1}}\n",
			stochastic.Bridged{Base: stochastic.Merton{Initial: 80, Volatility: 0.5, JumpIntensity: 1, JumpStdDev: 0.1}, At: 24 * time.Hour, Level: 0.5}, 80},
		{"scripted over a bootstrap", "  price: {model: scripted, points: [{at: 2h, level: 0.5}], base: {model: bootstrap, file: p.csv, initial: 100}}\n",
			stochastic.Scripted{Base: stochastic.Bootstrap{Initial: 100, LogReturns: series.LogReturns(), Interval: time.Hour, BlockLength: 1},
				Points: []stochastic.ShockPoint{{At: 2 * time.Hour, Level: 0.5}}}, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := withPrice(tc.price)
			s, err := parseIn(t, dir, src)
			if err != nil {
				t.Fatal(err)
			}
			cfg := mustConfig(t, s)
			want := minimalConfig()
			want.Price = tc.want
			if !reflect.DeepEqual(cfg, want) {
				t.Errorf("config\n%#v\nwant\n%#v", cfg, want)
			}
			if got := s.Market.Price.Spec.InitialPrice(); got != tc.initial {
				t.Errorf("InitialPrice %v, want %v", got, tc.initial)
			}
			sampler := cfg.Price.NewSampler(cfg.Dt())
			if got := sampler.Reset(stochastic.NewSource(1, stochastic.StreamPrice)); got != tc.initial {
				t.Errorf("sampler starts at %v, InitialPrice %v", got, tc.initial)
			}
			checkRoundTrip(t, s)
		})
	}
}

// checkRoundTrip checks that s's resolved form parses (in s's directory)
// to the same configuration and the same text.
func checkRoundTrip(t *testing.T, s *Scenario) {
	t.Helper()
	resolved := s.Resolved()
	again, err := ParseIn(s.Dir, "resolved.yaml", resolved)
	if err != nil {
		t.Fatalf("resolved scenario does not parse: %v\n%s", err, resolved)
	}
	if got := again.Resolved(); string(got) != string(resolved) {
		t.Errorf("Resolved not stable:\n%s\nthen\n%s", resolved, got)
	}
	a, b := mustConfig(t, s), mustConfig(t, again)
	if a.Liquidation != nil && b.Liquidation != nil {
		// Books compare by their totals; the rest field by field.
		ba, bb := a.Liquidation.Book, b.Liquidation.Book
		if ba.Len() != bb.Len() || ba.TotalScaledDebt() != bb.TotalScaledDebt() || ba.TotalCollateral() != bb.TotalCollateral() {
			t.Errorf("book changed through Resolved: %d positions, debt %v, collateral %v; then %d, %v, %v",
				ba.Len(), ba.TotalScaledDebt(), ba.TotalCollateral(), bb.Len(), bb.TotalScaledDebt(), bb.TotalCollateral())
		}
		la, lb := *a.Liquidation, *b.Liquidation
		la.Book, lb.Book = nil, nil
		a.Liquidation, b.Liquidation = &la, &lb
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("config changed through Resolved:\n%+v\nthen\n%+v\nresolved:\n%s", a, b, resolved)
	}
}

// Defaults appear in the resolved text.
func TestResolvedShowsProcessDefaults(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{withPrice("  price: {model: garch_t, initial: 100, omega: 1e-4, alpha: 0.1, beta: 0.85, nu: 5}\n"), "interval: 1d\n    log_drift: 0\n"},
		{withPrice("  price: {model: regime_switching, initial: 100, calm: {volatility: 0.5}, stress: {volatility: 1}, calm_to_stress: 2, stress_to_calm: 20}\n"),
			"calm:\n      drift: 0\n      volatility: 0.5\n"},
		{withPrice("  price: {model: regime_switching, initial: 100, calm: {volatility: 0.5}, stress: {volatility: 1}, calm_to_stress: 2, stress_to_calm: 20}\n"),
			"start: calm\n"},
		{withWithdrawals("  withdrawals: {model: thresholds, weights: {drawdown: 2}, threshold_mean: 1}\n"),
			"model: thresholds\n    cohorts: 10\n    weights:\n      utilization: 0\n      drawdown: 2\n"},
		{withWithdrawals("  withdrawals: [{model: whales, rate: 1, min_size: 0.1, alpha: 2}]\n"),
			"withdrawals:\n    - model: whales\n      rate: 1\n      min_size: 0.1\n      alpha: 2\n"},
	} {
		s := mustParse(t, "d.yaml", tc.src)
		if got := string(s.Resolved()); !strings.Contains(got, tc.want) {
			t.Errorf("resolved lacks %q:\n%s", tc.want, got)
		}
	}
}

func TestWithdrawalModelsDecode(t *testing.T) {
	self := stochastic.SelfExciting{Baseline: 0.01, HalfLife: 12 * time.Hour}
	thresholds := stochastic.ThresholdDepositors{
		Cohorts:         20,
		Weights:         stochastic.SignalWeights{Utilization: 1, Drawdown: 2, UnmetQueue: 3, Depeg: 4, BadDebt: 5},
		IndexNoise:      0.1,
		PrivateNoise:    0.2,
		ThresholdMean:   1.5,
		ThresholdSpread: 0.3,
		ShareTilt:       -0.5,
	}
	whales := stochastic.Whales{Rate: 0.5, MinSize: 0.02, Alpha: 1.5}
	const thresholdsText = "{model: thresholds, cohorts: 20, weights: {utilization: 1, drawdown: 2, unmet_queue: 3, depeg: 4, bad_debt: 5}, " +
		"index_noise: 0.1, private_noise: 0.2, threshold_mean: 1.5, threshold_spread: 0.3, share_tilt: -0.5}"
	for _, tc := range []struct {
		name, w string
		want    stochastic.WithdrawalBehaviour
	}{
		{"self_exciting", minimalWithdrawals, self},
		{"thresholds", "  withdrawals: " + thresholdsText + "\n", thresholds},
		{"thresholds defaults", "  withdrawals: {model: thresholds, weights: {}, threshold_mean: 2}\n",
			stochastic.ThresholdDepositors{Cohorts: 10, ThresholdMean: 2}},
		{"whales", "  withdrawals: {model: whales, rate: 0.5, min_size: 0.02, alpha: 1.5}\n", whales},
		{"list", `  withdrawals:
    - {model: self_exciting, baseline: 0.01}
    - model: whales
      rate: 0.5
      min_size: 0.02
      alpha: 1.5
    - ` + thresholdsText + "\n",
			stochastic.Combined{Parts: []stochastic.WithdrawalBehaviour{self, whales, thresholds}}},
		{"list of one", "  withdrawals: [{model: whales, rate: 0.5, min_size: 0.02, alpha: 1.5}]\n",
			stochastic.Combined{Parts: []stochastic.WithdrawalBehaviour{whales}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := mustParse(t, "w.yaml", withWithdrawals(tc.w))
			cfg := mustConfig(t, s)
			want := minimalConfig()
			want.Withdrawals = tc.want
			if !reflect.DeepEqual(cfg, want) {
				t.Errorf("config\n%#v\nwant\n%#v", cfg, want)
			}
			checkRoundTrip(t, s)
		})
	}
}

// posOf is the line and column (1-based) where needle starts in src, plus
// offset bytes.
func posOf(t *testing.T, src, needle string, offset int) (int, int) {
	t.Helper()
	i := strings.Index(src, needle)
	if i < 0 || strings.Count(src, needle) != 1 {
		t.Fatalf("%q is not once in\n%s", needle, src)
	}
	i += offset
	line := strings.Count(src[:i], "\n") + 1
	return line, i - strings.LastIndex(src[:i], "\n")
}

// problemCase is a scenario and the problems it must give: each at the
// line of marker, at the column where marker's value starts (after its
// first ": ") or, when it has none or starts with "^" (which is not part of
// the text), where marker starts.
type problemCase struct {
	name  string
	src   string
	wants []markedProblem
}

type markedProblem struct {
	marker, field, msg string
}

func runProblemCases(t *testing.T, dir string, cases []problemCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var wants []want
			for _, m := range tc.wants {
				marker, atStart := strings.CutPrefix(m.marker, "^")
				offset := 0
				if i := strings.Index(marker, ": "); i >= 0 && !atStart {
					offset = i + 2
				}
				line, col := posOf(t, tc.src, marker, offset)
				wants = append(wants, want{line, col, m.field, m.msg})
			}
			_, err := parseIn(t, dir, tc.src)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse: %v, want *Error", err)
			}
			checkProblems(t, e.Problems, wants)
			if t.Failed() {
				t.Logf("input:\n%s\nerror:\n%v", tc.src, err)
			}
		})
	}
}

// A bad field inside each model is reported on its line with its path.
func TestModelProblems(t *testing.T) {
	bad := strings.Replace(hourlyPrices(40), "2030-01-01T04:00:00Z,104", "2030-01-01T04:00:00Z,-3", 1)
	dir := writeFiles(t, map[string]string{"p.csv": hourlyPrices(40), "bad.csv": bad})
	runProblemCases(t, dir, []problemCase{
		{"merton", withPrice("  price:\n    model: merton\n    initial: 100\n    volatility: 0.5\n    jump_intensity: 2\n    jump_mean: 0\n    jump_std_dev: 5\n"),
			[]markedProblem{{"jump_std_dev: 5", "market.price.jump_std_dev", "must be in [0, 2]"}}},
		{"merton missing", withPrice("  price:\n    model: merton\n    initial: 100\n    volatility: 0.5\n"),
			[]markedProblem{
				{"price:", "market.price.jump_intensity", "missing required key"},
				{"price:", "market.price.jump_mean", "missing required key"},
				{"price:", "market.price.jump_std_dev", "missing required key"}}},
		{"garch", withPrice("  price:\n    model: garch_t\n    initial: 100\n    omega: 1e-4\n    alpha: 0.2\n    beta: 0.9\n    nu: 2\n"),
			[]markedProblem{
				{"beta: 0.9", "market.price.beta", "< 1 − alpha"},
				{"nu: 2", "market.price.nu", "in (2, 1000]"}}},
		{"garch interval against the step", withPrice("  price:\n    model: garch_t\n    interval: 90m\n    initial: 100\n    omega: 1e-4\n    alpha: 0.1\n    beta: 0.8\n    nu: 5\n"),
			[]markedProblem{{"step: 1h", "step", "whole multiple or a whole fraction of the process interval 1h30m"}}},
		{"scripted garch against the step", withPrice("  price:\n    model: scripted\n    points: [{at: 1h, level: 0.5}]\n    base: {model: garch_t, interval: 90m, initial: 100, omega: 1e-4, alpha: 0.1, beta: 0.8, nu: 5}\n"),
			[]markedProblem{{"step: 1h", "step", "whole multiple or a whole fraction"}}},
		{"regime", withPrice("  price:\n    model: regime_switching\n    initial: 100\n    calm: {volatility: 0.5}\n    stress:\n      volatility: 20\n    calm_to_stress: 1\n    stress_to_calm: 1\n    start: sometimes\n"),
			[]markedProblem{
				{"volatility: 20", "market.price.stress.volatility", "in [0, 10]"},
				{"start: sometimes", "market.price.start", `one of "calm", "stress", "stationary"`}}},
		{"regime missing regime", withPrice("  price:\n    model: regime_switching\n    initial: 100\n    calm: {drift: 1}\n    calm_to_stress: 1\n    stress_to_calm: 1\n"),
			[]markedProblem{
				{"^calm: {", "market.price.calm.volatility", "missing required key"},
				{"price:", "market.price.stress", "missing required key"}}},
		{"historical offset", withPrice("  price:\n    model: historical\n    file: p.csv\n    offset: 100h\n"),
			[]markedProblem{{"offset: 100h", "market.price.offset", "in [0, 1d16h) (the series length), got 4d4h"}}},
		{"historical bad file", withPrice("  price:\n    model: historical\n    file: bad.csv\n"),
			[]markedProblem{{"file: bad.csv", "market.price.file", "bad.csv:6: close: want a finite price > 0"}}},
		{"historical missing file", withPrice("  price:\n    model: historical\n    file: nowhere.csv\n"),
			[]markedProblem{{"file: nowhere.csv", "market.price.file", "nowhere.csv: no such file"}}},
		{"bootstrap", withPrice("  price:\n    model: bootstrap\n    file: p.csv\n    initial: 100\n    block_length: 1000\n"),
			[]markedProblem{{"block_length: 1000", "market.price.block_length", "in [1, 39] returns"}}},
		{"bootstrap without its file", withPrice("  price:\n    model: bootstrap\n    initial: 100\n"),
			[]markedProblem{{"price:", "market.price.file", "missing required key"}}},
		{"scripted", withPrice("  price:\n    model: scripted\n    base:\n      model: gbm\n      initial: -1\n      volatility: 0.5\n    points:\n      - {at: 12h, level: 0.5}\n      - {at: 6h, level: 0.7}\n"),
			[]markedProblem{
				{"initial: -1", "market.price.base.initial", "finite and > 0"},
				{"at: 6h", "market.price.points.1.at", "after the previous point"}}},
		{"scripted bad base key", withPrice("  price: {model: scripted, base: {model: gbm, initial: 1, volatility: 1, vola: 2}, points: [{at: 1h, level: 2}]}\n"),
			[]markedProblem{{"vola:", "market.price.base.vola", `unknown key; did you mean "volatility"?`}}},
		{"scripted without points", withPrice("  price: {model: scripted, base: {model: gbm, initial: 1, volatility: 1}, points: []}\n"),
			[]markedProblem{{"points:", "market.price.points", "need at least one point"}}},
		{"bridge", withPrice("  price:\n    model: bridge\n    base: {model: gbm, initial: 100, volatility: 0.5}\n    at: 0s\n    level: -1\n"),
			[]markedProblem{
				{"at: 0s", "market.price.at", "in (0, 3650d]"},
				{"level: -1", "market.price.level", "finite and > 0"}}},
		{"thresholds", withWithdrawals("  withdrawals:\n    model: thresholds\n    cohorts: 0\n    weights:\n      drawdown: 500\n    threshold_mean: 1\n"),
			[]markedProblem{
				{"cohorts: 0", "depositors.withdrawals.cohorts", "in [1, 10000]"},
				{"drawdown: 500", "depositors.withdrawals.weights.drawdown", "in [-100, 100]"}}},
		{"whales", withWithdrawals("  withdrawals: {model: whales, rate: 1, min_size: 0.1, alpha: 0}\n"),
			[]markedProblem{{"alpha: 0", "depositors.withdrawals.alpha", "in (0, 100]"}}},
		{"list", withWithdrawals(`  withdrawals:
    - model: self_exciting
      baseline: 2
    - {model: whales, rate: 1, min_size: 3, alpha: 1}
    - {model: thresholds, weights: {depeg: 1}, threshold_mean: 1, colour: red}
    - {model: panic}
`), []markedProblem{
			{"baseline: 2", "depositors.withdrawals.0.baseline", "in [0, 1] per day"},
			{"min_size: 3", "depositors.withdrawals.1.min_size", "in (0, 1]"},
			{"colour", "depositors.withdrawals.2.colour", "unknown key"},
			{"model: panic", "depositors.withdrawals.3.model", `unknown withdrawal model "panic"`}}},
		{"empty list", withWithdrawals("  withdrawals: []\n"),
			[]markedProblem{{"withdrawals: []", "depositors.withdrawals", "an empty list"}}},
		{"list in a list", withWithdrawals("  withdrawals: [[{model: whales, rate: 1, min_size: 0.1, alpha: 1}]]\n"),
			[]markedProblem{{"^[{model: whales", "depositors.withdrawals.0", "expected a mapping with a model key, got a list"}}},
	})
}

// A step that a process's own interval rejects is the engine's problem of
// the step; the message comes through whatever wraps the process.
func TestEngineStepProblemPath(t *testing.T) {
	for _, path := range []string{"step", "base.step", "base.base.step"} {
		if !isBaseStep(path) && path != "step" {
			t.Errorf("isBaseStep(%q) false", path)
		}
	}
	for _, path := range []string{"base", "base.stepper", "market.price.base.step", "bases.step"} {
		if isBaseStep(path) {
			t.Errorf("isBaseStep(%q) true", path)
		}
	}
	// The engine's own leaf names the step; a scenario built in code gets it too.
	s := mustParse(t, "g.yaml", withPrice("  price: {model: garch_t, initial: 100, omega: 1e-4, alpha: 0.1, beta: 0.8, nu: 5}\n"))
	s.Step = Duration(7 * time.Hour)
	s.Horizon = Duration(7 * time.Hour)
	s.Outputs.TraceEvery = s.Step
	_, err := s.Config()
	if err == nil || !strings.Contains(err.Error(), "g.yaml:4:7: step: 7h must be a whole multiple") {
		t.Errorf("Config: %v", err)
	}
}
