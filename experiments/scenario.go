package experiments

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/spiralrisk/spiral/engine"
	"github.com/spiralrisk/spiral/engine/lending"
)

// Scenario is a scenario file. The yaml tags are the file's keys; keys
// marked required must be given, the others default as documented here and
// in [Scenario.Resolved]. Amounts are USD, rates annual fractions.
type Scenario struct {
	// Name identifies the scenario. Required, not empty.
	Name string `yaml:"name,required"`
	// Description says what the scenario represents and where its numbers
	// came from. Default empty.
	Description string `yaml:"description"`
	// Seed keys every random stream, any uint64. Default 1.
	Seed uint64 `yaml:"seed"`
	// Paths is the number of Monte Carlo paths, in [1, 1e9]. Required.
	Paths int `yaml:"paths,required"`
	// Horizon is the simulated time of one path, a whole number of steps
	// in [step, 3650d]. Required.
	Horizon Duration `yaml:"horizon,required"`
	// Step is the length of one step, in [1m, 7d]. Required.
	Step Duration `yaml:"step,required"`
	// Start is the calendar time at which paths start, RFC 3339 (UTC
	// "2023-03-10T00:00:00Z") or a plain date ("2023-03-10", read as
	// midnight UTC and resolved as "2023-03-10T00:00:00Z"); a stablecoin's
	// redemption calendar counts weekends and holidays from it. Default
	// DefaultStart (a Monday).
	Start string `yaml:"start"`
	// Market holds the exogenous prices. Required.
	Market Market `yaml:"market,required"`
	// Pool is the lending pool. Required.
	Pool Pool `yaml:"pool,required"`
	// Positions is the book of liquidatable positions; nil (absent) leaves
	// the pool without liquidations. Requires Liquidators.
	Positions *Positions `yaml:"positions"`
	// Liquidators are the keepers, the liquidation rules, the DEX and the
	// backstop; only with Positions.
	Liquidators *Liquidators `yaml:"liquidators"`
	// Oracle is the protocol's price feed; only with Positions. Default
	// (nil): [Oracle]'s defaults.
	Oracle *Oracle `yaml:"oracle"`
	// Depositors is how depositors leave and arrive. Required.
	Depositors Depositors `yaml:"depositors,required"`
	// Stablecoin adds a stablecoin run coupled to the pool. Default (nil):
	// none.
	Stablecoin *Stablecoin `yaml:"stablecoin"`
	// Policy holds the circuit breakers: pauses, governance changes and
	// stewards. Default (nil): none.
	Policy *Policy `yaml:"policy"`
	// Outputs selects what is recorded besides the per-path summary.
	Outputs Outputs `yaml:"outputs"`

	// File is the file the scenario was read from (or the preset's file
	// name); problems are reported against it.
	File string `yaml:"-"`
	// Dir is the directory that relative data-file paths (price histories,
	// position snapshots) are relative to: File's directory, the current
	// directory for an embedded preset.
	Dir string `yaml:"-"`

	// positions maps field paths to where they are in File.
	positions map[string]position
	// books keeps the position book built by Parse for Config.
	books *bookCache
	// data holds the data files read and their digests (files.go); a
	// sweep's variants share their sweep's.
	data *dataStore

	// Sweep is the file's sweep section: the variants to run of this
	// scenario (`spiral sweep`). Default (nil): none. See [Sweep].
	Sweep *Sweep `yaml:"-"`
	// source is the file's text, kept for a sweep: each variant is parsed
	// from it with the variant's values set.
	source []byte
}

// Market holds the exogenous prices.
type Market struct {
	// Price is the collateral price process (USD). Required.
	Price PriceModel `yaml:"price,required"`
}

// Pool is the lending pool's initial state, rate model, caps and borrowers;
// see [lending.Params].
type Pool struct {
	// Deposits are the initial deposits, USD in (0, 1e13]. Required.
	Deposits float64 `yaml:"deposits,required"`
	// Utilization is the initial borrows / deposits, in [0, 1). Required.
	Utilization float64 `yaml:"utilization,required"`
	// Reserves are the protocol's initial reserves, USD in [0, deposits].
	// Default 0.
	Reserves float64 `yaml:"reserves"`
	// ReserveFactor is the share of borrow interest kept as reserves, in
	// [0, 1). Default 0.
	ReserveFactor float64 `yaml:"reserve_factor"`
	// SupplyCap bounds total deposits, USD; 0 = no cap. Default 0.
	SupplyCap float64 `yaml:"supply_cap"`
	// BorrowCap bounds total borrows, USD; 0 = no cap. Default 0.
	BorrowCap float64 `yaml:"borrow_cap"`
	// RateModel maps utilization to the borrow rate. Required.
	RateModel RateModel `yaml:"rate_model,required"`
	// Borrowers is how borrowers respond to the rate. Default: they do not
	// respond (elasticities 0).
	Borrowers Borrowers `yaml:"borrowers"`
}

