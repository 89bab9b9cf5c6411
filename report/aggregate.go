package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Aggregate is the content of aggregate.json.
type Aggregate struct {
	SchemaVersion  int
	Scenario       string
	ScenarioSHA256 string
	Seed           uint64
	Paths          int     // paths aggregated (all variants share them)
	HorizonHours   float64 // NaN if unknown
	Confidence     float64
	Variants       []VariantAggregate
	Liquidations   bool // the run has a liquidation model (not written to aggregate.json)
	// Notes are the notes about the results (not about skipped charts)
	// that the report and the manifest carry and the CLI prints, e.g. a
	// cascade cap reached on many paths; not written to aggregate.json.
	Notes []string
	// Sweep holds a sweep's paired differences and sensitivities; nil for
	// a run that is not a sweep (sweep.go).
	Sweep *SweepAggregate
}

// VariantAggregate holds the statistics of every summary metric of one variant.
type VariantAggregate struct {
	Variant     string
	Paths       int
	Metrics     []MetricStats  // in the order of the summary parts' metric columns (engine.SummaryColumns)
	Risk        []RiskMetric   // the headline risk metric pack
	Convergence *Convergence   // nil when the convergence column has no values
	Warnings    []WarningStats // early-warning indicators scored per event, ranked (warning.go)
	// CascadeCap is the variant's bound on cascade rounds per step
	// (liquidators.max_rounds; 0 when unknown or without liquidations)
	// and CascadePaths the paths whose max_cascade_rounds reached it, so
	// that a cascade may have been cut short (cascadeNote). Not written to
	// aggregate.json.
	CascadeCap, CascadePaths int
}

// Method descriptions written into aggregate.json.
const (
	methodQuantile = "quantile_cont: linear interpolation between order statistics at h=(n-1)p (DuckDB quantile_cont, numpy linear, R type 7)"
	methodCI       = "distribution-free: ranks l,u of order statistics with Binomial(n,p) CDF F(l-1) <= (1-c)/2 and F(u-1) >= (1+c)/2, coverage F(u-1)-F(l-1) >= c; null bound when n is too small for that tail"
	methodMeanCI   = "mean +- Student t(n-1) quantile x standard error"
	methodES       = "mean of the worst (1-p) share of the values: with m = n(1-p), the top floor(m) values fully and the next with weight m-floor(m) (Acerbi-Tasche)"
	methodESCI     = "percentile bootstrap: 1000 ordinary resamples of all n values (only the top of each is built, exactly), PCG seeded from the FNV-1a hash of the metric name; the (1-c)/2 and (1+c)/2 quantile_cont of the 1000 resampled ES; null when n(1-p) < 10"
	methodProbCI   = "Clopper-Pearson exact binomial interval: Beta((1-c)/2; k, n-k+1) and Beta((1+c)/2; k+1, n-k) quantiles for k events in n paths"
	methodConv     = "VaR and ES of the convergence metric on the first 1 %, 2 %, ..., 100 % of the paths in path order, VaR with its order-statistic interval, ES with the normal approximation se = sqrt([Var(X|X>=VaR) + p(ES-VaR)^2]/((1-p)n)); the verdict uses the full run's intervals: enough paths when (ci_high-ci_low)/2/|value| <= tolerance, else about n*(relative half-width/tolerance)^2 paths would be"
)

// jsonNumber is a float that encodes NaN and ±Inf as null.
type jsonNumber float64

func (f jsonNumber) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

type jsonQuantile struct {
	P        jsonNumber `json:"p"`
	Value    jsonNumber `json:"value"`
	CILow    jsonNumber `json:"ci_low"`
	CIHigh   jsonNumber `json:"ci_high"`
	Coverage jsonNumber `json:"ci_coverage"`
}

type jsonTail struct {
	P      jsonNumber `json:"p"`
	Value  jsonNumber `json:"value"`
	CILow  jsonNumber `json:"ci_low"`
	CIHigh jsonNumber `json:"ci_high"`
}

