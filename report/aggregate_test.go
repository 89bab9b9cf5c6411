package report

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Every value of a column row and a risk row of aggregate.parquet lands in
// the column of its name: each field of the statistics and of the risk
// metrics has a value of its own, the quantiles and expected shortfalls of
// the second metric are listed in reverse order, and every column that is
// not expected is null.
func TestAggregateRowsByName(t *testing.T) {
	nan := math.NaN()
	stats := func(metric string, base float64, reverse bool) MetricStats {
		m := MetricStats{Metric: metric, N: int(base) + 40, Nulls: int(base) + 9,
			Mean: base + 1, SD: base + 2, SE: base + 3, MeanCILow: base + 4, MeanCIHigh: base + 5, Min: base + 6, Max: base + 7,
			Quantiles: []QuantileEstimate{
				{P: 0.5, Value: base + 8, CILow: base + 9, CIHigh: base + 10, Coverage: 0.96},
				{P: 0.95, Value: base + 11, CILow: base + 12, CIHigh: base + 13, Coverage: 0.97},
				{P: 0.99, Value: base + 14, CILow: base + 15, CIHigh: nan, Coverage: 0.98},
			},
			Tails: []TailMean{
				{P: 0.95, Value: base + 17, CILow: base + 18, CIHigh: base + 19},
				{P: 0.99, Value: base + 20, CILow: base + 21, CIHigh: base + 22},
			}}
		if reverse {
			m.Quantiles[0], m.Quantiles[2] = m.Quantiles[2], m.Quantiles[0]
			m.Tails[0], m.Tails[1] = m.Tails[1], m.Tails[0]
		}
		return m
	}
	a := &Aggregate{Confidence: 0.95, HorizonHours: 240, Paths: 60, Variants: []VariantAggregate{{
		Variant: "v7", Paths: 60,
		Metrics: []MetricStats{stats("bad_debt_usd", 0, false), stats("stuck_share", 100, true)},
		Risk: []RiskMetric{
			{Name: "var95_x", Label: "label-a", Convention: "convention-a", Column: "column-a", Horizon: "horizon-a",
				Statistic: "quantile", Level: 0.95, Threshold: nan, Unit: "usd", Value: 1001, CILow: 1002, CIHigh: 1003,
				CIMethod: "method-a", N: 57, Events: -1},
			{Name: "p_x", Label: "label-b", Convention: "convention-b", Column: "column-b", Horizon: "horizon-b",
				Statistic: "probability", Level: nan, Threshold: 0.01, Unit: "probability", Value: 0.25, CILow: 0.125, CIHigh: 0.375,
				CIMethod: "method-b", N: 58, Events: 13},
		},
	}}}
	columnRow := func(metric string, base float64) map[string]any {
		return map[string]any{"variant": "v7", "kind": "column", "metric": metric, "n": base + 40, "nulls": base + 9,
			"mean": base + 1, "sd": base + 2, "se": base + 3, "mean_ci_low": base + 4, "mean_ci_high": base + 5, "min": base + 6, "max": base + 7,
			"p50": base + 8, "p50_ci_low": base + 9, "p50_ci_high": base + 10,
			"p95": base + 11, "p95_ci_low": base + 12, "p95_ci_high": base + 13,
			"p99": base + 14, "p99_ci_low": base + 15, // p99_ci_high null
			"es95": base + 17, "es95_ci_low": base + 18, "es95_ci_high": base + 19,
			"es99": base + 20, "es99_ci_low": base + 21, "es99_ci_high": base + 22,
			"confidence": 0.95, "horizon_hours": 240.0, "paths": 60.0}
	}
	want := []map[string]any{
		columnRow("bad_debt_usd", 0),
		columnRow("stuck_share", 100),
		{"variant": "v7", "kind": "risk", "metric": "var95_x", "n": 57.0, "nulls": 0.0, "confidence": 0.95, "horizon_hours": 240.0, "paths": 60.0,
			"label": "label-a", "convention": "convention-a", "column": "column-a", "horizon": "horizon-a", "statistic": "quantile",
			"level": 0.95, "unit": "usd", "value": 1001.0, "ci_low": 1002.0, "ci_high": 1003.0, "ci_method": "method-a"}, // threshold, events null
		{"variant": "v7", "kind": "risk", "metric": "p_x", "n": 58.0, "nulls": 0.0, "confidence": 0.95, "horizon_hours": 240.0, "paths": 60.0,
			"label": "label-b", "convention": "convention-b", "column": "column-b", "horizon": "horizon-b", "statistic": "probability",
			"threshold": 0.01, "unit": "probability", "value": 0.25, "ci_low": 0.125, "ci_high": 0.375, "ci_method": "method-b", "events": 13.0}, // level null
	}

	path := filepath.Join(t.TempDir(), AggregateParquet)
	rows, err := writeAggregateParquet(path, a, arrow.Metadata{})
	if err != nil {
		t.Fatal(err)
	}
	tbl, _, _ := readParquet(t, path)
	if rows != int64(len(want)) || tbl.NumRows() != int64(len(want)) {
		t.Fatalf("%d rows written, %d read; want %d", rows, tbl.NumRows(), len(want))
	}
	for i, row := range want {
		for _, name := range AggregateColumns() {
			col := column(t, tbl, name)
			switch w := row[name].(type) {
			case nil:
				if !col.IsNull(i) {
					t.Errorf("row %d (%s %s): %s = %s, want null", i, row["kind"], row["metric"], name, col.ValueStr(i))
				}
			case string:
				if s, ok := col.(*array.String); !ok || s.IsNull(i) || s.Value(i) != w {
					t.Errorf("row %d (%s %s): %s = %s, want %q", i, row["kind"], row["metric"], name, col.ValueStr(i), w)
				}
			case float64:
				if got := valueAt(t, col, i); got != w {
					t.Errorf("row %d (%s %s): %s = %v, want %v", i, row["kind"], row["metric"], name, got, w)
				}
			}
		}
	}
}