// Borrowers is how borrowers respond to the borrow rate; see
// [engine.Borrowers].
type Borrowers struct {
	// ToleranceAPR is the borrow rate above which borrowers repay, annual
	// fraction in (0, 100]. Default 0.10.
	ToleranceAPR float64 `yaml:"tolerance_apr"`
	// RepayElasticity is the fraction of borrows repaid per day per unit of
	// relative excess rate, in [0, 10]. Default 0 (no repayment).
	RepayElasticity float64 `yaml:"repay_elasticity"`
	// MaxRepayPerDay caps repayments, fraction of borrows per day in [0, 1].
	// Default 1 (no cap).
	MaxRepayPerDay float64 `yaml:"max_repay_per_day"`
	// CheapAPR is the borrow rate below which borrowers borrow more, annual
	// fraction in [0, tolerance_apr]. Default 0.
	CheapAPR float64 `yaml:"cheap_apr"`
	// BorrowElasticity is the fraction of borrows added per day per unit of
	// relative shortfall below CheapAPR, in [0, 10]. Default 0 (no new
	// borrowing).
	BorrowElasticity float64 `yaml:"borrow_elasticity"`
	// MaxBorrowPerDay caps new borrowing, fraction of borrows per day in
	// [0, 1]. Default 1 (no cap).
	MaxBorrowPerDay float64 `yaml:"max_borrow_per_day"`
}

// Depositors is how depositors leave and arrive.
type Depositors struct {
	// Withdrawals is how depositors request withdrawals. Required.
	Withdrawals WithdrawalModel `yaml:"withdrawals,required"`
	// Inflow is how new deposits arrive. Default: none (baseline 0).
	Inflow Inflow `yaml:"inflow"`
}

// Inflow is how new deposits arrive; see [engine.Inflow].
type Inflow struct {
	// Baseline is the calm inflow, fraction of initial deposits per day, in
	// [0, 1]. Default 0.
	Baseline float64 `yaml:"baseline"`
	// Attraction is the extra inflow per unit of relative excess supply
	// APR, fraction of initial deposits per day, in [0, 10]. Default 0.
	Attraction float64 `yaml:"attraction"`
	// ReferenceAPR is the yield available elsewhere, annual fraction in
	// (0, 10]. Default 0.05.
	ReferenceAPR float64 `yaml:"reference_apr"`
	// PanicDamping scales how panic deters deposits, days, in [0, 1e4].
	// Default 0.
	PanicDamping float64 `yaml:"panic_damping"`
	// NoiseSigma is the log-sd of the multiplicative noise, in [0, 3].
	// Default 0.
	NoiseSigma float64 `yaml:"noise_sigma"`
}

// Outputs selects what is recorded besides the per-path summary.
type Outputs struct {
	// TracePaths is how many paths, from path 0, record their per-step
	// series, ≥ 0. Default 100.
	TracePaths int `yaml:"trace_paths"`
	// TraceEvery is the time between recorded points, a positive multiple
	// of step. Default: step.
	TraceEvery Duration `yaml:"trace_every"`
	// Warnings are the early-warning indicators' thresholds. Default:
	// [engine.DefaultWarnings].
	Warnings Warnings `yaml:"warnings"`
}

// notYetSupported are the top-level keys of DESIGN §5 that this version
// does not implement; a file using them is rejected rather than having
// them silently ignored.
var notYetSupported = map[string]bool{}

// defaultScenario returns a scenario holding every default.
func defaultScenario() *Scenario {
	return &Scenario{
		Seed:  1,
		Start: DefaultStart,
		Pool:  Pool{Borrowers: Borrowers{ToleranceAPR: 0.10, MaxRepayPerDay: 1, MaxBorrowPerDay: 1}},
		Depositors: Depositors{
			Inflow: Inflow{ReferenceAPR: 0.05},
		},
		Outputs: Outputs{TracePaths: 100, Warnings: defaultWarnings()},
		books:   new(bookCache),
		data:    new(dataStore),
	}
}

