package report

import (
	"encoding/json"
	"errors"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot"

	"github.com/spiralrisk/spiral/engine"
)

var plotsDir = flag.String("plots", "", "also write the charts of TestLiquidationCharts to this directory, for inspection")

// liquidationCharts are the chart names drawn only with a liquidation model.
func liquidationCharts() []string {
	var names []string
	for _, c := range FanCharts {
		if c.Liquidations {
			names = append(names, c.Name)
		}
	}
	for _, c := range HistogramCharts {
		if c.Liquidations {
			names = append(names, c.Name)
		}
	}
	for _, c := range ScatterCharts {
		if c.Liquidations {
			names = append(names, c.Name)
		}
	}
	return names
}

// withLiquidations overwrites the liquidation metrics of synthetic results
// with a realistic mix for a $1B pool: the max drawdown of the market price
// is mostly 5–30 %, liquidated debt grows convexly with it, and bad debt
// appears on a few per cent of the paths, mostly those with drawdowns
// beyond 35 %, with a heavy (lognormal) tail. The series get a market
// price that follows the drawdown, with a crash for deep drawdowns.
func withLiquidations(results []engine.PathResult) {
	for k := range results {
		r := &results[k]
		s := &r.Summary
		rng := rand.New(rand.NewPCG(testSeed+1, uint64(s.Path)))
		dd := math.Min(0.9, 0.02+0.11*math.Abs(rng.NormFloat64())+0.04*rng.ExpFloat64())
		s.MaxDrawdown = dd
		s.LiquidatedDebtUSD = 0
		if dd > 0.08 {
			s.LiquidatedDebtUSD = 6e8 * math.Pow(dd-0.08, 1.6) * math.Exp(0.35*rng.NormFloat64())
		}
		s.Liquidations = int(s.LiquidatedDebtUSD / 2e5)
		s.BadDebtUSD, s.RealizedBadDebtUSD = 0, 0
		if rng.Float64() < 1/(1+math.Exp(-(dd-0.38)/0.05)) {
			s.BadDebtUSD = 2e4 * math.Exp(2.2*rng.NormFloat64()) * (1 + 10*dd)
			s.RealizedBadDebtUSD = 0.7 * s.BadDebtUSD
		}
		s.WorstDayBadDebtUSD = s.RealizedBadDebtUSD
		if len(r.Series) == 0 {
			continue
		}
		crash := len(r.Series) / 3
		price, peak := 2000.0, 2000.0
		for j := range r.Series {
			p := &r.Series[j]
			price *= math.Exp(0.009*rng.NormFloat64() - 0.0001)
			if j == crash && dd > 0.3 {
				price *= 1 - 0.6*dd
			}
			peak = math.Max(peak, price)
			p.Price, p.MarketPrice, p.OraclePrice = price, price*(1-0.02*dd), price
			p.Drawdown = 1 - p.MarketPrice/peak
		}
	}
}

func TestLiquidationCharts(t *testing.T) {
	const paths, traced, steps = 3000, 60, 240
	results := synthetic(0, paths, traced, steps)
	withLiquidations(results)
	// stuck share: most paths 0, a heavy tail.
	for i := range results {
		s := &results[i].Summary
		s.StuckShare = 0
		if i%25 == 0 {
			s.StuckShare = 0.002 * math.Exp(1.5*rand.New(rand.NewPCG(3, uint64(i))).NormFloat64())
		}
	}
	run := func(t *testing.T, liquidations bool) string {
		dir := filepath.Join(t.TempDir(), "out")
		m := testMeta(paths)
		m.Liquidations = liquidations
		o := mustCreate(t, dir, m, Fresh)
		feed(t, o.Sink(), results, 500)
		if err := o.Finish(); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	exists := func(path string) bool {
		fi, err := os.Stat(path)
		return err == nil && fi.Size() > 0
	}

	t.Run("with", func(t *testing.T) {
		dir := run(t, true)
		names := append(liquidationCharts(), "stuck_share_hist", "utilization_fan")
		for _, name := range names {
			for _, ext := range []string{".png", ".pdf"} {
				path := filepath.Join(dir, PlotsDir, name+ext)
				if !exists(path) {
					t.Errorf("%s%s not written", name, ext)
					continue
				}
				b, _ := os.ReadFile(path)
				if ext == ".pdf" {
					checkSolidPDF(t, name+ext, b)
				}
				if *plotsDir != "" {
					os.MkdirAll(*plotsDir, 0o755)
					os.WriteFile(filepath.Join(*plotsDir, name+ext), b, 0o644)
				}
			}
		}
		man, err := ReadManifest(filepath.Join(dir, ManifestFile))
		if err != nil {
			t.Fatal(err)
		}
		if len(man.Notes) != 0 {
			t.Errorf("notes = %v", man.Notes)
		}
		for _, name := range liquidationCharts() {
			if !slices.Contains(man.Files, PlotsDir+"/"+name+".pdf") {
				t.Errorf("manifest does not list %s.pdf", name)
			}
		}
	})
	t.Run("without", func(t *testing.T) {
		dir := run(t, false)
		for _, name := range liquidationCharts() {
			for _, ext := range []string{".png", ".pdf"} {
				if _, err := os.Stat(filepath.Join(dir, PlotsDir, name+ext)); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s%s written for a run without liquidations (%v)", name, ext, err)
				}
			}
		}
		if !exists(filepath.Join(dir, PlotsDir, "stuck_share_hist.png")) {
			t.Error("stuck_share_hist.png not written")
		}
	})
}

