package report

import (
	"cmp"
	"math"
	"reflect"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/goccy/go-yaml"
)

// Early warning (DESIGN §7). The summary has, per indicator, the hour it
// first crossed its threshold (warn_<indicator>_hour) and its lead times
// before the first unmet withdrawal and the first bad debt
// (warn_<indicator>_lead_unmet_hours, warn_<indicator>_lead_bad_debt_hours,
// null when either never happened). The ranking is computed from those
// columns' aggregates alone, plus one count per lead column (the paths with
// a lead > 0), so it needs nothing but the Parquet.

// WarningEvents are the events the indicators are scored against: the
// event's name, the summary column of its first time and the suffix of the
// lead-time columns.
var WarningEvents = []struct{ Name, Column, Lead string }{
	{"unmet_withdrawal", "first_unmet_withdrawal_hour", "lead_unmet_hours"},
	{"bad_debt", "first_bad_debt_hour", "lead_bad_debt_hours"},
}

// WarningStats scores one early-warning indicator against one event over a
// variant's paths. NaN means "not available" (written as null).
type WarningStats struct {
	Indicator string  // e.g. "utilization"
	Threshold float64 // outputs.warnings.<indicator> of the resolved scenario; NaN if unknown
	Event     string  // "unmet_withdrawal" or "bad_debt"
	Rank      int     // 1 = best for this event: longest median lead, then fewest false alarms, then most hits

	Paths       int // paths of the variant
	EventPaths  int // paths on which the event happened
	WarnedPaths int // paths on which the indicator crossed its threshold
	BothPaths   int // paths with both: the lead time is defined
	Hits        int // paths on which the indicator crossed strictly before the event (lead > 0)
	FalseAlarms int // paths on which the indicator crossed but the event never happened

	// HitRate is Hits / EventPaths: the share of the event's paths that were
	// warned of in advance, with its Clopper–Pearson interval.
	HitRate, HitCILow, HitCIHigh float64
	// MedianLeadHours is the median lead time over BothPaths (negative:
	// the indicator crossed after the event), with its order-statistic
	// interval.
	MedianLeadHours, LeadCILow, LeadCIHigh float64
	// FalseAlarmRate is FalseAlarms / WarnedPaths: the share of the
	// indicator's warnings not followed by the event within the horizon,
	// with its Clopper–Pearson interval.
	FalseAlarmRate, FalseAlarmCILow, FalseAlarmCIHigh float64
}

// warningIndicators lists the indicators whose columns the summary has,
// in column order.
func warningIndicators(columns []string) []string {
	var out []string
	for _, c := range columns {
		if name, ok := strings.CutPrefix(c, "warn_"); ok {
			if name, ok := strings.CutSuffix(name, "_hour"); ok {
				out = append(out, name)
			}
		}
	}
	return out
}

// leadColumn is the lead-time column of an indicator before an event.
func leadColumn(indicator, lead string) string { return "warn_" + indicator + "_" + lead }

// warningEvents are the counts aggregateVariant takes for the ranking:
// the paths whose lead time is > 0, per indicator and event.
func warningEvents(columns []string) []riskEvent {
	var out []riskEvent
	for _, ind := range warningIndicators(columns) {
		for _, e := range WarningEvents {
			if c := leadColumn(ind, e.Lead); slices.Contains(columns, c) {
				out = append(out, riskEvent{c, 0})
			}
		}
	}
	return out
}

// readWarningThresholds reads outputs.warnings from the resolved scenario;
// nil when it has none.
func readWarningThresholds(resolved []byte) map[string]float64 {
	var sc struct {
		Outputs struct {
			Warnings map[string]float64 `yaml:"warnings"`
		} `yaml:"outputs"`
	}
	if yaml.Unmarshal(resolved, &sc) != nil {
		return nil
	}
	return sc.Outputs.Warnings
}