// Parse decodes and validates a scenario file; filename is used in
// problems, and relative data-file paths in the scenario are relative to
// its directory (for a bare file name, the current directory). It returns
// an [*Error] listing every problem found. Data files (price histories,
// position snapshots) are read, and a generated position book is built,
// here; [Scenario.Config] reuses them.
func Parse(filename string, data []byte) (*Scenario, error) {
	return ParseIn(filepath.Dir(filename), filename, data)
}

// ParseIn is [Parse] with relative data-file paths taken relative to dir,
// for a scenario text stored away from its data, such as the resolved
// scenario recorded with a run's outputs.
func ParseIn(dir, filename string, data []byte) (*Scenario, error) {
	return parseScenario(dir, filename, data, nil, nil)
}

// parseScenario is [ParseIn]; with a variant it parses the scenario of one
// variant of sweep's file instead: the base with the variant's values set
// at its axes' field paths (before the defaults that depend on other
// fields are filled in and before validation), without the sweep section.
// The variant shares the sweep's data files and position book.
func parseScenario(dir, filename string, data []byte, variant *Variant, sweep *Scenario) (*Scenario, error) {
	d := newDecoder(filename)
	d.notYet = notYetSupported
	d.dir = dir
	body, ok := d.parseDocument(data)
	if !ok {
		return nil, errorOf(d.problems)
	}
	s := defaultScenario()
	s.File = filename
	s.Dir = dir
	s.positions = d.positions
	if sweep != nil {
		s.data, s.books = sweep.store(), sweep.books
	}
	d.data = s.data
	body, sweepEntry := splitSweep(body)
	if body == nil {
		d.problemAt(1, 1, "", "empty scenario")
	} else {
		d.decode(body, reflect.ValueOf(s).Elem(), "")
	}
	if variant != nil {
		d.applyVariant(s, variant)
	}
	if _, given := d.positions["outputs.trace_every"]; !given {
		s.Outputs.TraceEvery = s.Step
	}
	checkBookKeys(d, s.Positions)
	normalizeStart(s)
	fillStablecoinDefaults(s)
	if s.Positions != nil && s.Oracle == nil {
		// Written out by Resolved with its defaults.
		s.Oracle = new(Oracle)
		s.Oracle.setDefaults()
	}
	// The problems of decoding the scenario itself; those of the sweep
	// section (whose axis values have the field paths of the scenario's
	// fields) concern the sweep's values, not the scenario's fields.
	decoded := len(d.problems)
	if sweepEntry != nil && variant == nil {
		s.Sweep = d.decodeSweep(sweepEntry, s)
		s.source = data
	}
	problems := d.problems
	for _, c := range s.checks(len(d.problems) > 0) {
		if !overlaps(c.Field, d.problems[:decoded]) {
			problems = append(problems, c)
		}
	}
	problems = withoutConsequences(problems, len(d.problems))
	if s.Sweep != nil && len(problems) == 0 {
		// After the checks, which read the base's position book.
		problems = append(problems, s.readAxisFiles()...)
	}
	if err := errorOf(problems); err != nil {
		return nil, err
	}
	return s, nil
}

// checks returns the problems of s.build. After decoding problems a model's
// parameters may be incomplete (a nested model left nil); a conversion that
// panics on them only loses the range checks, which the user sees after
// fixing the decoding problems.
func (s *Scenario) checks(partial bool) (problems []Problem) {
	if partial {
		defer func() {
			if recover() != nil {
				problems = nil
			}
		}()
	}
	_, problems = s.build()
	return problems
}

// overlaps reports whether a decoding problem concerns path, a field inside
// it or a field containing it; a range check on such a field would only
// repeat the problem (the field holds its default or zero).
func overlaps(path string, problems []Problem) bool {
	for _, p := range problems {
		if p.Field == "" || p.Field == path || strings.HasPrefix(p.Field, path+".") || strings.HasPrefix(path, p.Field+".") {
			return true
		}
	}
	return false
}

// Config builds the engine configuration and validates it. Problems are
// located in the scenario's file; a field that is not in the file is
// reported at its nearest parent that is.
func (s *Scenario) Config() (*engine.Config, error) {
	cfg, problems := s.build()
	if err := errorOf(problems); err != nil {
		return nil, err
	}
	return cfg, nil
}