type jsonMetric struct {
	Metric     string         `json:"metric"`
	N          int            `json:"n"`
	Nulls      int            `json:"nulls"`
	Mean       jsonNumber     `json:"mean"`
	SD         jsonNumber     `json:"sd"`
	SE         jsonNumber     `json:"se"`
	MeanCILow  jsonNumber     `json:"mean_ci_low"`
	MeanCIHigh jsonNumber     `json:"mean_ci_high"`
	Min        jsonNumber     `json:"min"`
	Max        jsonNumber     `json:"max"`
	Quantiles  []jsonQuantile `json:"quantiles"`
	ES         []jsonTail     `json:"es"`
}

type jsonRisk struct {
	Name       string     `json:"name"`
	Label      string     `json:"label"`
	Convention string     `json:"convention"`
	Column     string     `json:"column"`
	Horizon    string     `json:"horizon"`
	Statistic  string     `json:"statistic"`
	Level      jsonNumber `json:"level"`
	Threshold  jsonNumber `json:"threshold"`
	Unit       string     `json:"unit"`
	Value      jsonNumber `json:"value"`
	CILow      jsonNumber `json:"ci_low"`
	CIHigh     jsonNumber `json:"ci_high"`
	CIMethod   string     `json:"ci_method"`
	N          int        `json:"n"`
	Events     *int       `json:"events"`
	Note       string     `json:"note,omitempty"`
}

type jsonConvergencePoint struct {
	Paths   int        `json:"paths"`
	VaR     jsonNumber `json:"var"`
	VaRLow  jsonNumber `json:"var_ci_low"`
	VaRHigh jsonNumber `json:"var_ci_high"`
	ES      jsonNumber `json:"es"`
	ESLow   jsonNumber `json:"es_ci_low"`
	ESHigh  jsonNumber `json:"es_ci_high"`
}

type jsonVerdict struct {
	Statistic         string     `json:"statistic"`
	Value             jsonNumber `json:"value"`
	CILow             jsonNumber `json:"ci_low"`
	CIHigh            jsonNumber `json:"ci_high"`
	RelativeHalfWidth jsonNumber `json:"relative_half_width"`
	Converged         bool       `json:"converged"`
	PathsNeeded       *int       `json:"paths_needed"`
	Text              string     `json:"text"`
}

type jsonConvergence struct {
	Metric    string                 `json:"metric"`
	Level     float64                `json:"level"`
	Tolerance float64                `json:"tolerance"`
	Paths     int                    `json:"paths"`
	Summary   string                 `json:"summary"`
	Verdicts  []jsonVerdict          `json:"verdicts"`
	Points    []jsonConvergencePoint `json:"points"`
}

type jsonVariant struct {
	Variant     string           `json:"variant"`
	Paths       int              `json:"paths"`
	Risk        []jsonRisk       `json:"risk"`
	Convergence *jsonConvergence `json:"convergence"`
	Warnings    []jsonWarning    `json:"early_warning"`
	Metrics     []jsonMetric     `json:"metrics"`
}

type jsonAggregate struct {
	SchemaVersion  int               `json:"schema_version"`
	Scenario       string            `json:"scenario"`
	ScenarioSHA256 string            `json:"scenario_sha256"`
	Seed           uint64            `json:"seed"`
	Paths          int               `json:"paths"`
	HorizonHours   jsonNumber        `json:"horizon_hours"`
	Confidence     float64           `json:"confidence"`
	Methods        map[string]string `json:"methods"`
	Variants       []jsonVariant     `json:"variants"`
	Sweep          *jsonSweep        `json:"sweep,omitempty"`
}