// warningTable scores every indicator against every event from a
// variant's metric statistics and the counts of positive lead times, and
// ranks the indicators per event. Indicators switched off (threshold 0),
// the depeg without a stablecoin and bad debt without a liquidation model
// are left out.
func warningTable(va *VariantAggregate, meta *Meta, counts map[riskEvent]int) []WarningStats {
	stats := map[string]*MetricStats{}
	var columns []string
	for i := range va.Metrics {
		stats[va.Metrics[i].Metric] = &va.Metrics[i]
		columns = append(columns, va.Metrics[i].Metric)
	}
	thresholds := readWarningThresholds(meta.ScenarioYAML)
	nan := math.NaN()
	var out []WarningStats
	for _, e := range WarningEvents {
		if e.Name == "bad_debt" && !meta.Liquidations {
			continue
		}
		ev := stats[e.Column]
		if ev == nil {
			continue
		}
		var rows []WarningStats
		for _, ind := range warningIndicators(columns) {
			threshold, ok := thresholds[ind]
			if !ok {
				threshold = nan
			}
			if threshold == 0 || ind == "depeg" && !meta.Stablecoin {
				continue
			}
			warn, lead := stats["warn_"+ind+"_hour"], stats[leadColumn(ind, e.Lead)]
			if warn == nil || lead == nil {
				continue
			}
			w := WarningStats{Indicator: ind, Threshold: threshold, Event: e.Name,
				Paths: ev.N + ev.Nulls, EventPaths: ev.N, WarnedPaths: warn.N, BothPaths: lead.N,
				Hits: counts[riskEvent{leadColumn(ind, e.Lead), 0}], FalseAlarms: warn.N - lead.N,
				HitRate: nan, HitCILow: nan, HitCIHigh: nan, MedianLeadHours: nan, LeadCILow: nan, LeadCIHigh: nan,
				FalseAlarmRate: nan, FalseAlarmCILow: nan, FalseAlarmCIHigh: nan}
			if w.EventPaths > 0 {
				w.HitRate = float64(w.Hits) / float64(w.EventPaths)
				w.HitCILow, w.HitCIHigh = ClopperPearson(w.Hits, w.EventPaths, Confidence)
			}
			if w.WarnedPaths > 0 {
				w.FalseAlarmRate = float64(w.FalseAlarms) / float64(w.WarnedPaths)
				w.FalseAlarmCILow, w.FalseAlarmCIHigh = ClopperPearson(w.FalseAlarms, w.WarnedPaths, Confidence)
			}
			for _, q := range lead.Quantiles {
				if q.P == 0.5 {
					w.MedianLeadHours, w.LeadCILow, w.LeadCIHigh = q.Value, q.CILow, q.CIHigh
				}
			}
			rows = append(rows, w)
		}
		slices.SortStableFunc(rows, compareWarnings)
		for i := range rows {
			rows[i].Rank = i + 1
		}
		out = append(out, rows...)
	}
	return out
}

// compareWarnings orders indicators for one event: longest median lead
// first (none last), then lowest false-alarm rate (none last), then highest
// hit rate (none last), then name.
func compareWarnings(a, b WarningStats) int {
	if c := compareNaNLast(a.MedianLeadHours, b.MedianLeadHours, true); c != 0 {
		return c
	}
	if c := compareNaNLast(a.FalseAlarmRate, b.FalseAlarmRate, false); c != 0 {
		return c
	}
	if c := compareNaNLast(a.HitRate, b.HitRate, true); c != 0 {
		return c
	}
	return cmp.Compare(a.Indicator, b.Indicator)
}

// compareNaNLast orders x and y ascending (descending when desc) with NaN
// after every number.
func compareNaNLast(x, y float64, desc bool) int {
	switch xn, yn := math.IsNaN(x), math.IsNaN(y); {
	case xn && yn:
		return 0
	case xn:
		return 1
	case yn:
		return -1
	case desc:
		return cmp.Compare(y, x)
	}
	return cmp.Compare(x, y)
}

const methodWarning = "per indicator and event: hit rate = paths whose indicator crossed its threshold strictly before the event (lead > 0) / paths with the event, Clopper-Pearson interval; median lead = quantile_cont(0.5) of the lead time (event hour - crossing hour) over the paths with both, order-statistic interval; false-alarm rate = paths whose indicator crossed but the event never happened / paths whose indicator crossed, Clopper-Pearson interval; rank per event by median lead (longest first), then false-alarm rate (lowest first), then hit rate (highest first)"