// build converts s to an engine.Config and lists every problem: the checks
// only a file can have (trace_every against step, an empty name) and the
// leaves of engine.Config.Validate.
func (s *Scenario) build() (*engine.Config, []Problem) {
	var problems []Problem
	cfg := &engine.Config{
		Seed:    s.Seed,
		Paths:   s.Paths,
		Horizon: s.Horizon.Std(),
		Step:    s.Step.Std(),
		Pool: lending.Params{
			Deposits:      s.Pool.Deposits,
			Utilization:   s.Pool.Utilization,
			Reserves:      s.Pool.Reserves,
			ReserveFactor: s.Pool.ReserveFactor,
			SupplyCap:     s.Pool.SupplyCap,
			BorrowCap:     s.Pool.BorrowCap,
		},
		Borrowers: engine.Borrowers{
			ToleranceAPR:     s.Pool.Borrowers.ToleranceAPR,
			RepayElasticity:  s.Pool.Borrowers.RepayElasticity,
			MaxRepayPerDay:   s.Pool.Borrowers.MaxRepayPerDay,
			CheapAPR:         s.Pool.Borrowers.CheapAPR,
			BorrowElasticity: s.Pool.Borrowers.BorrowElasticity,
			MaxBorrowPerDay:  s.Pool.Borrowers.MaxBorrowPerDay,
		},
		Inflow: engine.Inflow{
			Baseline:     s.Depositors.Inflow.Baseline,
			Attraction:   s.Depositors.Inflow.Attraction,
			ReferenceAPR: s.Depositors.Inflow.ReferenceAPR,
			PanicDamping: s.Depositors.Inflow.PanicDamping,
			NoiseSigma:   s.Depositors.Inflow.NoiseSigma,
		},
		Trace:    engine.Trace{Paths: s.Outputs.TracePaths, Every: 1},
		Warnings: s.Outputs.Warnings.std(),
	}
	cfg.Price = s.Market.Price.Process()
	if spec := s.Pool.RateModel.Spec; spec != nil {
		cfg.Pool.Rates = spec.RateModel()
	}
	cfg.Withdrawals = s.Depositors.Withdrawals.Behaviour()
	if strings.TrimSpace(s.Name) == "" {
		problems = append(problems, s.problemAt("name", "must not be empty"))
	} else if strings.ContainsAny(s.Name, "\n\r") {
		problems = append(problems, s.problemAt("name", "must be one line"))
	}
	everyChecked := false
	if s.Step > 0 {
		if every, step := s.Outputs.TraceEvery, s.Step; every <= 0 || every%step != 0 {
			problems = append(problems, s.problemAt("outputs.trace_every",
				fmt.Sprintf("must be a positive multiple of step (%v), got %v", step, every)))
			everyChecked = true
		} else {
			cfg.Trace.Every = int(every / step)
		}
	}
	liqProblems, drop := s.liquidation(cfg)
	problems = append(problems, liqProblems...)
	problems = append(problems, s.stablecoin(cfg)...)
	polProblems, polDrop := s.policy(cfg)
	problems = append(problems, polProblems...)
	drop = append(drop, polDrop...)
	dataDrop, dataProblems := s.withoutData(s.Market.Price, "market.price")
	problems = append(problems, dataProblems...)
	drop = append(drop, dataDrop...)
	for _, err := range engine.Problems(cfg.Validate()) {
		path, msg := splitProblem(err.Error())
		if path == "outputs.trace_every" && everyChecked || dropped(path, drop) {
			continue
		}
		path, msg = s.enginePath(path, msg)
		if _, given := s.positions["oracle"]; strings.HasPrefix(path, "oracle") && !given && len(s.positions) > 0 {
			// The oracle's defaults come with the positions.
			p := s.problemAt("positions", msg+" (oracle not set in the file: the default applies)")
			p.Field = path
			problems = append(problems, p)
			continue
		}
		problems = append(problems, s.problemAt(path, msg))
	}
	return cfg, problems
}

// dropped reports whether path is in drop, or under one of its entries
// that end in ".".
func dropped(path string, drop []string) bool {
	for _, d := range drop {
		if path == d || strings.HasSuffix(d, ".") && strings.HasPrefix(path, d) {
			return true
		}
	}
	return false
}

// splitProblem splits "field.path: message" into its path and message.
func splitProblem(text string) (path, msg string) {
	i := strings.Index(text, ": ")
	if i <= 0 {
		return "", text
	}
	for _, c := range text[:i] {
		if !(c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return "", text
		}
	}
	return text[:i], text[i+2:]
}

