package experiments

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/spiralrisk/spiral/engine/lending"
	"github.com/spiralrisk/spiral/stochastic"
)

// A model choice is a mapping whose `model:` key selects the type of the
// other keys. Each kind of choice has a registry; adding a price process or
// a withdrawal behaviour is adding one entry to its registry (in init
// below) and one parameter struct with yaml tags and defaults. The struct
// may hold lists and nested choices (a scripted shock holds its base price
// model); the decoder, the problem paths ("market.price.base.volatility")
// and Resolved follow. Range checks stay in the engine type's Validate,
// whose field names must match the yaml names. Parameters that read a file
// implement fileLoader (files.go). depositors.withdrawals may also be a list
// of models, which act together ([stochastic.Combined]).
//
// The parameter structs of the price processes are in prices.go, those of
// the withdrawal behaviours in withdrawals.go.

// PriceSpec is the file form of a price process.
type PriceSpec interface {
	// PriceProcess returns the process with these parameters.
	PriceProcess() stochastic.PriceProcess
	// InitialPrice is the price at time 0 with these parameters, USD: the
	// price every path starts at (the generated position book is built at
	// it). 0 when it is unknown (a price file that could not be read).
	InitialPrice() float64
}

// RateSpec is the file form of a borrow-rate model.
type RateSpec interface {
	// RateModel returns the rate model with these parameters.
	RateModel() lending.RateModel
}

// WithdrawalSpec is the file form of a withdrawal behaviour.
type WithdrawalSpec interface {
	// WithdrawalBehaviour returns the behaviour with these parameters.
	WithdrawalBehaviour() stochastic.WithdrawalBehaviour
}

// PriceModel is the collateral price process selected by market.price.model.
type PriceModel struct {
	// Model is the registry name, e.g. "gbm".
	Model string
	// Spec points to the model's parameters, e.g. *GBM.
	Spec PriceSpec
}

// RateModel is the borrow-rate model selected by pool.rate_model.model.
type RateModel struct {
	// Model is the registry name, e.g. "kinked".
	Model string
	// Spec points to the model's parameters, e.g. *Kinked.
	Spec RateSpec
}

// WithdrawalModel is the withdrawal behaviour selected by
// depositors.withdrawals.model, or a list of behaviours acting together
// ([stochastic.Combined], in list order) when depositors.withdrawals is a
// list.
type WithdrawalModel struct {
	// Model is the registry name, e.g. "self_exciting"; "" for a list.
	Model string
	// Spec points to the model's parameters, e.g. *SelfExciting; nil for a
	// list.
	Spec WithdrawalSpec
	// Parts are the entries of a list, each a single model; nil for a
	// single model.
	Parts []WithdrawalModel
}

// Model describes one registered model.
type Model struct {
	// Name is what the `model:` key says.
	Name string
	// Summary is a one-line description.
	Summary string
}

// registry is the set of models of one kind.
type registry[S any] struct {
	kind    string // e.g. "price model", for messages
	entries []entry[S]
}

type entry[S any] struct {
	Model
	// new returns a pointer to a yaml-tagged parameter struct holding the
	// model's defaults.
	new func() S
}

func (r *registry[S]) add(name, summary string, new func() S) {
	r.entries = append(r.entries, entry[S]{Model{name, summary}, new})
	sort.Slice(r.entries, func(i, j int) bool { return r.entries[i].Name < r.entries[j].Name })
}

func (r *registry[S]) lookup(name string) (entry[S], bool) {
	for _, e := range r.entries {
		if e.Name == name {
			return e, true
		}
	}
	return entry[S]{}, false
}

func (r *registry[S]) names() []string {
	out := make([]string, len(r.entries))
	for i, e := range r.entries {
		out[i] = e.Name
	}
	return out
}

func (r *registry[S]) models() []Model {
	out := make([]Model, len(r.entries))
	for i, e := range r.entries {
		out[i] = e.Model
	}
	return out
}

