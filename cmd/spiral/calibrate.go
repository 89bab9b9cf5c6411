package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spiralrisk/spiral/experiments"
	"github.com/spiralrisk/spiral/stochastic"
)

// calibrationModel is one price process `spiral calibrate` can fit.
type calibrationModel struct {
	flag  string // the --model value, e.g. "garch-t"
	model string // the scenario's market.price.model, e.g. "garch_t"
	title string
	fit   func(stochastic.PriceSeries) (stochastic.Fit, error)
}

// calibrationModels are the fittable models in the order they are printed.
var calibrationModels = []calibrationModel{
	{"gbm", "gbm", "geometric Brownian motion", stochastic.FitGBM},
	{"merton", "merton", "Merton jump-diffusion", stochastic.FitMerton},
	{"garch-t", "garch_t", "GARCH(1,1) with Student-t innovations", stochastic.FitGARCHT},
}

// selectModels returns the models named by --model: one of the flag names
// (or the scenario name, e.g. garch_t), or "all".
func selectModels(name string) ([]calibrationModel, error) {
	if name == "all" {
		return calibrationModels, nil
	}
	for _, m := range calibrationModels {
		if name == m.flag || name == m.model {
			return []calibrationModel{m}, nil
		}
	}
	names := make([]string, 0, len(calibrationModels)+1)
	for _, m := range calibrationModels {
		names = append(names, m.flag)
	}
	return nil, badInput("--model: unknown model %q; want one of %s or all", name, strings.Join(names, ", "))
}

func cmdCalibrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("calibrate", stderr, "calibrate prices.csv [--model gbm|merton|garch-t|all] [--column close] [--initial USD]")
	model := fs.String("model", "all", "price `model` to fit: gbm, merton, garch-t, or all (each, compared by AIC)")
	column := fs.String("column", "close", "`name` of the price column")
	var initial float64
	fs.Func("initial", "initial price `USD` written in the YAML snippet (default: the series' last price)", func(v string) error {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || !(x > 0) || math.IsInf(x, 0) {
			return fmt.Errorf("want a finite price > 0, got %q", v)
		}
		initial = x
		return nil
	})
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return badInput("calibrate takes one CSV file of prices, got %d arguments", len(pos))
	}
	models, err := selectModels(*model)
	if err != nil {
		return err
	}
	if strings.TrimSpace(*column) == "" {
		return badInput("--column: want a column name")
	}
	series, err := readPrices(pos[0], *column)
	if err != nil {
		return err
	}
	fits, fitErr := fitModels(ctx, series, models)
	if len(fits) > 0 {
		printSeries(stdout, series, *column)
		for i, f := range fits {
			fmt.Fprintln(stdout)
			printFit(stdout, f, models[i].title, initial)
		}
		if len(fits) > 1 {
			fmt.Fprintln(stdout)
			printComparison(stdout, fits)
		}
	}
	return fitErr
}

// readPrices reads a price series from the CSV file at path (see
// [stochastic.ReadPriceCSV]), taking prices from column instead of close.
// Every problem is an inputError; problems in the file read
// "path:line: column: message".
func readPrices(path, column string) (stochastic.PriceSeries, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return stochastic.PriceSeries{}, inputError{err}
	}
	var r io.Reader = bytes.NewReader(data)
	renamed := !strings.EqualFold(strings.TrimSpace(column), "close")
	if renamed {
		if r, err = renameColumn(data, path, column); err != nil {
			return stochastic.PriceSeries{}, inputError{err}
		}
	}
	s, err := stochastic.ReadPriceCSV(r, path)
	if err != nil {
		var ce *stochastic.CSVError
		if renamed && errors.As(err, &ce) && ce.Column == "close" {
			ce.Column = column
		}
		return stochastic.PriceSeries{}, inputError{err}
	}
	return s, nil
}

// headerName is a header cell as ReadPriceCSV compares it.
func headerName(h string) string {
	return strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
}

