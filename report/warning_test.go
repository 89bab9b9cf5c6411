package report

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/spiralrisk/spiral/engine"
)

var warningYAML = append(append([]byte(nil), riskYAML...),
	"outputs:\n  warnings:\n    utilization: 0.9\n    borrow_apr: 0.2\n    queue: 0.005\n    depeg: 0.01\n    drawdown: 0\n"...)

// withWarnings gives synthetic results random early-warning times: the
// events on some paths, each indicator crossing on some, early or late.
// Utilization tends to warn long before, borrow APR shortly before, the
// queue after the unmet withdrawal; the drawdown is off.
func withWarnings(results []engine.PathResult) {
	nan := math.NaN()
	for k := range results {
		s := &results[k].Summary
		rng := rand.New(rand.NewPCG(testSeed+2, uint64(s.Path)))
		s.FirstUnmetHour, s.FirstBadDebtHour = nan, nan
		if rng.Float64() < 0.3 {
			s.FirstUnmetHour = float64(50 + rng.IntN(150))
		}
		if rng.Float64() < 0.2 {
			s.FirstBadDebtHour = float64(50 + rng.IntN(150))
		}
		event := s.FirstUnmetHour
		if math.IsNaN(event) {
			event = s.FirstBadDebtHour
		}
		if math.IsNaN(event) {
			event = 120
		}
		for i := range s.WarningHour {
			s.WarningHour[i] = nan
		}
		if rng.Float64() < 0.5 {
			s.WarningHour[engine.IndicatorUtilization] = max(1, event-float64(rng.IntN(40)))
		}
		if rng.Float64() < 0.4 {
			s.WarningHour[engine.IndicatorBorrowAPR] = max(1, event-float64(rng.IntN(10)))
		}
		if !math.IsNaN(s.FirstUnmetHour) && rng.Float64() < 0.8 {
			s.WarningHour[engine.IndicatorQueue] = s.FirstUnmetHour + float64(rng.IntN(5))
		}
	}
}

// The ranking's counts, rates and median lead equal a direct computation
// from the summaries; it is in aggregate.json and report.md.
func TestEarlyWarningRanking(t *testing.T) {
	const paths = 600
	results := synthetic(0, paths, 5, 24)
	withLiquidations(results)
	withWarnings(results)
	dir := filepath.Join(t.TempDir(), "out")
	m := testMeta(paths)
	m.ScenarioYAML, m.ScenarioSHA256, m.Liquidations = warningYAML, "", true
	o := mustCreate(t, dir, m, Fresh)
	feed(t, o.Sink(), results, 100)
	if err := o.Finish(); err != nil {
		t.Fatal(err)
	}
	ws := o.Aggregate().Variants[0].Warnings
	// depeg: no stablecoin; drawdown: off. Three indicators, two events.
	if len(ws) != 6 {
		t.Fatalf("%d rows, want 6: %+v", len(ws), ws)
	}
	for _, w := range ws {
		ind := slices.Index([]string{"utilization", "borrow_apr", "queue", "depeg", "drawdown"}, w.Indicator)
		var events, warned, both, hits, false_ int
		var leads []float64
		for _, r := range results {
			s := r.Summary
			at := s.FirstUnmetHour
			if w.Event == "bad_debt" {
				at = s.FirstBadDebtHour
			}
			h := s.WarningHour[ind]
			if !math.IsNaN(at) {
				events++
			}
			if !math.IsNaN(h) {
				warned++
				if math.IsNaN(at) {
					false_++
				}
			}
			if !math.IsNaN(h) && !math.IsNaN(at) {
				both++
				leads = append(leads, at-h)
				if at > h {
					hits++
				}
			}
		}
		if w.EventPaths != events || w.WarnedPaths != warned || w.BothPaths != both || w.Hits != hits || w.FalseAlarms != false_ || w.Paths != paths {
			t.Errorf("%s/%s: counts %+v, want events %d warned %d both %d hits %d false alarms %d", w.Indicator, w.Event, w, events, warned, both, hits, false_)
		}
		if w.HitRate != float64(hits)/float64(events) || w.FalseAlarmRate != float64(false_)/float64(warned) {
			t.Errorf("%s/%s: hit rate %v, false-alarm rate %v", w.Indicator, w.Event, w.HitRate, w.FalseAlarmRate)
		}
		if med := handQuantile(leads, 0.5); w.MedianLeadHours != med || !(w.LeadCILow <= med && med <= w.LeadCIHigh) {
			t.Errorf("%s/%s: median lead %v [%v, %v], want %v", w.Indicator, w.Event, w.MedianLeadHours, w.LeadCILow, w.LeadCIHigh, med)
		}
		if !(w.HitCILow <= w.HitRate && w.HitRate <= w.HitCIHigh) || !(w.FalseAlarmCILow <= w.FalseAlarmRate && w.FalseAlarmRate <= w.FalseAlarmCIHigh) {
			t.Errorf("%s/%s: intervals %+v", w.Indicator, w.Event, w)
		}
		wantThreshold := map[string]float64{"utilization": 0.9, "borrow_apr": 0.2, "queue": 0.005}[w.Indicator]
		if w.Threshold != wantThreshold {
			t.Errorf("%s: threshold %v, want %v", w.Indicator, w.Threshold, wantThreshold)
		}
	}
	// Before unmet withdrawals: utilization (lead up to 40 h) ranks first,
	// then borrow APR (up to 10 h), then the queue (after the event).
	var order []string
	for _, w := range ws {
		if w.Event == "unmet_withdrawal" {
			order = append(order, w.Indicator)
			if w.Rank != len(order) {
				t.Errorf("%s has rank %d in place %d", w.Indicator, w.Rank, len(order))
			}
		}
	}
	if !slices.Equal(order, []string{"utilization", "borrow_apr", "queue"}) {
		t.Errorf("ranking before unmet withdrawals %v", order)
	}

	b, err := os.ReadFile(filepath.Join(dir, AggregateJSON))
	if err != nil {
		t.Fatal(err)
	}
	var agg struct {
		Variants []struct {
			EarlyWarning []map[string]any `json:"early_warning"`
		} `json:"variants"`
	}
	if err := json.Unmarshal(b, &agg); err != nil {
		t.Fatal(err)
	}
	if got := agg.Variants[0].EarlyWarning; len(got) != 6 || got[0]["indicator"] != "utilization" || got[0]["hit_rate"] == nil {
		t.Errorf("aggregate.json early_warning: %v", got)
	}
	// aggregate.parquet: the same six entries as rows of kind "warning".
	if rows := wantWarningRows(t, dir); rows["base"] != 6 {
		t.Errorf("aggregate.parquet has %d warning rows, want 6", rows["base"])
	}
	md, err := os.ReadFile(filepath.Join(dir, ReportMarkdown))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Early warning", "Before the first unmet withdrawal", "Before the first bad debt", "≥ 90 %"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
}