var (
	priceModels      = &registry[PriceSpec]{kind: "price model"}
	rateModels       = &registry[RateSpec]{kind: "rate model"}
	withdrawalModels = &registry[WithdrawalSpec]{kind: "withdrawal model"}
)

func init() {
	priceModels.add("gbm", "geometric Brownian motion (initial, drift, volatility)",
		func() PriceSpec { return &GBM{} })
	priceModels.add("merton", "Merton jump-diffusion (initial, drift, volatility, jump_intensity, jump_mean, jump_std_dev)",
		func() PriceSpec { return &Merton{} })
	priceModels.add("garch_t", "GARCH(1,1) with Student-t shocks (initial, interval, log_drift, omega, alpha, beta, nu)",
		func() PriceSpec { return &GARCHT{Interval: Duration(Day)} })
	priceModels.add("regime_switching", "GBM switching between a calm and a stress regime (initial, calm, stress, calm_to_stress, stress_to_calm, start)",
		func() PriceSpec { return &RegimeSwitching{Start: string(stochastic.StartCalm)} })
	priceModels.add("historical", "replay of a recorded price history from a CSV file (file, offset, initial)",
		func() PriceSpec { return &Historical{} })
	priceModels.add("bootstrap", "block bootstrap of a CSV file's log returns (file, initial, block_length)",
		func() PriceSpec { return &Bootstrap{BlockLength: 1} })
	priceModels.add("scripted", "a base model times a scripted level (base, points)",
		func() PriceSpec { return &Scripted{} })
	priceModels.add("bridge", "a base model pulled to a level at a time by a Brownian bridge (base, at, level)",
		func() PriceSpec { return &Bridge{} })
	rateModels.add("kinked", "Aave v3 default strategy (base, slope1, slope2, optimal)",
		func() RateSpec { return &Kinked{} })
	rateModels.add("jump_rate", "Compound v2 JumpRateModelV2 (base, multiplier, jump_multiplier, kink)",
		func() RateSpec { return &JumpRate{} })
	withdrawalModels.add("self_exciting", "Hawkes-like panic driven by stress signals",
		func() WithdrawalSpec { return &SelfExciting{HalfLife: Duration(12 * time.Hour)} })
	withdrawalModels.add("thresholds", "cohorts that run once when a noisy stress index crosses their threshold (global games)",
		func() WithdrawalSpec { return &Thresholds{Cohorts: 10} })
	withdrawalModels.add("whales", "large withdrawals arriving as compound Poisson with Pareto sizes",
		func() WithdrawalSpec { return &Whales{} })
}

// PriceModels lists the price processes market.price.model accepts.
func PriceModels() []Model { return priceModels.models() }

// RateModels lists the rate models pool.rate_model.model accepts.
func RateModels() []Model { return rateModels.models() }

// WithdrawalModels lists the behaviours depositors.withdrawals.model accepts.
func WithdrawalModels() []Model { return withdrawalModels.models() }

func (m *PriceModel) decodeNode(d *decoder, n ast.Node, path string) {
	decodeChoice(d, n, path, priceModels, &m.Model, &m.Spec)
}

func (m *RateModel) decodeNode(d *decoder, n ast.Node, path string) {
	decodeChoice(d, n, path, rateModels, &m.Model, &m.Spec)
}

// decodeNode reads one model (a mapping) or a list of them.
func (m *WithdrawalModel) decodeNode(d *decoder, n ast.Node, path string) {
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		decodeChoice(d, n, path, withdrawalModels, &m.Model, &m.Spec)
		return
	}
	if len(seq.Values) == 0 {
		d.problem(n, path, "an empty list; give one behaviour (a mapping with a model key) or a list of them")
		return
	}
	parts := make([]WithdrawalModel, len(seq.Values))
	for i, item := range seq.Values {
		ip := fmt.Sprintf("%s.%d", path, i)
		if item = d.resolve(item, ip); item == nil {
			continue
		}
		// Entries are single models: a list in a list is a mistake.
		decodeChoice(d, item, ip, withdrawalModels, &parts[i].Model, &parts[i].Spec)
	}
	m.Model, m.Spec, m.Parts = "", nil, parts
}

