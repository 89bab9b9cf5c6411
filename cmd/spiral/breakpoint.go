package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spiralrisk/spiral/experiments"
	"github.com/spiralrisk/spiral/report"
)

// cmdBreakpoint runs a reverse stress test (docs/breakpoint.md): the
// smallest shock size at which P(target) ≥ prob, by bisection with common
// random numbers. It writes a table of the evaluated sizes and the bracket
// to stdout (or JSON with --json), progress lines to stderr.
func cmdBreakpoint(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("breakpoint", stderr, "breakpoint scenario.yaml|preset --shock S --target 'column>x' [flags]")
	shock := fs.String("shock", "", "the shock `S`: price_drop, withdrawal_wave or liquidity_haircut (required)")
	target := fs.String("target", "", "the target event `column>x` on a summary column (>, >=, <, <=), e.g. 'bad_debt_usd>1e6' (required)")
	prob := fs.Float64("prob", 0.05, "breached when P(target) ≥ `p`, in (0, 1)")
	lo := fs.Float64("lo", 0, "lower end of the shock sizes searched")
	hi := fs.Float64("hi", math.NaN(), "upper end of the shock sizes searched (default 0.99, 1 for withdrawal_wave)")
	tol := fs.Float64("tol", 0.01, "stop when the bracket is at most this wide")
	at := fs.String("at", "", "when the shock hits, a whole number of steps (default 1d, or the first step for horizons ≤ 1d); not used by liquidity_haircut")
	maxEvals := fs.Int("max-evals", 50, "at most `N` evaluations (each runs every path)")
	paths := fs.Int("paths", 0, "number of paths `N` per evaluation, overriding the scenario's")
	var seed seedFlag
	addSeedFlag(fs, &seed)
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "worker goroutines `W`")
	asJSON := fs.Bool("json", false, "write the result as JSON")
	quiet := fs.Bool("quiet", false, "no progress lines")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if len(pos) != 1 {
		return badInput("breakpoint takes one scenario file or preset name, got %d arguments", len(pos))
	}
	if *shock == "" || *target == "" {
		return badInput("breakpoint needs --shock and --target")
	}
	k, err := experiments.ParseShock(*shock)
	if err != nil {
		return inputError{err}
	}
	tg, err := experiments.ParseTarget(*target)
	if err != nil {
		return inputError{err}
	}
	if *workers < 1 {
		return badInput("--workers must be ≥ 1, got %d", *workers)
	}
	sc, err := experiments.Load(pos[0])
	if err != nil {
		return err
	}
	if err := overrideScenario(sc, *paths, set["paths"], seed); err != nil {
		return err
	}
	cfg, err := sc.Config()
	if err != nil {
		return err
	}
	opts := experiments.BreakpointOptions{Shock: k, Target: tg, Prob: *prob, Lo: *lo, Hi: *hi, Tol: *tol,
		MaxEvals: *maxEvals, Workers: *workers}
	if !set["hi"] {
		opts.Hi = k.DefaultHi()
	}
	if set["max-evals"] && *maxEvals < 2 {
		return badInput("--max-evals must be ≥ 2, got %d", *maxEvals)
	}
	if *at != "" {
		d, err := experiments.ParseDuration(*at)
		if err != nil {
			return badInput("--at: %v", err)
		}
		if d <= 0 {
			return badInput("--at must be > 0, got %s", *at)
		}
		opts.At = d.Std()
	}
	if err := opts.Validate(cfg); err != nil {
		return inputError{err}
	}
	warnBooks(stderr, sc.FileBooks()) // books.go
	if !*quiet {
		fmt.Fprintf(stderr, "breakpoint: %s, P(%s) ≥ %g, sizes [%g, %g], %d paths, seed %d\n",
			k, tg, opts.Prob, opts.Lo, opts.Hi, cfg.Paths, cfg.Seed)
		opts.Progress = func(p experiments.BreakpointPoint) {
			fmt.Fprintf(stderr, "  size %-10s P = %s [%s, %s] (%d/%d)\n", strconv.FormatFloat(p.Size, 'g', 6, 64),
				bpPercent(p.P), bpPercent(p.CILow), bpPercent(p.CIHigh), p.Events, p.Paths)
		}
	}
	res, err := experiments.Breakpoint(ctx, cfg, opts)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		return fmt.Errorf("breakpoint: %w", err)
	}
	if *asJSON {
		return writeBreakpointJSON(stdout, sc, res)
	}
	return writeBreakpointText(stdout, sc.Name, res)
}

// bpPercent prints a probability as a percentage with up to 3 significant
// digits.
func bpPercent(p float64) string {
	if math.IsNaN(p) {
		return "n/a"
	}
	return strconv.FormatFloat(100*p, 'g', 3, 64) + " %"
}