// wantWarningRows checks that the rows of kind "warning" in dir's
// aggregate.parquet are aggregate.json's early_warning entries, variant by
// variant in the same order: every key of an entry in the column of its
// name (the indicator in metric) with the same value, null for null; that
// the other kinds' statistics are null in them and the WarningColumns null
// in the other kinds' rows. It returns the warning rows per variant.
func wantWarningRows(t *testing.T, dir string) map[string]int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, AggregateJSON))
	if err != nil {
		t.Fatal(err)
	}
	var agg struct {
		Variants []struct {
			Variant      string           `json:"variant"`
			EarlyWarning []map[string]any `json:"early_warning"`
		} `json:"variants"`
	}
	if err := json.Unmarshal(b, &agg); err != nil {
		t.Fatal(err)
	}
	tbl, _, _ := readParquet(t, filepath.Join(dir, AggregateParquet))
	kind := column(t, tbl, "kind").(*array.String)
	var rows []int
	for i := range kind.Len() {
		if kind.Value(i) == "warning" {
			rows = append(rows, i)
			continue
		}
		for _, c := range WarningColumns {
			if !column(t, tbl, c).IsNull(i) {
				t.Errorf("row %d of kind %s has %s", i, kind.Value(i), c)
			}
		}
	}
	got := map[string]int{}
	k := 0
	for _, v := range agg.Variants {
		for _, e := range v.EarlyWarning {
			if k == len(rows) {
				t.Fatalf("aggregate.parquet has %d warning rows, aggregate.json more", len(rows))
			}
			i := rows[k]
			k++
			got[v.Variant]++
			if len(e) != len(WarningColumns)+3 { // + indicator, threshold, paths
				t.Errorf("aggregate.json early_warning entry has %d keys, aggregate.parquet %d warning columns + 3", len(e), len(WarningColumns))
			}
			e["variant"], e["n"], e["nulls"], e["confidence"], e["horizon_hours"] = v.Variant, e["paths"], 0.0, Confidence, 240.0
			for key, want := range e {
				name := key
				if key == "indicator" {
					name = "metric"
				}
				a := column(t, tbl, name)
				switch want := want.(type) {
				case nil:
					if !a.IsNull(i) {
						t.Errorf("%s %v/%v: aggregate.parquet %s = %s, aggregate.json null", v.Variant, e["indicator"], e["event"], name, a.ValueStr(i))
					}
				case string:
					if s, ok := a.(*array.String); !ok || s.IsNull(i) || s.Value(i) != want {
						t.Errorf("%s %v/%v: aggregate.parquet %s = %s, aggregate.json %q", v.Variant, e["indicator"], e["event"], name, a.ValueStr(i), want)
					}
				case float64:
					if got := valueAt(t, a, i); got != want {
						t.Errorf("%s %v/%v: aggregate.parquet %s = %v, aggregate.json %v", v.Variant, e["indicator"], e["event"], name, got, want)
					}
				default:
					t.Errorf("aggregate.json %s: %T", key, want)
				}
			}
			for _, c := range []string{"mean", "p50", "es99", "value", "ci_low", "label", "events", "baseline"} {
				if !column(t, tbl, c).IsNull(i) {
					t.Errorf("warning row %d has %s", i, c)
				}
			}
		}
	}
	if k != len(rows) {
		t.Errorf("aggregate.parquet has %d warning rows, aggregate.json %d entries", len(rows), k)
	}
	return got
}