// renameColumn returns the CSV data with its header rewritten so that the
// column named column is called close (and any other close column is
// hidden). The rest of the file is passed through unchanged and keeps its
// line numbers.
func renameColumn(data []byte, path, column string) (io.Reader, error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		// Let ReadPriceCSV report an empty or malformed file.
		return bytes.NewReader(data), nil
	}
	end := cr.InputOffset()
	have := stochastic.ClipField(strings.Join(header, ","))
	want, found := headerName(column), false
	for i, h := range header {
		switch headerName(h) {
		case want:
			header[i], found = "close", true
		case "close":
			header[i] = "_close" // the price is in column, not here
		}
	}
	if !found {
		return nil, &stochastic.CSVError{Name: path, Line: 1, Column: column,
			Err: fmt.Errorf("missing column: want a %s column (--column) in the header, have %q", column, have)}
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(header) // a bytes.Buffer does not fail
	w.Flush()
	// Empty lines are skipped by the CSV reader: they keep the line numbers
	// of the data rows if the original header spanned several lines.
	if lines := bytes.Count(data[:end], []byte("\n")); lines > 1 {
		b.WriteString(strings.Repeat("\n", lines-1))
	}
	return io.MultiReader(&b, bytes.NewReader(data[end:])), nil
}

// fitModels fits each model to the series, stopping at the first failure
// or when ctx is done; it returns the fits made so far. A fit fails only
// on data it cannot use, so failures are input errors.
func fitModels(ctx context.Context, s stochastic.PriceSeries, models []calibrationModel) ([]stochastic.Fit, error) {
	fits := make([]stochastic.Fit, 0, len(models))
	for _, m := range models {
		if err := ctx.Err(); err != nil {
			return fits, err
		}
		f, err := m.fit(s)
		if err != nil {
			return fits, inputError{fmt.Errorf("%s fit: %w", m.flag, err)}
		}
		fits = append(fits, f)
	}
	return fits, nil
}

// sig formats x with n significant digits ("n/a" for NaN).
func sig(x float64, n int) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	return strconv.FormatFloat(x, 'g', n, 64)
}

// Digits of the printed table: estimates and likelihoods with 6
// significant digits (like the YAML snippet), standard errors with 2.
const (
	estimateDigits = 6
	stdErrorDigits = 2
)

func printSeries(w io.Writer, s stochastic.PriceSeries, column string) {
	n := s.Len()
	fmt.Fprintf(w, "prices:     %s, column %s\n", s.Name, column)
	fmt.Fprintf(w, "rows:       %d (%d log returns), %s to %s\n", n, n-1,
		s.Times[0].UTC().Format("2006-01-02T15:04:05Z"), s.Times[n-1].UTC().Format("2006-01-02T15:04:05Z"))
	fmt.Fprintf(w, "last price: %s\n", sig(s.Prices[n-1], estimateDigits))
}

// paramUnit is the unit of a fitted parameter; interval is the GARCH
// interval, e.g. "1d".
func paramUnit(name, interval string) string {
	switch name {
	case "drift":
		return "per year, drift of the price"
	case "volatility":
		return "per √year, of log returns"
	case "jump_intensity":
		return "jumps per year"
	case "jump_mean", "jump_std_dev":
		return "log jump size"
	case "log_drift":
		return "per year, mean of log returns"
	case "omega":
		return "variance of log returns per " + interval
	case "alpha", "beta":
		return "weight, dimensionless"
	case "nu":
		return "degrees of freedom"
	}
	return ""
}

// fitParameters is the number of parameters the optimiser estimated (AIC =
// 2k − 2·logL; one fewer than the names with GARCH variance targeting).
func fitParameters(f stochastic.Fit) int {
	return int(math.Round((f.AIC + 2*f.LogLikelihood) / 2))
}