// list returns the entries of a list of behaviours, for the encoder.
func (m WithdrawalModel) list() (reflect.Value, bool) {
	return reflect.ValueOf(m.Parts), m.Parts != nil
}

// Behaviour returns the behaviour, a [stochastic.Combined] for a list; nil
// when the model is missing.
func (m WithdrawalModel) Behaviour() stochastic.WithdrawalBehaviour {
	if m.Parts != nil {
		parts := make([]stochastic.WithdrawalBehaviour, len(m.Parts))
		for i, p := range m.Parts {
			parts[i] = p.Behaviour()
		}
		return stochastic.Combined{Parts: parts}
	}
	if m.Spec == nil {
		return nil
	}
	return m.Spec.WithdrawalBehaviour()
}

// Process returns the price process; nil when the model is missing.
func (m PriceModel) Process() stochastic.PriceProcess {
	if m.Spec == nil {
		return nil
	}
	return m.Spec.PriceProcess()
}

// initialPrice is the model's price at time 0, USD; 0 when unknown.
func (m PriceModel) initialPrice() float64 {
	if m.Spec == nil {
		return 0
	}
	return m.Spec.InitialPrice()
}

func (m PriceModel) choice() (string, any)      { return m.Model, m.Spec }
func (m RateModel) choice() (string, any)       { return m.Model, m.Spec }
func (m WithdrawalModel) choice() (string, any) { return m.Model, m.Spec }

// decodeChoice reads the `model:` key of the mapping n, creates that model's
// parameters with their defaults and decodes the other keys into them.
func decodeChoice[S any](d *decoder, n ast.Node, path string, reg *registry[S], name *string, spec *S) {
	entries, ok := mappingEntries(n)
	if !ok {
		d.wrongType(n, path, "a mapping with a model key")
		return
	}
	modelPath := join(path, "model")
	var modelEntry *ast.MappingValueNode
	for _, mv := range entries {
		if k, ok := mv.Key.(*ast.StringNode); ok && k.Value == "model" {
			modelEntry = mv
			break
		}
	}
	if modelEntry == nil {
		line, col := d.at(path, n)
		d.problemAt(line, col, modelPath, "missing required key; one of: %s", strings.Join(reg.names(), ", "))
		return
	}
	d.record(modelPath, modelEntry)
	value := d.resolve(modelEntry.Value, modelPath)
	if value == nil {
		return
	}
	s, ok := d.str(value, modelPath)
	if !ok {
		return
	}
	e, ok := reg.lookup(s)
	if !ok {
		hint := ""
		if c := closest(s, reg.names()); c != "" {
			hint = "did you mean " + `"` + c + `"? `
		}
		d.problem(value, modelPath, "unknown %s %q; %sknown models: %s", reg.kind, s, hint, strings.Join(reg.names(), ", "))
		return
	}
	params := e.new()
	d.decodeStruct(n, reflect.ValueOf(params).Elem(), path, []string{"model"})
	if l, ok := any(params).(fileLoader); ok {
		l.load(d, path)
	}
	*name, *spec = s, params
}

// GBM is geometric Brownian motion, [stochastic.GBM].
type GBM struct {
	// Initial is the price at time 0, USD, > 0. Required.
	Initial float64 `yaml:"initial,required"`
	// Drift is the annual drift μ, in [-10, 10]. Default 0.
	Drift float64 `yaml:"drift"`
	// Volatility is the annual volatility σ of log returns, in [0, 10].
	// Required.
	Volatility float64 `yaml:"volatility,required"`
}

// PriceProcess returns the process.
func (g *GBM) PriceProcess() stochastic.PriceProcess {
	return stochastic.GBM{Initial: g.Initial, Drift: g.Drift, Volatility: g.Volatility}
}

// InitialPrice is Initial.
func (g *GBM) InitialPrice() float64 { return g.Initial }