// WriteJSON writes a as indented JSON; unavailable values are null.
func (a *Aggregate) WriteJSON(w io.Writer) error {
	out := jsonAggregate{
		SchemaVersion: a.SchemaVersion, Scenario: a.Scenario, ScenarioSHA256: a.ScenarioSHA256,
		Seed: a.Seed, Paths: a.Paths, HorizonHours: jsonNumber(a.HorizonHours), Confidence: a.Confidence,
		Methods: map[string]string{"quantile": methodQuantile, "quantile_ci": methodCI, "mean_ci": methodMeanCI, "es": methodES,
			"es_ci": methodESCI, "probability_ci": methodProbCI, "convergence": methodConv,
			"early_warning": methodWarning},
	}
	for _, v := range a.Variants {
		jv := jsonVariant{Variant: v.Variant, Paths: v.Paths, Risk: []jsonRisk{}}
		for _, r := range v.Risk {
			jr := jsonRisk{Name: r.Name, Label: r.Label, Convention: r.Convention, Column: r.Column, Horizon: r.Horizon,
				Statistic: r.Statistic, Level: jsonNumber(r.Level), Threshold: jsonNumber(r.Threshold), Unit: r.Unit,
				Value: jsonNumber(r.Value), CILow: jsonNumber(r.CILow), CIHigh: jsonNumber(r.CIHigh), CIMethod: r.CIMethod,
				N: r.N, Note: r.Note}
			if r.Events >= 0 {
				jr.Events = &r.Events
			}
			jv.Risk = append(jv.Risk, jr)
		}
		if c := v.Convergence; c != nil {
			jc := &jsonConvergence{Metric: c.Metric, Level: c.Level, Tolerance: c.Tolerance, Paths: c.Paths, Summary: c.Summary}
			for _, vd := range c.Verdicts {
				jd := jsonVerdict{Statistic: vd.Statistic, Value: jsonNumber(vd.Value), CILow: jsonNumber(vd.CILow),
					CIHigh: jsonNumber(vd.CIHigh), RelativeHalfWidth: jsonNumber(vd.RelativeHalfWidth), Converged: vd.Converged, Text: vd.Text}
				if vd.PathsNeeded > 0 {
					jd.PathsNeeded = &vd.PathsNeeded
				}
				jc.Verdicts = append(jc.Verdicts, jd)
			}
			for _, pt := range c.Points {
				jc.Points = append(jc.Points, jsonConvergencePoint{pt.Paths, jsonNumber(pt.VaR), jsonNumber(pt.VaRLow),
					jsonNumber(pt.VaRHigh), jsonNumber(pt.ES), jsonNumber(pt.ESLow), jsonNumber(pt.ESHigh)})
			}
			jv.Convergence = jc
		}
		jv.Warnings = warningsJSON(v.Warnings)
		for _, m := range v.Metrics {
			jm := jsonMetric{Metric: m.Metric, N: m.N, Nulls: m.Nulls, Mean: jsonNumber(m.Mean), SD: jsonNumber(m.SD),
				SE: jsonNumber(m.SE), MeanCILow: jsonNumber(m.MeanCILow), MeanCIHigh: jsonNumber(m.MeanCIHigh),
				Min: jsonNumber(m.Min), Max: jsonNumber(m.Max)}
			for _, q := range m.Quantiles {
				jm.Quantiles = append(jm.Quantiles, jsonQuantile{jsonNumber(q.P), jsonNumber(q.Value),
					jsonNumber(q.CILow), jsonNumber(q.CIHigh), jsonNumber(q.Coverage)})
			}
			for _, t := range m.Tails {
				jm.ES = append(jm.ES, jsonTail{jsonNumber(t.P), jsonNumber(t.Value), jsonNumber(t.CILow), jsonNumber(t.CIHigh)})
			}
			jv.Metrics = append(jv.Metrics, jm)
		}
		out.Variants = append(out.Variants, jv)
	}
	if a.Sweep != nil {
		out.Sweep = sweepJSON(a.Sweep)
		out.Methods["paired_difference"] = methodPaired
		out.Methods["sensitivity"] = methodSensitivity
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// probabilityName is the column-name form of a probability: 0.95 → "95",
// 0.999 → "99_9".
func probabilityName(p float64) string {
	return strings.ReplaceAll(strconv.FormatFloat(p*100, 'f', -1, 64), ".", "_")
}

// AggregateColumns are the columns of aggregate.parquet. It has one row
// per (variant, summary column), kind "column": variant, metric, n, nulls,
// mean, sd, se, mean_ci_low, mean_ci_high, min, max, then p<q>, p<q>_ci_low,
// p<q>_ci_high for each of AggregateQuantiles, es<q>, es<q>_ci_low,
// es<q>_ci_high for each of AggregateTails, then confidence, horizon_hours
// and paths; and one row per (variant, risk metric), kind "risk", with
// metric the risk metric's name, n its paths, and the RiskColumns (label,
// convention, column, horizon, statistic, level, threshold, unit, value,
// ci_low, ci_high, ci_method, events). Unavailable values are null: the
// statistics of a column row are null in a risk row and the other way
// round. A sweep adds rows of kind "paired" per (variant, summary column)
// for every variant but the baseline: n, nulls, mean, sd, se, mean_ci_low,
// mean_ci_high, min and max of the per-path differences from the variant
// named in the column baseline (null in the other rows). Last come the
// WarningColumns of the rows of kind "warning", one per (variant,
// indicator, event) of aggregate.json's early_warning (warning.go).
func AggregateColumns() []string {
	cols := []string{"variant", "metric", "n", "nulls", "mean", "sd", "se", "mean_ci_low", "mean_ci_high", "min", "max"}
	for _, p := range AggregateQuantiles {
		q := "p" + probabilityName(p)
		cols = append(cols, q, q+"_ci_low", q+"_ci_high")
	}
	for _, p := range AggregateTails {
		es := "es" + probabilityName(p)
		cols = append(cols, es, es+"_ci_low", es+"_ci_high")
	}
	cols = append(cols, "confidence", "horizon_hours", "paths", "kind")
	cols = append(cols, RiskColumns...)
	cols = append(cols, "baseline")
	return append(cols, WarningColumns...)
}

// RiskColumns are the columns of aggregate.parquet that describe a risk
// metric (see RiskMetric).
var RiskColumns = []string{"label", "convention", "column", "horizon", "statistic", "level", "threshold", "unit",
	"value", "ci_low", "ci_high", "ci_method", "events"}

func aggregateSchema(md arrow.Metadata) *arrow.Schema {
	var fields []arrow.Field
	for _, name := range AggregateColumns() {
		if t := warningColumnType(name); t != nil {
			fields = append(fields, arrow.Field{Name: name, Type: t, Nullable: true})
			continue
		}
		switch name {
		case "variant", "metric", "kind":
			fields = append(fields, arrow.Field{Name: name, Type: arrow.BinaryTypes.String})
		case "label", "convention", "column", "horizon", "statistic", "unit", "ci_method", "baseline":
			fields = append(fields, arrow.Field{Name: name, Type: arrow.BinaryTypes.String, Nullable: true})
		case "events":
			fields = append(fields, arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Int64, Nullable: true})
		case "n", "nulls", "paths":
			fields = append(fields, arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Int64})
		case "confidence":
			fields = append(fields, arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Float64})
		default:
			fields = append(fields, arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Float64, Nullable: true})
		}
	}
	return arrow.NewSchema(fields, &md)
}

