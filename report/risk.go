package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/goccy/go-yaml"
	"gonum.org/v1/gonum/stat/distuv"
)

// RiskMetric is one entry of the headline risk metric pack (DESIGN §7):
// a value with its horizon, level, convention, confidence interval and the
// number of paths behind it. NaN means "not available" (written as null).
type RiskMetric struct {
	Name       string  // snake_case identifier, e.g. "var95_bad_debt_usd"
	Label      string  // display name, e.g. "VaR95 of bad debt"
	Convention string  // whose convention and what exactly is computed
	Column     string  // the summary column it is computed from
	Horizon    string  // "30 d" (over the horizon), "worst 24 h of 30 d", "at 30 d" (state at the end)
	Statistic  string  // "quantile", "es" or "probability"
	Level      float64 // the quantile's or expected shortfall's probability (0.95, 0.99); NaN for a probability
	Threshold  float64 // a probability's event is Column > Threshold; NaN for other statistics
	Unit       string  // "usd", "fraction" (of initial deposits) or "probability"
	Value      float64
	CILow      float64 // confidence interval at Confidence; NaN when there are too few paths
	CIHigh     float64
	CIMethod   string // "order statistics", "percentile bootstrap" or "Clopper-Pearson"
	N          int    // paths behind the value (non-null values of Column)
	Events     int    // a probability's paths with the event; -1 for other statistics
	Note       string // an approximation made, or why the value is missing
}

// Format prints a value in the metric's unit as the report does: $1.2M,
// 12.3 %, n/a for NaN.
func (r RiskMetric) Format(v float64) string { return riskFormatter(r.Unit)(v) }

// RunThreshold and UndercollateralizedThreshold are the shares of the
// pool's initial deposits (unmet withdrawals: a run) and of the position
// book's initial debt (Kao et al.) that define the probability metrics.
const (
	RunThreshold                 = 0.01
	UndercollateralizedThreshold = 0.01
)

// scenarioFacts are the numbers of the resolved scenario (Parquet metadata
// spiral.scenario) that the risk metrics need. NaN when unknown.
type scenarioFacts struct {
	Deposits     float64 // pool.deposits: initial deposits, USD
	BookDebt     float64 // the position book's initial debt, USD
	BookDebtNote string  // how BookDebt was obtained when it is an approximation
	MaxRounds    int     // liquidators.max_rounds, the cascade rounds per step; 0 if unknown or no liquidations
}

// readScenarioFacts extracts the pool's initial deposits and the position
// book's initial debt from the resolved scenario YAML. A generated book's
// debt is debt_share × utilization × (deposits + reserves), as the loader
// builds it; a book read from positions.file is not in the Parquet, and the
// pool's initial borrows, utilization × (deposits + reserves), stand in for
// it.
func readScenarioFacts(resolved []byte) scenarioFacts {
	nan := math.NaN()
	facts := scenarioFacts{Deposits: nan, BookDebt: nan}
	var sc struct {
		Pool *struct {
			Deposits    *float64 `yaml:"deposits"`
			Utilization *float64 `yaml:"utilization"`
			Reserves    *float64 `yaml:"reserves"`
		} `yaml:"pool"`
		Positions *struct {
			DebtShare *float64 `yaml:"debt_share"`
			File      string   `yaml:"file"`
		} `yaml:"positions"`
		Liquidators *struct {
			MaxRounds int `yaml:"max_rounds"`
		} `yaml:"liquidators"`
	}
	if err := yaml.Unmarshal(resolved, &sc); err != nil || sc.Pool == nil {
		return facts
	}
	if sc.Positions != nil && sc.Liquidators != nil && sc.Liquidators.MaxRounds > 0 {
		facts.MaxRounds = sc.Liquidators.MaxRounds
	}
	p := sc.Pool
	if p.Deposits != nil && *p.Deposits > 0 && finite(*p.Deposits) {
		facts.Deposits = *p.Deposits
	}
	reserves := 0.0
	if p.Reserves != nil {
		reserves = *p.Reserves
	}
	if sc.Positions == nil || p.Utilization == nil || !finite(facts.Deposits) {
		return facts
	}
	borrows := *p.Utilization * (facts.Deposits + reserves)
	switch {
	case sc.Positions.DebtShare != nil:
		facts.BookDebt = *sc.Positions.DebtShare * borrows
	case sc.Positions.File != "":
		facts.BookDebt = borrows
		facts.BookDebtNote = "the book read from positions.file is not in the Parquet: its debt is approximated by the pool's initial borrows"
	}
	if !(facts.BookDebt > 0) || !finite(facts.BookDebt) {
		facts.BookDebt = nan
	}
	return facts
}