func bpSize(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

func writeBreakpointText(w io.Writer, name string, r *experiments.BreakpointResult) error {
	when := "at " + experiments.Duration(r.At).String()
	if r.Shock == experiments.ShockLiquidityHaircut {
		when = "over the whole path"
	}
	fmt.Fprintf(w, "scenario   %s\nshock      %s %s\ntarget     P(%s) ≥ %g\npaths      %d per size, seed %d (common random numbers)\n\n",
		name, r.Shock, when, r.Target, r.Prob, r.Paths, r.Seed)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "size\tpaths with target\tP\t95 % CI\tbreached\t")
	pts := slices.Clone(r.Points)
	slices.SortFunc(pts, func(a, b experiments.BreakpointPoint) int { return bpCompare(a.Size, b.Size) })
	for _, p := range pts {
		fmt.Fprintf(tw, "%s\t%d/%d\t%s\t[%s, %s]\t%s\t\n", bpSize(p.Size), p.Events, p.Paths, bpPercent(p.P),
			bpPercent(p.CILow), bpPercent(p.CIHigh), map[bool]string{true: "yes", false: "no"}[p.Breached])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	switch r.Status {
	case experiments.BreakpointBracketed:
		fmt.Fprintf(w, "breakpoint in (%s, %s], width %s, after %d evaluations\n", bpSize(r.Lo), bpSize(r.Hi), bpSize(r.Width), len(r.Points))
	case experiments.BreakpointAtLo:
		if r.Lo == 0 {
			fmt.Fprintf(w, "breached without any shock (size 0): the scenario breaks the target on its own; ask for a rarer event (a higher threshold or --prob)\n")
			break
		}
		fmt.Fprintf(w, "breached already at the lower end %s: the breakpoint is ≤ %s (lower --lo)\n", bpSize(r.Lo), bpSize(r.Lo))
	case experiments.BreakpointNotReached:
		fmt.Fprintf(w, "not breached at the upper end %s: the breakpoint is > %s, if there is one (raise --hi)\n", bpSize(r.Hi), bpSize(r.Hi))
	}
	fmt.Fprintf(w, "uncertainty: clearly safe (95 %% CI below %g) up to %s; clearly breached (95 %% CI at or above) from %s",
		r.Prob, bpSize(r.SafeBelow), bpSize(r.BreachAt))
	if len(r.Straddling) > 0 {
		s := make([]string, len(r.Straddling))
		for i, v := range r.Straddling {
			s[i] = bpSize(v)
		}
		fmt.Fprintf(w, "; the CI straddles %g at %s (more paths would tell)", r.Prob, strings.Join(s, ", "))
	}
	fmt.Fprintln(w)
	if !r.Monotone {
		fmt.Fprintln(w, "warning: P(target) does not grow with the shock size over the evaluated sizes; bisection assumes it does")
	}
	return nil
}

func bpCompare(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

type bpNumber float64

func (f bpNumber) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, float64(f), 'g', -1, 64), nil
}

// writeBreakpointJSON writes r as JSON, with the scenario's name, its
// hash (after --paths and --seed) and the data files it read, so that the
// result can be traced to its inputs.
func writeBreakpointJSON(w io.Writer, sc *experiments.Scenario, r *experiments.BreakpointResult) error {
	type point struct {
		Size     bpNumber `json:"size"`
		Paths    int      `json:"paths"`
		Events   int      `json:"events"`
		P        bpNumber `json:"p"`
		CILow    bpNumber `json:"ci_low"`
		CIHigh   bpNumber `json:"ci_high"`
		Breached bool     `json:"breached"`
	}
	out := struct {
		Scenario       string            `json:"scenario"`
		ScenarioSHA256 string            `json:"scenario_sha256"`
		DataFiles      []report.DataFile `json:"data_files"`
		Shock          string            `json:"shock"`
		AtHours        float64           `json:"at_hours"`
		Target         string            `json:"target"`
		Prob           float64           `json:"prob"`
		Confidence     float64           `json:"confidence"`
		Seed           uint64            `json:"seed"`
		Paths          int               `json:"paths"`
		Status         string            `json:"status"`
		Lo             bpNumber          `json:"lo"`
		Hi             bpNumber          `json:"hi"`
		Width          bpNumber          `json:"width"`
		SafeBelow      bpNumber          `json:"safe_below"`
		BreachAt       bpNumber          `json:"breach_at"`
		Straddling     []bpNumber        `json:"straddling"`
		Monotone       bool              `json:"monotone"`
		Points         []point           `json:"points"`
	}{Scenario: sc.Name, ScenarioSHA256: sc.SHA256(), DataFiles: dataFiles(sc), Shock: string(r.Shock), AtHours: r.At.Hours(), Target: r.Target, Prob: r.Prob,
		Confidence: experiments.BreakpointConfidence, Seed: r.Seed, Paths: r.Paths, Status: r.Status,
		Lo: bpNumber(r.Lo), Hi: bpNumber(r.Hi), Width: bpNumber(r.Width), SafeBelow: bpNumber(r.SafeBelow),
		BreachAt: bpNumber(r.BreachAt), Straddling: []bpNumber{}, Monotone: r.Monotone}
	for _, v := range r.Straddling {
		out.Straddling = append(out.Straddling, bpNumber(v))
	}
	for _, p := range r.Points {
		out.Points = append(out.Points, point{bpNumber(p.Size), p.Paths, p.Events, bpNumber(p.P), bpNumber(p.CILow), bpNumber(p.CIHigh), p.Breached})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