// writeAggregateParquet writes a as aggregate.parquet at path.
func writeAggregateParquet(path string, a *Aggregate, md arrow.Metadata) (rows int64, err error) {
	w, err := newTableWriter(path, aggregateSchema(md))
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			w.discard()
		}
	}()
	for _, v := range a.Variants {
		for _, m := range v.Metrics {
			if err := writeColumnRow(w, a, &v, &m); err != nil {
				return 0, err
			}
		}
		for _, r := range v.Risk {
			if err := writeRiskRow(w, a, &v, &r); err != nil {
				return 0, err
			}
		}
		if err := writeWarningRows(w, a, &v); err != nil {
			return 0, err
		}
	}
	if err := writePairedRows(w, a); err != nil {
		return 0, err
	}
	rows = w.rows
	if err := w.commit(); err != nil {
		return 0, err
	}
	return rows, nil
}

// writeColumnRow appends the statistics m of a summary column of variant v
// to aggregate.parquet as a row of kind "column"; each quantile and
// expected shortfall goes to the columns named by its own probability.
func writeColumnRow(w *tableWriter, a *Aggregate, v *VariantAggregate, m *MetricStats) error {
	r := newAggregateRow(w)
	r.str("variant", v.Variant)
	r.str("metric", m.Metric)
	r.int("n", m.N)
	r.int("nulls", m.Nulls)
	r.float("mean", m.Mean)
	r.float("sd", m.SD)
	r.float("se", m.SE)
	r.float("mean_ci_low", m.MeanCILow)
	r.float("mean_ci_high", m.MeanCIHigh)
	r.float("min", m.Min)
	r.float("max", m.Max)
	for _, q := range m.Quantiles {
		name := "p" + probabilityName(q.P)
		r.float(name, q.Value)
		r.float(name+"_ci_low", q.CILow)
		r.float(name+"_ci_high", q.CIHigh)
	}
	for _, t := range m.Tails {
		name := "es" + probabilityName(t.P)
		r.float(name, t.Value)
		r.float(name+"_ci_low", t.CILow)
		r.float(name+"_ci_high", t.CIHigh)
	}
	r.float("confidence", a.Confidence)
	r.float("horizon_hours", a.HorizonHours)
	r.int("paths", v.Paths)
	r.str("kind", "column")
	return r.end()
}