func TestBadDebtHistogramZerosAndLogAxis(t *testing.T) {
	spec := HistogramCharts[slices.IndexFunc(HistogramCharts, func(c HistogramChart) bool { return c.Name == "bad_debt_hist" })]
	// 950 of 1,000 paths without bad debt, the rest lognormal over 4 decades.
	values := make([]float64, 1000)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 50 {
		values[i*20] = 1e5 * math.Exp(2*rng.NormFloat64())
	}
	ch, err := NewHistogramPlot(spec, "s", 720, values)
	if err != nil {
		t.Fatal(err)
	}
	title := ch.Plot.Title.Text
	for _, want := range []string{"s: bad debt over 30 d, 1,000 paths", "950 of 1,000 paths without bad debt"} {
		if !strings.Contains(title, want) {
			t.Errorf("title %q does not contain %q", title, want)
		}
	}
	if _, ok := ch.Plot.X.Tick.Marker.(logTicker); !ok {
		t.Errorf("x ticks %T, want a log axis for values over 4 decades", ch.Plot.X.Tick.Marker)
	}
	if ch.Legend == nil {
		t.Fatal("no legend with the VaR and ES values")
	}

	// Bad debt on half the paths, within one decade: a linear axis from 0.
	for i := range values {
		values[i] = 0
		if i%2 == 0 {
			values[i] = 1e6 * (1 + rng.Float64())
		}
	}
	if ch, err = NewHistogramPlot(spec, "s", 36, values); err != nil {
		t.Fatal(err)
	}
	if _, ok := ch.Plot.X.Tick.Marker.(usdTicker); !ok || ch.Plot.X.Min != 0 {
		t.Errorf("x ticks %T from %v, want linear dollars from 0", ch.Plot.X.Tick.Marker, ch.Plot.X.Min)
	}
	if title := ch.Plot.Title.Text; !strings.Contains(title, "over 36 h") || !strings.Contains(title, "500 of 1,000 paths without bad debt") {
		t.Errorf("title %q", title)
	}

	// No bad debt at all: one bar at 0 and the statement.
	if ch, err = NewHistogramPlot(spec, "s", 720, make([]float64, 40)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ch.Plot.Title.Text, "all 40 paths without bad debt") {
		t.Errorf("title %q", ch.Plot.Title.Text)
	}
}

func TestScatterThinsLargeRuns(t *testing.T) {
	const n = 200_000
	x, y, split := make([]float64, n), make([]float64, n), make([]float64, n)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range x {
		x[i] = 0.5 * rng.Float64()
		y[i] = 1e9 * x[i] * x[i] * (1 + 0.1*rng.NormFloat64())
		if rng.Float64() < x[i]*x[i] {
			split[i] = 1
		}
	}
	ch, err := NewScatterPlot(ScatterCharts[0], "s", 720, x, y, split)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	written, err := SavePlot(ch, dir, "scatter")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range written {
		fi, err := os.Stat(f)
		if err != nil || fi.Size() > 4<<20 {
			t.Errorf("%s: %v, %d bytes for %d paths; thinning should keep it small", f, err, fi.Size(), n)
		}
	}
	if _, err := NewScatterPlot(ScatterCharts[0], "s", 720, nil, nil, nil); !errors.Is(err, ErrNoData) {
		t.Errorf("no paths: %v, want ErrNoData", err)
	}
	if _, err := NewScatterPlot(ScatterCharts[0], "s", 720, x, y[:1], split); err == nil {
		t.Error("mismatched lengths accepted")
	}
}