// variantFacts returns the facts of one variant: the deposits and book
// debt its summary parts record (MetaDepositsUSD, MetaBookDebtUSD), each
// one that a part does not record taken from base, the facts of the
// resolved scenario (outputs written before those keys).
func variantFacts(parts []partFile, base scenarioFacts) scenarioFacts {
	if len(parts) == 0 {
		return base
	}
	md := parts[0].md
	facts := base
	if d, err := strconv.ParseFloat(md[MetaDepositsUSD], 64); err == nil && d > 0 && finite(d) {
		facts.Deposits = d
	}
	if b, err := strconv.ParseFloat(md[MetaBookDebtUSD], 64); err == nil && b > 0 && finite(b) {
		facts.BookDebt, facts.BookDebtNote = b, ""
	}
	if r, err := strconv.Atoi(md[MetaMaxRounds]); err == nil && r > 0 {
		facts.MaxRounds = r
	}
	return facts
}

// ClopperPearson returns the exact (Clopper–Pearson) confidence interval at
// level for a binomial probability after k events in n trials: the
// (1−level)/2 quantile of Beta(k, n−k+1) and the (1+level)/2 quantile of
// Beta(k+1, n−k), 0 when k = 0 and 1 when k = n. Its coverage is at least
// level for every true probability. NaN, NaN for n < 1 or k outside [0, n].
func ClopperPearson(k, n int, level float64) (lo, hi float64) {
	if n < 1 || k < 0 || k > n || !(level > 0 && level < 1) {
		return math.NaN(), math.NaN()
	}
	alpha := (1 - level) / 2
	lo, hi = 0, 1
	if k > 0 {
		lo = distuv.Beta{Alpha: float64(k), Beta: float64(n - k + 1)}.Quantile(alpha)
	}
	if k < n {
		hi = distuv.Beta{Alpha: float64(k + 1), Beta: float64(n - k)}.Quantile(1 - alpha)
	}
	return lo, hi
}

// riskEvent is a probability metric's event: column > threshold.
type riskEvent struct {
	column    string
	threshold float64
}

// riskEvents returns the events whose paths aggregateVariant counts.
func riskEvents(meta *Meta, facts scenarioFacts) []riskEvent {
	events := []riskEvent{{"insolvent", 0.5}}
	if finite(facts.Deposits) {
		events = append(events, riskEvent{"max_queue_usd", RunThreshold * facts.Deposits})
	}
	if meta.Liquidations && finite(facts.BookDebt) {
		events = append(events, riskEvent{"bad_debt_usd", UndercollateralizedThreshold * facts.BookDebt})
	}
	return events
}

// countAbove returns the number of sorted values > threshold.
func countAbove(sorted []float64, threshold float64) int {
	i, _ := slices.BinarySearchFunc(sorted, threshold, func(v, t float64) int {
		if v <= t {
			return -1
		}
		return 1
	})
	return len(sorted) - i
}