// writeRiskRow appends the risk metric rm of variant v to aggregate.parquet
// as a row of kind "risk": metric is its name, n its paths, and the
// RiskColumns its fields (events null for a statistic that counts none).
func writeRiskRow(w *tableWriter, a *Aggregate, v *VariantAggregate, rm *RiskMetric) error {
	r := newAggregateRow(w)
	r.str("variant", v.Variant)
	r.str("metric", rm.Name)
	r.int("n", rm.N)
	r.int("nulls", 0)
	r.float("confidence", a.Confidence)
	r.float("horizon_hours", a.HorizonHours)
	r.int("paths", v.Paths)
	r.str("kind", "risk")
	r.str("label", rm.Label)
	r.str("convention", rm.Convention)
	r.str("column", rm.Column)
	r.str("horizon", rm.Horizon)
	r.str("statistic", rm.Statistic)
	r.float("level", rm.Level)
	r.float("threshold", rm.Threshold)
	r.str("unit", rm.Unit)
	r.float("value", rm.Value)
	r.float("ci_low", rm.CILow)
	r.float("ci_high", rm.CIHigh)
	r.str("ci_method", rm.CIMethod)
	if rm.Events >= 0 {
		r.int("events", rm.Events)
	}
	return r.end()
}

// aggregateRow fills one row of aggregate.parquet by column name; the
// columns left unset are null.
type aggregateRow struct {
	w   *tableWriter
	set []bool
}

func newAggregateRow(w *tableWriter) *aggregateRow {
	return &aggregateRow{w: w, set: make([]bool, w.rb.Schema().NumFields())}
}

// builder is the builder of the column name, which the row must not have
// set already: a value for a column that does not exist, or a second value
// for one, would misalign the columns; it panics.
func (r *aggregateRow) builder(name string) array.Builder {
	idx := r.w.rb.Schema().FieldIndices(name)
	if len(idx) != 1 {
		panic(fmt.Sprintf("report: aggregate.parquet has no column %q", name))
	}
	i := idx[0]
	if r.set[i] {
		panic(fmt.Sprintf("report: aggregate.parquet column %q set twice in one row", name))
	}
	r.set[i] = true
	return r.w.rb.Field(i)
}

func (r *aggregateRow) str(name, v string) { r.builder(name).(*array.StringBuilder).Append(v) }

func (r *aggregateRow) int(name string, v int) {
	r.builder(name).(*array.Int64Builder).Append(int64(v))
}

// float writes v, or null when v is NaN or infinite.
func (r *aggregateRow) float(name string, v float64) {
	b := r.builder(name).(*array.Float64Builder)
	if finite(v) {
		b.Append(v)
	} else {
		b.AppendNull()
	}
}

// end appends null to the columns not set and completes the row.
func (r *aggregateRow) end() error {
	for k, ok := range r.set {
		if !ok {
			r.w.rb.Field(k).AppendNull()
		}
	}
	return r.w.endRow()
}