// printFit prints one fit: the parameter table, the fit's statistics and
// notes, then the YAML snippet for a scenario. initial > 0 replaces the
// series' last price in the snippet.
func printFit(w io.Writer, f stochastic.Fit, title string, initial float64) {
	interval := experiments.Duration(f.Step).String()
	fmt.Fprintf(w, "%s: %s\n", f.Model, title)
	fmt.Fprintf(w, "  %-16s %-14s %-12s %s\n", "parameter", "estimate", "std. error", "unit")
	for i, name := range f.Names {
		fmt.Fprintf(w, "  %-16s %-14s %-12s %s\n", name, sig(f.Estimates[i], estimateDigits), sig(f.StdErrors[i], stdErrorDigits), paramUnit(name, interval))
	}
	fmt.Fprintf(w, "  %-16s %d log returns\n", "n", f.N)
	fmt.Fprintf(w, "  %-16s %s (the median spacing; %s; each spacing counts as one step)\n", "step", interval, f.Irregularity)
	fmt.Fprintf(w, "  %-16s %s\n", "log-likelihood", sig(f.LogLikelihood, estimateDigits))
	fmt.Fprintf(w, "  %-16s %s (%d estimated parameters)\n", "AIC", sig(f.AIC, estimateDigits), fitParameters(f))
	for _, line := range implied(f) {
		fmt.Fprintf(w, "  %-16s %s\n", "implied", line)
	}
	for _, n := range f.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	for _, n := range pasteNotes(f, initial) {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	fmt.Fprintf(w, "\n# paste into a scenario, replacing its market.price:\nmarket:\n  price:\n%s", snippet(f, initial))
}

// mixtureJumpsPerStep is the expected number of jumps per step above
// which a Merton fit is flagged as a variance mixture rather than a model
// of rare crashes.
const mixtureJumpsPerStep = 0.1

// implied are quantities derived from the estimates that help judge a fit.
func implied(f stochastic.Fit) []string {
	p, err := f.Process(f.LastPrice)
	if err != nil {
		return nil
	}
	switch p := p.(type) {
	case stochastic.Merton:
		total := math.Sqrt(p.Volatility*p.Volatility + p.JumpIntensity*(p.JumpMean*p.JumpMean+p.JumpStdDev*p.JumpStdDev))
		perStep := p.JumpIntensity * stochastic.Years(f.Step)
		lines := []string{
			fmt.Sprintf("total volatility √(σ² + λ(m² + s²)) = %s per √year", sig(total, 4)),
			fmt.Sprintf("%s jumps per %s step on average", sig(perStep, 3), experiments.Duration(f.Step)),
		}
		if perStep > mixtureJumpsPerStep {
			lines = append(lines, "jumps are frequent: they model quiet and busy steps (a variance mixture), not rare crashes")
		}
		return lines
	case stochastic.GARCHT:
		persistence := p.Alpha + p.Beta
		lines := []string{fmt.Sprintf("persistence alpha + beta = %s", sig(persistence, 4))}
		if persistence < 1 {
			halfLife := math.Log(0.5) / math.Log(persistence)
			lines = append(lines,
				fmt.Sprintf("unconditional volatility = %s per √year (where every path starts)", sig(p.AnnualVolatility(), 4)),
				fmt.Sprintf("half-life of a variance shock = %s intervals of %s", sig(halfLife, 3), experiments.Duration(p.Interval)))
		}
		return lines
	}
	return nil
}

// pasteNotes warn when the snippet would not be accepted by a scenario as
// it stands: an unknown model, or values outside the model's ranges even as
// written with every digit; and say when the snippet needed more digits
// than the usual 6 to stay within them (e.g. a beta that rounds to 1).
func pasteNotes(f stochastic.Fit, initial float64) []string {
	var notes []string
	known := slices.ContainsFunc(experiments.PriceModels(), func(m experiments.Model) bool { return m.Name == f.Model })
	if !known {
		notes = append(notes, fmt.Sprintf("this version of spiral does not accept market.price.model %s in scenarios yet", f.Model))
	}
	digits := snippetDigits(f, initial)
	if err := printedProblem(f, initial, digits); err != nil {
		notes = append(notes, "the snippet's values, as printed, are outside the scenario's ranges: "+strings.ReplaceAll(err.Error(), "\n", "; "))
	} else if digits > estimateDigits {
		notes = append(notes, fmt.Sprintf("the snippet writes its values with %d significant digits: with %d they would be outside the scenario's ranges (%s)",
			digits, estimateDigits, strings.ReplaceAll(printedProblem(f, initial, estimateDigits).Error(), "\n", "; ")))
	}
	return notes
}

// snippetDigits is the fewest significant digits, from estimateDigits, with
// which the snippet's values are within the model's ranges; 17 (every
// digit) when only that is; estimateDigits when the fit itself is out of
// range, which no number of digits changes (pasteNotes says so).
func snippetDigits(f stochastic.Fit, initial float64) int {
	for d := estimateDigits; d <= 17; d++ {
		if printedProblem(f, initial, d) == nil {
			return d
		}
	}
	return estimateDigits
}

// printedProblem is what is outside the model's ranges in the snippet's
// values as written with digits significant digits; nil if nothing (or
// the model is unknown).
func printedProblem(f stochastic.Fit, initial float64, digits int) error {
	printed := snippetValues(f, snippetAt(f, initial, digits))
	p, err := printed.Process(printed.LastPrice)
	if err != nil {
		return nil
	}
	return p.Validate()
}

// snippetValues returns f with its estimates and initial price replaced by
// the values written in its YAML snippet.
func snippetValues(f stochastic.Fit, yaml string) stochastic.Fit {
	f.Estimates = slices.Clone(f.Estimates)
	for _, line := range strings.Split(yaml, "\n") {
		key, value, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || strings.HasPrefix(key, "#") {
			continue
		}
		value, _, _ = strings.Cut(value, "#")
		x, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			continue
		}
		if key == "initial" {
			f.LastPrice = x
		} else if i := slices.Index(f.Names, key); i >= 0 {
			f.Estimates[i] = x
		}
	}
	return f
}