// withoutConsequences drops the problems from index from on whose check
// compares their field with another field that has a problem of its own:
// "reserves must be in [0, deposits]" when the deposits are negative or
// did not decode, "the book's debt exceeds the pool's borrows" when the
// utilization is "80%", a heartbeat that is not a whole number of steps
// when the step itself is out of range. The field's own value may be
// right; the problem goes away with the other field's.
func withoutConsequences(problems []Problem, from int) []Problem {
	out := problems[:from:from]
	for _, p := range problems[from:] {
		consequence := false
		for _, dep := range dependsOn(p) {
			for _, q := range problems {
				if q.Field == dep || strings.HasPrefix(dep, q.Field+".") && q.Field != "" {
					consequence = true
				}
			}
		}
		if !consequence {
			out = append(out, p)
		}
	}
	return out
}

// dependsOn lists the fields whose values p's check compared p's field
// with, other than p's field itself.
func dependsOn(p Problem) []string {
	var deps []string
	switch {
	case p.Field == "pool.reserves" && strings.Contains(p.Msg, "deposits"):
		deps = append(deps, "pool.deposits")
	case p.Field == "positions" && strings.Contains(p.Msg, "initial borrows"):
		deps = append(deps, "pool.deposits", "pool.utilization", "pool.reserves")
	case p.Field == "pool.borrowers.cheap_apr" && strings.Contains(p.Msg, "tolerance_apr"):
		deps = append(deps, "pool.borrowers.tolerance_apr")
	}
	if p.Field != "step" {
		for _, relative := range []string{"whole number of steps", "whole steps", "multiple of step", "at least one step", "[step, "} {
			if strings.Contains(p.Msg, relative) {
				deps = append(deps, "step")
				break
			}
		}
	}
	return deps
}

// goDuration matches a duration as Go's time.Duration prints it when it
// has minutes ("1h0m0s", "30m0s", "-336h0m0s"), which engine messages
// contain; scenarioDurations rewrites them as a scenario writes them.
var goDuration = regexp.MustCompile(`(^|[^0-9A-Za-z.])(-?(?:[0-9]+h)?[0-9]+m[0-9]+(?:\.[0-9]+)?s)\b`)

// scenarioDurations rewrites the durations in msg that Go's time.Duration
// printed ("192h0m0s") as a scenario writes them ("8d"), so that a
// message shows the units of the file.
func scenarioDurations(msg string) string {
	return goDuration.ReplaceAllStringFunc(msg, func(m string) string {
		sub := goDuration.FindStringSubmatch(m)
		d, err := time.ParseDuration(sub[2])
		if err != nil {
			return m
		}
		return sub[1] + Duration(d).String()
	})
}

// problemAt locates a problem about the field at path in s's file: at the
// field's value (or key, for a mapping), else at the nearest parent present
// in the file.
func (s *Scenario) problemAt(path, msg string) Problem {
	p := Problem{File: s.File, Field: path, Msg: scenarioDurations(msg)}
	if pos, ok := s.positions[path]; ok {
		if pos.collection {
			p.Line, p.Column = pos.keyLine, pos.keyColumn
		} else {
			p.Line, p.Column = pos.valueLine, pos.valueColumn
		}
		return p
	}
	if len(s.positions) == 0 {
		return p
	}
	p.Msg += " (not set in the file: the default applies)"
	for parent := path; parent != ""; {
		i := strings.LastIndexByte(parent, '.')
		if i < 0 {
			break
		}
		parent = parent[:i]
		if pos, ok := s.positions[parent]; ok {
			p.Line, p.Column = pos.keyLine, pos.keyColumn
			return p
		}
	}
	p.Line, p.Column = 1, 1
	return p
}

// Resolved returns the scenario as YAML with every default filled in: what
// `spiral validate` prints and what run outputs record. Parsing it gives the
// same configuration. When the scenario reads data files it ends with a
// comment listing them ([Scenario.DataFiles]), each with the SHA-256 and
// size of its contents:
//
//	# data files: the scenario's sha256 covers their contents
//	#   - {field: market.price.file, path: prices.csv, sha256: 9f86d08…, size_bytes: 2011}
//
// Without data files (every embedded preset) there is no such comment.
func (s *Scenario) Resolved() []byte {
	b := encode(s)
	if s.Sweep != nil {
		b = append(b, s.Sweep.encode()...)
	}
	return append(b, dataFilesComment(s.DataFiles())...)
}

// SHA256 is the hex SHA-256 of [Scenario.Resolved]; it identifies the run's
// inputs (apart from the flags that override them): the scenario and the
// contents of the data files it reads. The same contents at another path
// as written give another hash (the path is part of the scenario); the
// same path as written, resolved against another directory, with the same
// contents gives the same hash.
func (s *Scenario) SHA256() string {
	sum := sha256.Sum256(s.Resolved())
	return hex.EncodeToString(sum[:])
}
