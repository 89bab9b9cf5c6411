package report

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/spiralrisk/spiral/engine"
)

// ConvergenceChartName is the file name (without extension) of the
// convergence chart in plots/.
const ConvergenceChartName = "convergence"

// documentVariant is what the report shows of one variant.
type documentVariant struct {
	agg    VariantAggregate
	charts []namedChart // in order; the convergence chart among them
}

// document is the content of report.md and report.pdf, as a list of
// blocks that both renderers lay out. It holds nothing that differs
// between runs of the same scenario and seed (no times, no command line,
// no shard count), so one process, merged shards and `spiral report` give
// the same report.md.
type document struct {
	title  string
	blocks []block
}

// block is one element of the document: a *heading, *paragraph, *preText,
// *table, *figure or pageBreak.
type block any

type heading struct {
	level int // 1 (section) or 2 (subsection)
	text  string
}

// paragraph is wrapped text; small paragraphs are notes.
type paragraph struct {
	text  string
	small bool
}

// preText is text whose line breaks are kept (the scenario description).
type preText struct{ lines []string }

// table is a table with a header; a cell may have a second, smaller line
// (a confidence interval or a convention).
type table struct {
	header []string
	right  []bool    // right-aligned columns (numbers)
	widths []float64 // relative column widths in the PDF
	rows   [][]cell
}

type cell struct{ main, sub string }

// figure is a chart, drawn in the PDF and linked as plots/<name>.png in
// the Markdown.
type figure struct {
	chart *Chart
	png   string // relative to the output directory
	name  string
}

type pageBreak struct{}