// Kinked is Aave v3's default rate strategy, [lending.Kinked]. Rates are
// annual fractions.
type Kinked struct {
	// Base is the borrow rate at zero utilization, in [0, 10]. Default 0.
	Base float64 `yaml:"base"`
	// Slope1 is the rate added from 0 to Optimal, in [0, 10]. Required.
	Slope1 float64 `yaml:"slope1,required"`
	// Slope2 is the rate added from Optimal to 1, in [0, 100]. Required.
	Slope2 float64 `yaml:"slope2,required"`
	// Optimal is the kink utilization, in (0, 1). Required.
	Optimal float64 `yaml:"optimal,required"`
}

// RateModel returns the rate model.
func (k *Kinked) RateModel() lending.RateModel {
	return lending.Kinked{Base: k.Base, Slope1: k.Slope1, Slope2: k.Slope2, Optimal: k.Optimal}
}

// JumpRate is Compound v2's JumpRateModelV2 in annual terms,
// [lending.JumpRate].
type JumpRate struct {
	// Base is the borrow rate at zero utilization, in [0, 10]. Default 0.
	Base float64 `yaml:"base"`
	// Multiplier is the rate added from 0 to Kink, in [0, 10]. Required.
	Multiplier float64 `yaml:"multiplier,required"`
	// JumpMultiplier is the slope above Kink per unit of utilization, in
	// [0, 1000]. Required.
	JumpMultiplier float64 `yaml:"jump_multiplier,required"`
	// Kink is the utilization where the jump starts, in (0, 1]. Required.
	Kink float64 `yaml:"kink,required"`
}

// RateModel returns the rate model.
func (j *JumpRate) RateModel() lending.RateModel {
	return lending.JumpRate{Base: j.Base, Multiplier: j.Multiplier, JumpMultiplier: j.JumpMultiplier, Kink: j.Kink}
}

// SelfExciting is the Hawkes-like panic withdrawal process,
// [stochastic.SelfExciting]. Omitted triggers are off.
type SelfExciting struct {
	// Baseline is the calm withdrawal rate, fraction of the balance per day,
	// in [0, 1]. Required.
	Baseline float64 `yaml:"baseline,required"`
	// HalfLife is the half-life of panic intensity, in [1m, 365d]. Default 12h.
	HalfLife Duration `yaml:"half_life"`
	// Excitation is the branching ratio, in [0, 1). Default 0.
	Excitation float64 `yaml:"excitation"`
	// NoiseSigma is the log-sd of the per-step noise, in [0, 3]. Default 0.
	NoiseSigma float64 `yaml:"noise_sigma"`
	// Triggers by signal; see [stochastic.Signals]. Default off.
	Utilization Trigger `yaml:"utilization"`
	Drawdown    Trigger `yaml:"drawdown"`
	UnmetQueue  Trigger `yaml:"unmet_queue"`
	Depeg       Trigger `yaml:"depeg"`
	BadDebt     Trigger `yaml:"bad_debt"`
}

// Trigger turns a stress signal into panic, [stochastic.Trigger]. When a
// trigger is given, both keys are required.
type Trigger struct {
	// Level is the signal value above which the trigger acts, in [0, 1].
	Level float64 `yaml:"level,required"`
	// Weight is the panic intensity per day added per unit of signal above
	// Level, in [0, 100]; 0 turns the trigger off.
	Weight float64 `yaml:"weight,required"`
}

func (t Trigger) std() stochastic.Trigger {
	return stochastic.Trigger{Level: t.Level, Weight: t.Weight}
}

// WithdrawalBehaviour returns the behaviour.
func (p *SelfExciting) WithdrawalBehaviour() stochastic.WithdrawalBehaviour {
	return stochastic.SelfExciting{
		Baseline:    p.Baseline,
		HalfLife:    p.HalfLife.Std(),
		Excitation:  p.Excitation,
		NoiseSigma:  p.NoiseSigma,
		Utilization: p.Utilization.std(),
		Drawdown:    p.Drawdown.std(),
		UnmetQueue:  p.UnmetQueue.std(),
		Depeg:       p.Depeg.std(),
		BadDebt:     p.BadDebt.std(),
	}
}