// riskPack builds the headline risk metrics of a variant from its
// aggregated metrics and the event counts (column → threshold → paths
// above it). Metrics whose column the summary lacks are left out; the
// bad-debt and liquidation metrics need a liquidation model.
func riskPack(va *VariantAggregate, meta *Meta, facts scenarioFacts, horizonHours float64, counts map[riskEvent]int) []RiskMetric {
	nan := math.NaN()
	stats := map[string]*MetricStats{}
	for i := range va.Metrics {
		stats[va.Metrics[i].Metric] = &va.Metrics[i]
	}
	horizon := horizonText(horizonHours)
	var out []RiskMetric
	base := func(name, label, convention, column, hz, statistic, unit string) (RiskMetric, *MetricStats) {
		m := RiskMetric{Name: name, Label: label, Convention: convention, Column: column, Horizon: hz,
			Statistic: statistic, Level: nan, Threshold: nan, Unit: unit, Value: nan, CILow: nan, CIHigh: nan, Events: -1}
		s := stats[column]
		if s != nil {
			m.N = s.N
		}
		return m, s
	}
	quantile := func(name, label, convention, column, hz, unit string, p float64) {
		m, s := base(name, label, convention, column, hz, "quantile", unit)
		if s == nil {
			return
		}
		m.Level, m.CIMethod = p, "order statistics"
		for _, q := range s.Quantiles {
			if q.P == p {
				m.Value, m.CILow, m.CIHigh = q.Value, q.CILow, q.CIHigh
			}
		}
		if math.IsNaN(m.CILow) || math.IsNaN(m.CIHigh) {
			m.Note = fmt.Sprintf("too few paths for a two-sided interval of the %s quantile (%d)", probabilityName(p), s.N)
		}
		out = append(out, m)
	}
	es := func(name, label, convention, column, hz, unit string, p float64) {
		m, s := base(name, label, convention, column, hz, "es", unit)
		if s == nil {
			return
		}
		m.Level, m.CIMethod = p, "percentile bootstrap"
		for _, t := range s.Tails {
			if t.P == p {
				m.Value, m.CILow, m.CIHigh = t.Value, t.CILow, t.CIHigh
			}
		}
		if math.IsNaN(m.CILow) && s.N > 0 {
			m.Note = fmt.Sprintf("no interval: the worst %s %% hold fewer than %d paths", formatValue(100*(1-p)), ESMinTail)
		}
		out = append(out, m)
	}
	probability := func(name, label, convention, column, note string, threshold float64) {
		m, s := base(name, label, convention, column, horizon, "probability", "probability")
		k, ok := counts[riskEvent{column, threshold}]
		if s == nil || !ok {
			return
		}
		m.Threshold, m.CIMethod, m.Note = threshold, "Clopper-Pearson", note
		m.Events = k
		if s.N > 0 {
			m.Value = float64(k) / float64(s.N)
			m.CILow, m.CIHigh = ClopperPearson(k, s.N, Confidence)
		}
		out = append(out, m)
	}

	if meta.Liquidations {
		for _, p := range []float64{0.95, 0.99} {
			pn := probabilityName(p)
			quantile("var"+pn+"_bad_debt_usd", "VaR"+pn+" of bad debt",
				fmt.Sprintf("Gauntlet: the %s quantile over paths of bad debt (realized + unrealized) over the horizon", ordinal(p)),
				"bad_debt_usd", horizon, "usd", p)
		}
		for _, p := range []float64{0.95, 0.99} {
			pn := probabilityName(p)
			es("es"+pn+"_bad_debt_usd", "ES"+pn+" of bad debt",
				fmt.Sprintf("expected shortfall: mean bad debt of the worst %s %% of paths", formatValue(100*(1-p))),
				"bad_debt_usd", horizon, "usd", p)
		}
		w24 := "worst 24 h"
		if horizon != "" {
			w24 += " of " + horizon
		}
		for _, p := range []float64{0.95, 0.99} {
			pn := probabilityName(p)
			quantile("var"+pn+"_worst_24h_bad_debt_usd", "24 h VaR"+pn+" of bad debt",
				fmt.Sprintf("Chaos Labs: the %s quantile over paths of the largest realized bad debt in any 24 h window", ordinal(p)),
				"worst_24h_bad_debt_usd", w24, "usd", p)
		}
		for _, p := range []float64{0.95, 0.99} {
			pn := probabilityName(p)
			es("es"+pn+"_worst_24h_bad_debt_usd", "24 h ES"+pn+" of bad debt",
				fmt.Sprintf("expected shortfall of the worst-24 h realized bad debt: mean of the worst %s %% of paths", formatValue(100*(1-p))),
				"worst_24h_bad_debt_usd", w24, "usd", p)
		}
		for _, p := range []float64{0.95, 0.99} {
			pn := probabilityName(p)
			quantile("lar"+pn+"_usd", "LaR"+pn,
				fmt.Sprintf("liquidations at risk: the %s quantile over paths of the debt repaid by liquidators over the horizon", ordinal(p)),
				"liquidated_debt_usd", horizon, "usd", p)
		}
	}
	probability("p_insolvency", "P(insolvency)",
		"share of paths where some bad debt was covered by neither reserves nor backstop", "insolvent", "", 0.5)
	if finite(facts.Deposits) {
		thr := RunThreshold * facts.Deposits
		probability("p_run", "P(run)",
			fmt.Sprintf("share of paths whose unmet withdrawals (unpaid queue at a step end) exceeded %g %% of initial deposits (%s)", 100*RunThreshold, formatUSD(thr)),
			"max_queue_usd", "", thr)
	}
	if meta.Liquidations && finite(facts.BookDebt) {
		thr := UndercollateralizedThreshold * facts.BookDebt
		note := "approximation: the debt no collateral covers (realized bad debt + the shortfall of open positions at the final oracle price) stands in for the debt of under-collateralized positions, a lower bound"
		if facts.BookDebtNote != "" {
			note += "; " + facts.BookDebtNote
		}
		probability("p_undercollateralized_1pct", "P(>1 % of debt under-collateralized)",
			fmt.Sprintf("Kao et al. (2020): share of paths with more than %g %% of the book's initial debt (%s) under-collateralized", 100*UndercollateralizedThreshold, formatUSD(thr)),
			"bad_debt_usd", note, thr)
	}
	at := ""
	if horizon != "" {
		at = "at " + horizon
	}
	for _, p := range []float64{0.5, 0.95, 0.99} {
		pn := probabilityName(p)
		quantile("stuck_share_p"+pn, "stuck share p"+pn,
			fmt.Sprintf("the %s quantile over paths of the withdrawals still queued at the horizon, as a share of initial deposits", ordinal(p)),
			"stuck_share", at, "fraction", p)
	}
	es("stuck_share_es99", "stuck share ES99", "expected shortfall: mean stuck share of the worst 1 % of paths",
		"stuck_share", at, "fraction", 0.99)
	return out
}

// ordinal is "95th" for 0.95, "99.9th" for 0.999.
func ordinal(p float64) string {
	return probabilityName(p) + "th"
}

// horizonText is "30 d" or "36 h" for a horizon in hours, "" when not > 0.
func horizonText(hours float64) string {
	s := horizonPhrase("x", hours)
	if s == "" {
		return ""
	}
	return s[3:] // drop " x "
}