// Indicators that are off are not scored: all off, aggregate.json's
// early_warning is empty and aggregate.parquet has no warning rows (the
// summary columns are there, all null). One indicator on that never
// crosses is scored with null rates and lead, null in both files.
func TestEarlyWarningOff(t *testing.T) {
	const paths = 100
	results := synthetic(0, paths, 0, 24)
	withLiquidations(results)
	for k := range results {
		for i := range results[k].Summary.WarningHour {
			results[k].Summary.WarningHour[i] = math.NaN()
		}
	}
	for _, c := range []struct {
		borrowAPR string
		rows      int
	}{{"0", 0}, {"0.2", 2}} {
		dir := filepath.Join(t.TempDir(), "out")
		m := testMeta(paths)
		m.ScenarioYAML = append(append([]byte(nil), riskYAML...),
			"outputs:\n  warnings: {utilization: 0, borrow_apr: "+c.borrowAPR+", queue: 0, depeg: 0, drawdown: 0}\n"...)
		m.ScenarioSHA256, m.Liquidations = "", true
		o := mustCreate(t, dir, m, Fresh)
		feed(t, o.Sink(), results, 50)
		if err := o.Finish(); err != nil {
			t.Fatal(err)
		}
		ws := o.Aggregate().Variants[0].Warnings
		if len(ws) != c.rows {
			t.Errorf("borrow_apr %s: %d warnings, want %d: %+v", c.borrowAPR, len(ws), c.rows, ws)
		}
		for _, w := range ws {
			if w.Indicator != "borrow_apr" || w.WarnedPaths != 0 || !math.IsNaN(w.FalseAlarmRate) || !math.IsNaN(w.MedianLeadHours) || w.HitRate != 0 {
				t.Errorf("an indicator that never crossed: %+v", w)
			}
		}
		b, err := os.ReadFile(filepath.Join(dir, AggregateJSON))
		if err != nil {
			t.Fatal(err)
		}
		if c.rows == 0 && !strings.Contains(string(b), `"early_warning": []`) {
			t.Error(`aggregate.json lacks "early_warning": []`)
		}
		if rows := wantWarningRows(t, dir); rows["base"] != c.rows || len(rows) > 1 {
			t.Errorf("borrow_apr %s: aggregate.parquet has warning rows %v, want %d", c.borrowAPR, rows, c.rows)
		}
		tbl, _, _ := readParquet(t, filepath.Join(dir, AggregateParquet))
		if got := fieldNames(tbl.Schema()); !slices.Equal(got, AggregateColumns()) {
			t.Errorf("aggregate.parquet columns = %v, want %v", got, AggregateColumns())
		}
	}
}

func TestCompareWarnings(t *testing.T) {
	nan := math.NaN()
	rows := []WarningStats{
		{Indicator: "a", MedianLeadHours: nan, FalseAlarmRate: 0},
		{Indicator: "b", MedianLeadHours: 5, FalseAlarmRate: nan},
		{Indicator: "c", MedianLeadHours: 5, FalseAlarmRate: 0.3},
		{Indicator: "d", MedianLeadHours: -2, FalseAlarmRate: 0},
		{Indicator: "e", MedianLeadHours: 12, FalseAlarmRate: 0.9},
		// Equal lead and false alarms: the higher hit rate first, then name.
		{Indicator: "f", MedianLeadHours: -2, FalseAlarmRate: 0, HitRate: 0.4},
		{Indicator: "g", MedianLeadHours: -2, FalseAlarmRate: 0, HitRate: nan},
	}
	slices.SortStableFunc(rows, compareWarnings)
	var got []string
	for _, r := range rows {
		got = append(got, r.Indicator)
	}
	if !slices.Equal(got, []string{"e", "c", "b", "f", "d", "g", "a"}) {
		t.Errorf("order %v", got)
	}
}