// newDocument lays out the report of a run.
func newDocument(meta *Meta, agg *Aggregate, variants []documentVariant, traced int, notes []string) *document {
	d := &document{title: meta.ScenarioName}
	add := func(b block) { d.blocks = append(d.blocks, b) }
	horizon := horizonText(agg.HorizonHours)
	if horizon == "" {
		horizon = "n/a"
	}
	names := make([]string, len(variants))
	for i, v := range variants {
		names[i] = v.agg.Variant
	}
	facts := &table{header: []string{"Run", ""}, right: []bool{false, false}, widths: []float64{1, 3.5}}
	fact := func(k, v string) { facts.rows = append(facts.rows, []cell{{main: k}, {main: v}}) }
	fact("scenario", meta.ScenarioName)
	fact("paths", formatCount(meta.Paths))
	fact("seed", strconv.FormatUint(meta.Seed, 10))
	fact("horizon", fmt.Sprintf("%s in steps of %s", horizon, horizonText(meta.StepHours)))
	fact("traced paths", formatCount(traced))
	fact("variants", strings.Join(names, ", "))
	fact("spiral version", meta.Version)
	fact("scenario SHA-256", meta.ScenarioSHA256)
	for _, f := range meta.DataFiles {
		fact("data file", fmt.Sprintf("%s: %s bytes, SHA-256 %s", f.Path, formatCount(int(f.Size)), short(f.SHA256)))
	}
	fact("schema version", strconv.Itoa(SchemaVersion))
	add(facts)
	add(&paragraph{text: "Every value below is computed from the Parquet results alone (spiral report <out> recomputes it). " +
		"Intervals are at 95 % confidence; \"n/a\" marks a value or bound that needs more paths.", small: true})

	multi := len(variants) > 1
	detailed := detailVariants(agg, variants) // a sweep details its baseline only (sweepdoc.go)
	suffix := func(v documentVariant) string {
		if multi {
			return " (variant " + v.agg.Variant + ")"
		}
		return ""
	}
	for _, v := range detailed {
		add(&heading{1, "Headline risk metrics" + suffix(v)})
		add(riskTable(v.agg.Risk))
		for _, r := range v.agg.Risk {
			if r.Note != "" && r.Statistic == "probability" {
				add(&paragraph{text: r.Label + ": " + r.Note + ".", small: true})
			}
		}
		if c := v.agg.Convergence; c != nil {
			add(&heading{2, "Were the paths enough?"})
			add(&paragraph{text: c.Summary})
			for _, vd := range c.Verdicts {
				add(&paragraph{text: vd.Text, small: true})
			}
		}
		for _, b := range warningBlocks(v.agg.Warnings, horizon) {
			add(b)
		}
	}
	if multi {
		d.blocks = append(d.blocks, comparisonBlocks(agg, variants)...) // sweepdoc.go
	}

	desc := strings.TrimSpace(meta.Description)
	if strings.Count(desc, "\n") >= 20 {
		add(pageBreak{}) // a long description starts on a page of its own
	}
	add(&heading{1, "Scenario"})
	if desc != "" {
		add(&preText{lines: strings.Split(desc, "\n")})
	} else {
		add(&paragraph{text: "The scenario has no description."})
	}

	for _, v := range detailed {
		add(pageBreak{})
		add(&heading{1, "Charts" + suffix(v)})
		var conv *figure
		for _, c := range v.charts {
			f := &figure{chart: c.chart, png: c.dir + "/" + c.name + ".png", name: c.name}
			if c.name == ConvergenceChartName {
				conv = f
				continue
			}
			add(f)
		}
		if conv != nil {
			add(&heading{2, "Convergence of the tail estimates" + suffix(v)})
			add(conv)
			if c := v.agg.Convergence; c != nil {
				add(&paragraph{text: c.Summary})
			}
		}
	}
	for _, v := range detailed {
		add(pageBreak{})
		add(&heading{1, "All metrics" + suffix(v)})
		add(&paragraph{text: "Per summary column over the paths: non-null values, mean, median and tail quantiles with 95 % confidence intervals (below each value). docs/outputs.md defines every column.", small: true})
		add(metricsTable(v.agg.Metrics))
	}
	add(&heading{1, "Methods"})
	for _, s := range []string{
		"Quantiles are DuckDB's quantile_cont (linear interpolation between order statistics, numpy \"linear\"). A quantile's interval is distribution-free, from order statistics: the number of paths below the true quantile is binomial.",
		"VaR is a quantile of a loss across paths: Gauntlet's convention is the 95th/99th percentile over paths of the loss over the whole horizon; Chaos Labs' is the same for the worst 24 hours of each path. ES is the mean of the worst 5 % or 1 % of paths (Acerbi-Tasche), with a percentile bootstrap interval of 1,000 resamples. LaR (liquidations at risk) is the quantile of the debt liquidated over the horizon.",
		"Probabilities are shares of paths with an exact binomial (Clopper-Pearson) interval. A run is unmet withdrawals (an unpaid queue at a step end) above 1 % of the initial deposits; Kao et al.'s measure is more than 1 % of the position book's initial debt under-collateralized, approximated by the bad debt (realized, plus the shortfall of open positions at the final oracle price).",
		"Convergence: VaR99 and ES99 of bad debt (of the stuck share without positions) on the first 1 %, 2 %, ..., 100 % of the paths; the chart's ES interval is the normal approximation. The paths are enough when half the 95 % interval of the full run is within 10 % of the estimate; otherwise the interval's width, shrinking as one over the square root of the paths, says about how many would be.",
	} {
		add(&paragraph{text: s, small: true})
	}
	if len(notes) > 0 {
		add(&heading{2, "Notes"})
		for _, n := range notes {
			add(&paragraph{text: n, small: true})
		}
	}
	return d
}

// riskTable is the headline risk metrics table.
func riskTable(risk []RiskMetric) *table {
	t := &table{header: []string{"Metric", "Horizon", "Value", "95 % CI", "Paths"},
		right: []bool{false, false, true, true, true}, widths: []float64{5.2, 1.5, 1.1, 1.7, 0.8}}
	for _, r := range risk {
		f := riskFormatter(r.Unit)
		t.rows = append(t.rows, []cell{
			{main: r.Label, sub: r.Convention},
			{main: orNA(r.Horizon)},
			{main: f(r.Value)},
			{main: interval(f, r.CILow, r.CIHigh)},
			{main: formatCount(r.N)},
		})
	}
	return t
}