// snippet is f's YAML under market.price, with initial > 0 replacing the
// series' last price, written with snippetDigits significant digits.
func snippet(f stochastic.Fit, initial float64) string {
	return snippetAt(f, initial, snippetDigits(f, initial))
}

// snippetAt is snippet with digits significant digits.
func snippetAt(f stochastic.Fit, initial float64, digits int) string {
	const indent = "    "
	if !(initial > 0) {
		return f.YAMLDigits(indent, digits)
	}
	last := f.LastPrice
	f.LastPrice = initial
	lines := strings.SplitAfter(f.YAMLDigits(indent, digits), "\n")
	for i, line := range lines {
		if strings.HasPrefix(line, indent+"initial:") {
			if at := strings.Index(line, " # "); at >= 0 {
				lines[i] = line[:at] + " # set by --initial, USD; the series' last price is " + sig(last, estimateDigits) + "\n"
			}
		}
	}
	return strings.Join(lines, "")
}

// printComparison ranks the fits by AIC, lowest (best) first.
func printComparison(w io.Writer, fits []stochastic.Fit) {
	ranked := slices.Clone(fits)
	slices.SortStableFunc(ranked, func(a, b stochastic.Fit) int { return cmp.Compare(a.AIC, b.AIC) })
	best := ranked[0].AIC
	fmt.Fprintln(w, "comparison by AIC (lower is better; a difference above 10 is decisive):")
	fmt.Fprintf(w, "  %-10s %-11s %-15s %-14s %s\n", "model", "parameters", "log-likelihood", "AIC", "ΔAIC")
	for _, f := range ranked {
		fmt.Fprintf(w, "  %-10s %-11d %-15s %-14s %s\n", f.Model, fitParameters(f), sig(f.LogLikelihood, estimateDigits), sig(f.AIC, estimateDigits), sig(f.AIC-best, 4))
	}
	fmt.Fprintf(w, "best by AIC: %s\n", ranked[0].Model)
}
