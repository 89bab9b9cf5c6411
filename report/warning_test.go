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

func TestCompareWarnings(t *testing.T) {
	nan := math.NaN()
	rows := []WarningStats{
		{Indicator: "a", MedianLeadHours: nan, FalseAlarmRate: 0},
		{Indicator: "b", MedianLeadHours: 5, FalseAlarmRate: nan},
		{Indicator: "c", MedianLeadHours: 5, FalseAlarmRate: 0.3},
		{Indicator: "d", MedianLeadHours: -2, FalseAlarmRate: 0},
		{Indicator: "e", MedianLeadHours: 12, FalseAlarmRate: 0.9},
	}
	slices.SortStableFunc(rows, compareWarnings)
	var got []string
	for _, r := range rows {
		got = append(got, r.Indicator)
	}
	if !slices.Equal(got, []string{"e", "c", "b", "d", "a"}) {
		t.Errorf("order %v", got)
	}
}