// comparisonTable puts the headline risk metrics of the variants side by side.
func comparisonTable(variants []documentVariant) *table {
	t := &table{header: []string{"Metric"}, right: []bool{false}, widths: []float64{3}}
	for _, v := range variants {
		t.header = append(t.header, v.agg.Variant)
		t.right = append(t.right, true)
		t.widths = append(t.widths, 1.2)
	}
	for i, r := range variants[0].agg.Risk {
		row := []cell{{main: r.Label}}
		for _, v := range variants {
			if i < len(v.agg.Risk) && v.agg.Risk[i].Name == r.Name {
				x := v.agg.Risk[i]
				f := riskFormatter(x.Unit)
				row = append(row, cell{main: f(x.Value), sub: interval(f, x.CILow, x.CIHigh)})
			} else {
				row = append(row, cell{main: "n/a"})
			}
		}
		t.rows = append(t.rows, row)
	}
	return t
}

// metricsTable is the table of every summary column's statistics.
func metricsTable(metrics []MetricStats) *table {
	t := &table{header: []string{"Metric", "n", "Mean", "p50", "p95", "p99"},
		right: []bool{false, true, true, true, true, true}, widths: []float64{3.2, 0.8, 1.6, 1.2, 1.6, 1.6}}
	for _, m := range metrics {
		f := ValueFormatter(m.Metric)
		row := []cell{{main: m.Metric}, {main: formatCount(m.N)}, {main: f(m.Mean), sub: interval(f, m.MeanCILow, m.MeanCIHigh)}}
		for _, q := range m.Quantiles {
			if q.P == 0.5 {
				row = append(row, cell{main: f(q.Value)})
			} else if q.P == 0.95 || q.P == 0.99 {
				row = append(row, cell{main: f(q.Value), sub: interval(f, q.CILow, q.CIHigh)})
			}
		}
		for len(row) < len(t.header) {
			row = append(row, cell{main: "n/a"})
		}
		t.rows = append(t.rows, row)
	}
	return t
}

func orNA(s string) string {
	if s == "" {
		return "n/a"
	}
	return s
}

// interval is "[lo, hi]" with "n/a" for an unavailable bound, "" when both are.
func interval(f func(float64) string, lo, hi float64) string {
	if math.IsNaN(lo) && math.IsNaN(hi) {
		return "n/a"
	}
	return "[" + f(lo) + ", " + f(hi) + "]"
}

// riskFormatter formats a risk metric's values by unit.
func riskFormatter(unit string) func(float64) string {
	switch unit {
	case "usd":
		return naOr(formatUSD)
	case "fraction", "probability":
		return naOr(pct)
	}
	return naOr(formatValue)
}

func naOr(f func(float64) string) func(float64) string {
	return func(v float64) string {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return "n/a"
		}
		return f(v)
	}
}

// pct prints a fraction as a percentage with 3 significant digits: 12.3 %.
func pct(f float64) string { return formatValue(f*100) + " %" }

var fractionColumn = regexp.MustCompile(`(^|_)(utilization|apr|share|drawdown|impact|fall|change)($|_)`)

// ValueFormatter formats the values of a summary column for people (the
// report's tables and charts, spiral replay) from the column's name and
// kind: dollars for *_usd, hours for hours_*/*_hour(s), percentages for
// fractions (utilization, APR, shares, drawdowns) and booleans (a mean is
// a probability), counts with separators; otherwise 4 significant digits;
// n/a for NaN (a null). A column the engine does not know is formatted by
// its name alone.
func ValueFormatter(column string) func(float64) string {
	kind := engine.Float
	for _, c := range engine.SummaryColumns {
		if c.Name == column {
			kind = c.Kind
		}
	}
	switch {
	case strings.HasSuffix(column, "_usd"):
		return naOr(formatUSD)
	case strings.HasPrefix(column, "hours_") || strings.HasSuffix(column, "_hours") || strings.HasSuffix(column, "_hour"):
		return naOr(func(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) + " h" })
	case kind == engine.Bool || fractionColumn.MatchString(column):
		return naOr(pct)
	case kind == engine.Int:
		return naOr(func(v float64) string {
			if v == math.Trunc(v) && math.Abs(v) < 1e15 {
				return formatCount(int(v))
			}
			return formatNumber(v)
		})
	}
	return naOr(formatNumber)
}

// formatNumber prints v with 4 significant digits, large values with
// thousands separators: 0.01234, 12.35, 66,200, 12,350,000.
func formatNumber(v float64) string {
	a := math.Abs(v)
	if a < 1e4 || a >= 1e15 {
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	mag := math.Pow(10, math.Floor(math.Log10(a))-3)
	return formatCount(int(math.Round(v/mag) * mag))
}