type jsonWarning struct {
	Indicator        string     `json:"indicator"`
	Threshold        jsonNumber `json:"threshold"`
	Event            string     `json:"event"`
	Rank             int        `json:"rank"`
	Paths            int        `json:"paths"`
	EventPaths       int        `json:"event_paths"`
	WarnedPaths      int        `json:"warned_paths"`
	BothPaths        int        `json:"both_paths"`
	Hits             int        `json:"hits"`
	FalseAlarms      int        `json:"false_alarms"`
	HitRate          jsonNumber `json:"hit_rate"`
	HitCILow         jsonNumber `json:"hit_rate_ci_low"`
	HitCIHigh        jsonNumber `json:"hit_rate_ci_high"`
	MedianLeadHours  jsonNumber `json:"median_lead_hours"`
	LeadCILow        jsonNumber `json:"median_lead_ci_low"`
	LeadCIHigh       jsonNumber `json:"median_lead_ci_high"`
	FalseAlarmRate   jsonNumber `json:"false_alarm_rate"`
	FalseAlarmCILow  jsonNumber `json:"false_alarm_rate_ci_low"`
	FalseAlarmCIHigh jsonNumber `json:"false_alarm_rate_ci_high"`
}

// warningsJSON is the early_warning list of a variant in aggregate.json;
// empty (not null) when there is nothing to rank.
func warningsJSON(ws []WarningStats) []jsonWarning {
	out := []jsonWarning{}
	for _, w := range ws {
		out = append(out, jsonWarning{w.Indicator, jsonNumber(w.Threshold), w.Event, w.Rank, w.Paths, w.EventPaths,
			w.WarnedPaths, w.BothPaths, w.Hits, w.FalseAlarms, jsonNumber(w.HitRate), jsonNumber(w.HitCILow),
			jsonNumber(w.HitCIHigh), jsonNumber(w.MedianLeadHours), jsonNumber(w.LeadCILow), jsonNumber(w.LeadCIHigh),
			jsonNumber(w.FalseAlarmRate), jsonNumber(w.FalseAlarmCILow), jsonNumber(w.FalseAlarmCIHigh)})
	}
	return out
}

// Each entry of aggregate.json's early_warning is also a row of
// aggregate.parquet, kind "warning", written from the same jsonWarning
// value: every field under its JSON name, but for the indicator, which is
// in the metric column as a risk metric's name is. threshold and paths are
// columns the other kinds have too; the others are the WarningColumns,
// null in the other kinds' rows. n is the variant's paths as well (the
// denominators are event_paths, warned_paths and both_paths) and nulls 0.

// warningField is a field of jsonWarning: its column in aggregate.parquet
// and the column's type.
type warningField struct {
	column string
	typ    arrow.DataType
}

// warningFields are jsonWarning's fields in order; WarningColumns are the
// columns that only rows of kind "warning" use, in that order.
var warningFields, WarningColumns = func() ([]warningField, []string) {
	var fields []warningField
	var only []string
	t := reflect.TypeFor[jsonWarning]()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		var typ arrow.DataType
		switch f.Type.Kind() {
		case reflect.String:
			typ = arrow.BinaryTypes.String
		case reflect.Int:
			typ = arrow.PrimitiveTypes.Int64
		case reflect.Float64:
			typ = arrow.PrimitiveTypes.Float64
		default:
			panic("report: jsonWarning." + f.Name + " has no Parquet type")
		}
		switch name {
		case "indicator":
			name = "metric"
		case "threshold", "paths":
		default:
			only = append(only, name)
		}
		fields = append(fields, warningField{name, typ})
	}
	return fields, only
}()

// warningColumnType is the type of a column of WarningColumns, nil for
// the other columns.
func warningColumnType(name string) arrow.DataType {
	for _, f := range warningFields {
		if f.column == name && slices.Contains(WarningColumns, name) {
			return f.typ
		}
	}
	return nil
}