func TestAggregateESCI(t *testing.T) {
	const paths = 3000
	results := synthetic(0, paths, 0, 0)
	withLiquidations(results)
	dir := filepath.Join(t.TempDir(), "out")
	m := testMeta(paths)
	m.Liquidations = true
	o := mustCreate(t, dir, m, Fresh)
	feed(t, o.Sink(), results, 1000)
	if err := o.Finish(); err != nil {
		t.Fatal(err)
	}
	var agg struct {
		Methods  map[string]string `json:"methods"`
		Variants []struct {
			Metrics []struct {
				Metric string `json:"metric"`
				ES     []struct {
					P      float64  `json:"p"`
					Value  float64  `json:"value"`
					CILow  *float64 `json:"ci_low"`
					CIHigh *float64 `json:"ci_high"`
				} `json:"es"`
			} `json:"metrics"`
		} `json:"variants"`
	}
	b, err := os.ReadFile(filepath.Join(dir, AggregateJSON))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &agg); err != nil {
		t.Fatal(err)
	}
	if agg.Methods["es_ci"] == "" {
		t.Error("no es_ci method in aggregate.json")
	}
	tbl, _, _ := readParquet(t, filepath.Join(dir, AggregateParquet))
	metricCol := column(t, tbl, "metric")
	found := false
	for row, jm := range agg.Variants[0].Metrics {
		if jm.Metric != "bad_debt_usd" {
			continue
		}
		found = true
		if metricCol.ValueStr(row) != "bad_debt_usd" {
			t.Fatalf("aggregate.parquet row %d is %s", row, metricCol.ValueStr(row))
		}
		for _, es := range jm.ES {
			if es.CILow == nil || es.CIHigh == nil || !(*es.CILow <= es.Value && es.Value <= *es.CIHigh && *es.CILow < *es.CIHigh) {
				t.Errorf("bad_debt_usd es%v = %v, CI [%v, %v]", es.P, es.Value, es.CILow, es.CIHigh)
				continue
			}
			name := "es" + probabilityName(es.P)
			for col, want := range map[string]float64{name: es.Value, name + "_ci_low": *es.CILow, name + "_ci_high": *es.CIHigh} {
				if got := valueAt(t, column(t, tbl, col), row); got != want {
					t.Errorf("aggregate.parquet %s = %v, aggregate.json %v", col, got, want)
				}
			}
		}
	}
	if !found {
		t.Fatal("no bad_debt_usd in aggregate.json")
	}
}

func TestFormatting(t *testing.T) {
	for v, want := range map[float64]string{
		0: "$0", 950: "$950", 999.4: "$999", 999.6: "$1k", 1234: "$1.23k", 35e3: "$35k", 999999: "$1M",
		1.5e6: "$1.5M", 12.34e6: "$12.3M", 2.5e9: "$2.5B", -4e4: "-$40k", 0.5: "$0.5", 3e12: "$3T",
	} {
		if got := formatUSD(v); got != want {
			t.Errorf("formatUSD(%v) = %q, want %q", v, got, want)
		}
	}
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1000: "-1,000"} {
		if got := formatCount(n); got != want {
			t.Errorf("formatCount(%d) = %q, want %q", n, got, want)
		}
	}
	for _, c := range []struct {
		word  string
		hours float64
		want  string
	}{{"over", 720, " over 30 d"}, {"after", 36, " after 36 h"}, {"over", 84, " over 3.5 d"}, {"over", 0, ""}, {"", 720, ""}, {"over", math.NaN(), ""}} {
		if got := horizonPhrase(c.word, c.hours); got != c.want {
			t.Errorf("horizonPhrase(%q, %v) = %q, want %q", c.word, c.hours, got, c.want)
		}
	}
	labels := func(tk plot.Ticker, lo, hi float64) []string {
		var out []string
		for _, x := range tk.Ticks(lo, hi) {
			if x.Label != "" {
				out = append(out, x.Label)
			}
		}
		return out
	}
	for _, c := range []struct {
		tk     plot.Ticker
		lo, hi float64
		want   []string
	}{
		{logTicker(true), math.Log10(500), math.Log10(2e8), []string{"$1k", "$10k", "$100k", "$1M", "$10M", "$100M"}},
		{logTicker(false), math.Log10(0.003), math.Log10(20), []string{"0.01", "0.1", "1", "10"}},
		{logTicker(true), math.Log10(1.5e3), math.Log10(9e3), []string{"$2k", "$5k"}},
		{usdTicker{}, 0, 2e6, []string{"$0", "$0.5M", "$1.0M", "$1.5M", "$2.0M"}},
	} {
		if got := labels(c.tk, c.lo, c.hi); !slices.Equal(got, c.want) {
			t.Errorf("%T ticks(%g, %g) = %v, want %v", c.tk, c.lo, c.hi, got, c.want)
		}
	}
}