// writeWarningRows appends a variant's early_warning entries to
// aggregate.parquet as rows of kind "warning", in aggregate.json's order
// (per event, by rank).
func writeWarningRows(w *tableWriter, a *Aggregate, v *VariantAggregate) error {
	for _, jw := range warningsJSON(v.Warnings) {
		r := newAggregateRow(w)
		r.str("variant", v.Variant)
		r.str("kind", "warning")
		r.int("n", jw.Paths)
		r.int("nulls", 0)
		r.float("confidence", a.Confidence)
		r.float("horizon_hours", a.HorizonHours)
		fv := reflect.ValueOf(jw)
		for i, f := range warningFields {
			switch x := fv.Field(i); x.Kind() {
			case reflect.String:
				r.str(f.column, x.String())
			case reflect.Int:
				r.int(f.column, int(x.Int()))
			default:
				r.float(f.column, x.Float())
			}
		}
		if err := r.end(); err != nil {
			return err
		}
	}
	return nil
}

// warningBlocks is the early-warning section of a variant in the report:
// per event a table of the indicators in rank order. Nothing when there is
// nothing to rank.
func warningBlocks(ws []WarningStats, horizon string) []block {
	if len(ws) == 0 {
		return nil
	}
	blocks := []block{&heading{2, "Early warning"}}
	blocks = append(blocks, &paragraph{text: "How early each indicator crossed its threshold (outputs.warnings) before the event, over " +
		formatCount(ws[0].Paths) + " paths of " + horizon + ". Hit rate: share of the paths with the event on which the indicator crossed strictly before it. " +
		"Median lead: over the paths with both, in hours; negative when the indicator crossed after the event. " +
		"False alarms: share of the indicator's crossings on paths where the event never happened. " +
		"Ranked by median lead, then false-alarm rate, then hit rate. 95 % intervals below the values.", small: true})
	hours := naOr(func(v float64) string { return formatValue(v) + " h" })
	probability := naOr(pct)
	ci := func(f func(float64) string, lo, hi float64) string {
		if math.IsNaN(lo) && math.IsNaN(hi) {
			return ""
		}
		return interval(f, lo, hi)
	}
	share := func(v float64, k, n int) string {
		return probability(v) + " (" + formatCount(k) + "/" + formatCount(n) + ")"
	}
	for _, e := range WarningEvents {
		t := &table{header: []string{"#", "Indicator", "Threshold", "Hit rate", "Median lead", "False alarms"},
			right: []bool{true, false, true, true, true, true}, widths: []float64{0.4, 1.8, 1.1, 2, 1.7, 2}}
		title := ""
		for _, w := range ws {
			if w.Event != e.Name {
				continue
			}
			title = "Before the first " + strings.ReplaceAll(e.Name, "_", " ") + " (" + formatCount(w.EventPaths) + " of " + formatCount(w.Paths) + " paths)"
			t.rows = append(t.rows, []cell{
				{main: formatCount(w.Rank)},
				{main: w.Indicator},
				{main: indicatorCondition(w.Indicator, w.Threshold)},
				{main: share(w.HitRate, w.Hits, w.EventPaths), sub: ci(probability, w.HitCILow, w.HitCIHigh)},
				{main: hours(w.MedianLeadHours), sub: ci(hours, w.LeadCILow, w.LeadCIHigh)},
				{main: share(w.FalseAlarmRate, w.FalseAlarms, w.WarnedPaths), sub: ci(probability, w.FalseAlarmCILow, w.FalseAlarmCIHigh)},
			})
		}
		if len(t.rows) > 0 {
			blocks = append(blocks, &paragraph{text: title})
			blocks = append(blocks, t)
		}
	}
	return blocks
}

// indicatorCondition is "≥ 95 %" for an indicator's threshold (every
// indicator is a fraction).
func indicatorCondition(indicator string, threshold float64) string {
	if math.IsNaN(threshold) {
		return "unknown"
	}
	return "≥ " + pct(threshold)
}
