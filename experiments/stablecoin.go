package experiments

import (
	"fmt"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/spiralrisk/spiral/engine"
	"github.com/spiralrisk/spiral/engine/stablecoin"
)

// The stablecoin section: a stablecoin run coupled to the pool, built into
// an [engine.Stablecoin]. Its backing is a model choice (backingModels):
// `reserves` or `algorithmic`.

// DefaultStart is the scenario's start when `start` is omitted: a Monday.
const DefaultStart = "2024-01-01T00:00:00Z"

// Stablecoin is a stablecoin, its secondary market, its holders and its
// backing; see [stablecoin.Model].
type Stablecoin struct {
	// Coupling is how the stablecoin feeds into the pool: signal (a panic
	// signal for depositors only), asset (the pool's asset) or collateral
	// (the positions' collateral, priced at the price process × the
	// stablecoin's price). Default signal.
	Coupling string `yaml:"coupling"`
	// Supply is the tokens outstanding at the start, in (0, 1e13]. Required.
	Supply float64 `yaml:"supply,required"`
	// Market is the secondary market. Required.
	Market StableMarket `yaml:"market,required"`
	// Holders is how holders sell and redeem. Required.
	Holders StableHolders `yaml:"holders,required"`
	// Events are news and scheduled sales. Default none.
	Events []StableEvent `yaml:"events"`
	// Backing is what stands behind the token. Required.
	Backing BackingModel `yaml:"backing,required"`
	// DipBuyers are speculators who buy at deep discounts. Default none.
	DipBuyers *DipBuyers `yaml:"dip_buyers"`
}

// DipBuyers are speculators with limited capital who buy a collapsed
// stablecoin, [stablecoin.DipBuyers].
type DipBuyers struct {
	// CapitalUSD is what they can spend in all, USD in (0, 1e13]. Required.
	CapitalUSD float64 `yaml:"capital_usd,required"`
	// DepthUSD is the value of the position they want as the price goes
	// to 0, USD in (0, 1e13]. Required.
	DepthUSD float64 `yaml:"depth_usd,required"`
	// Ceiling is the price below which they bid, in (0, 1). Required.
	Ceiling float64 `yaml:"ceiling,required"`
	// PanicDrain is how strongly the holders' panic pulls their bids, per
	// unit of panic intensity (days), in [0, 100]. Default 0.
	PanicDrain float64 `yaml:"panic_drain"`
}

// StableMarket is the secondary market, [stablecoin.Market].
type StableMarket struct {
	// A is the StableSwap amplification as Curve stores it, in [1, 1e6].
	// Required.
	A float64 `yaml:"a,required"`
	// Fee is the swap fee, in [0, 0.05]. Default 0.0004 (Curve's 4 bp).
	Fee float64 `yaml:"fee"`
	// SizeUSD is the pool's total balance at the start, USD in (0, 1e13].
	// Required.
	SizeUSD float64 `yaml:"size_usd,required"`
	// StableShare is the stablecoin's share of the balance at the start, in
	// [0.05, 0.95]. Default 0.5 (balanced).
	StableShare float64 `yaml:"stable_share"`
}

// StableHolders is how holders sell and redeem, [stablecoin.Holders].
type StableHolders struct {
	// Baseline is the calm outflow, fraction of the float per day, in
	// [0, 1]. Required.
	Baseline float64 `yaml:"baseline,required"`
	// HalfLife is the half-life of panic, in [1m, 365d]. Default 12h.
	HalfLife Duration `yaml:"half_life"`
	// Excitation is the branching ratio, in [0, 1). Default 0.
	Excitation float64 `yaml:"excitation"`
	// NoiseSigma is the log-sd of the per-step noise, in [0, 3]. Default 0.
	NoiseSigma float64 `yaml:"noise_sigma"`
	// Depeg is the trigger on 1 − price. Default off.
	Depeg Trigger `yaml:"depeg"`
	// Shortfall is the trigger on 1 − backing/supply (reserves: frozen
	// deposits at their expected recovery; algorithmic: the governance
	// token's market cap plus the defense's reserve).
	// Default off.
	Shortfall Trigger `yaml:"shortfall"`
	// RedeemShare is the share of the outflow queued for redemption at par
	// (reserves only), in [0, 1]. Default 0.
	RedeemShare float64 `yaml:"redeem_share"`
	// WithdrawnSellShare is the share of tokens withdrawn from the pool
	// (asset coupling) sold at once, in [0, 1]. Default 0.
	WithdrawnSellShare float64 `yaml:"withdrawn_sell_share"`
	// Inert is the share of the initial supply that never trades, in
	// [0, 1). Default 0.
	Inert float64 `yaml:"inert"`
}

// StableEvent is news or a scheduled sale, [stablecoin.Event].
type StableEvent struct {
	// At is the path time, a whole number of steps. Required.
	At Duration `yaml:"at,required"`
	// Panic is added to the holders' panic intensity, per day, in
	// [-100, 100]. Default 0.
	Panic float64 `yaml:"panic"`
	// SellUSD is sold from the float into the market, tokens in [0, 1e13].
	// Default 0.
	SellUSD float64 `yaml:"sell_usd"`
}

// BackingSpec is the file form of a stablecoin's backing.
type BackingSpec interface {
	// setBacking sets the backing of m; it returns problems of values
	// that only a file can have, as (field path under the backing, message).
	setBacking(m *stablecoin.Model) (problems [][2]string)
}

// BackingModel is the backing selected by stablecoin.backing.model.
type BackingModel struct {
	// Model is the registry name, e.g. "reserves".
	Model string
	// Spec points to the model's parameters, e.g. *Reserves.
	Spec BackingSpec
}

var backingModels = &registry[BackingSpec]{kind: "stablecoin backing model"}

func init() {
	backingModels.add("reserves", "reserves redeemable at par: cash, bills, a bank that can fail; calendar, capacity, arbitrageurs",
		func() BackingSpec { return newReserves() })
	backingModels.add("algorithmic", "mint/burn swap against a governance token through a virtual-pool spread; optional reserve defense",
		func() BackingSpec { return &Algorithmic{Governance: Governance{Fee: 0.003}} })
}

// BackingModels lists the backings stablecoin.backing.model accepts.
func BackingModels() []Model { return backingModels.models() }

func (m *BackingModel) decodeNode(d *decoder, n ast.Node, path string) {
	decodeChoice(d, n, path, backingModels, &m.Model, &m.Spec)
}

func (m BackingModel) choice() (string, any) { return m.Model, m.Spec }

// Reserves is a reserve-backed stablecoin, [stablecoin.Reserve].
type Reserves struct {
	// CashUSD is cash at healthy banks, USD in [0, 1e13]. Required.
	CashUSD float64 `yaml:"cash_usd,required"`
	// BillsUSD are bills and repo, USD in [0, 1e13]. Default 0.
	BillsUSD float64 `yaml:"bills_usd"`
	// BillsLag is the time from a bill sale to its cash, whole steps in
	// [0, 30d]. Default 1d.
	BillsLag Duration `yaml:"bills_lag"`
	// Bank is the bank that may fail. Default none.
	Bank Bank `yaml:"bank"`
	// CapacityUSD is the redemptions paid per open hour, USD in (0, 1e13].
	// Required.
	CapacityUSD float64 `yaml:"capacity_usd,required"`
	// Calendar is when redemptions are open. Default weekdays 13–21 UTC
	// (9:00–17:00 in New York in daylight-saving time), no holidays.
	Calendar Calendar `yaml:"calendar"`
	// Arbitrageurs buy below the peg and redeem. Default none.
	Arbitrageurs Arbitrageurs `yaml:"arbitrageurs"`
}

func newReserves() *Reserves {
	return &Reserves{BillsLag: Duration(Day), Calendar: Calendar{OpenHour: 13, CloseHour: 21, Holidays: []string{}},
		Arbitrageurs: Arbitrageurs{}}
}

// Bank holds part of the reserves, [stablecoin.Bank].
type Bank struct {
	// DepositsUSD are the reserves at the bank, USD in [0, 1e13]. Default 0.
	DepositsUSD float64 `yaml:"deposits_usd"`
	// Failure is when and how it fails. Default: it does not.
	Failure *Failure `yaml:"failure"`
}

// Failure is a bank failure, [stablecoin.Failure].
type Failure struct {
	// At is the failure, whole steps. Required.
	At Duration `yaml:"at,required"`
	// ExpectedHaircut is the loss the market expects until the guarantee,
	// in [0, 1]. Required.
	ExpectedHaircut float64 `yaml:"expected_haircut,required"`
	// GuaranteeAt is when the recovery is announced, in [at, recovery_at].
	// Default recovery_at.
	GuaranteeAt Duration `yaml:"guarantee_at"`
	// Recovery is the share of the deposits recovered, in [0, 1]. Default 1.
	Recovery float64 `yaml:"recovery"`
	// RecoveryAt is when the recovered deposits are usable. Required.
	RecoveryAt Duration `yaml:"recovery_at,required"`
}

func (f *Failure) setDefaults() { *f = Failure{Recovery: 1, GuaranteeAt: -1} }

// Calendar is the redemption desk's hours, [stablecoin.Calendar].
type Calendar struct {
	// OpenHour is the UTC hour business days open, in [0, 23]. Default 13.
	OpenHour int `yaml:"open_hour"`
	// CloseHour is the UTC hour they close, in (open_hour, 24]. Default 21.
	CloseHour int `yaml:"close_hour"`
	// Holidays are closed dates, "2006-01-02". Default none.
	Holidays []string `yaml:"holidays"`
}

// Arbitrageurs are the authorized redeemers, [stablecoin.Arbitrageurs].
type Arbitrageurs struct {
	// Count is how many, in [0, 100]. Default 0.
	Count int `yaml:"count"`
	// CapitalUSD is each one's capital, USD in [0, 1e13]. Default 0.
	CapitalUSD float64 `yaml:"capital_usd"`
	// MaxPerHourUSD bounds each one's purchases per hour, USD; 0 = none.
	// Default 0.
	MaxPerHourUSD float64 `yaml:"max_per_hour_usd"`
	// MinDiscount is the keenest one's discount below the expected value,
	// in [0, 0.5]. Default 0.
	MinDiscount float64 `yaml:"min_discount"`
	// DiscountSpread is the least keen one's extra discount, in [0, 0.5].
	// Default 0.
	DiscountSpread float64 `yaml:"discount_spread"`
	// WaitPremium is the extra discount per day of waiting for the
	// redemption, in [0, 1]. Default 0.
	WaitPremium float64 `yaml:"wait_premium"`
}

func (r *Reserves) setBacking(m *stablecoin.Model) (problems [][2]string) {
	res := &stablecoin.Reserve{
		CashUSD:     r.CashUSD,
		BillsUSD:    r.BillsUSD,
		BillsLag:    r.BillsLag.Std(),
		Bank:        stablecoin.Bank{DepositsUSD: r.Bank.DepositsUSD},
		CapacityUSD: r.CapacityUSD,
		Calendar:    stablecoin.Calendar{OpenHour: r.Calendar.OpenHour, CloseHour: r.Calendar.CloseHour},
		Arbitrageurs: stablecoin.Arbitrageurs{
			Count:          r.Arbitrageurs.Count,
			CapitalUSD:     r.Arbitrageurs.CapitalUSD,
			MinDiscount:    r.Arbitrageurs.MinDiscount,
			DiscountSpread: r.Arbitrageurs.DiscountSpread,
			WaitPremium:    r.Arbitrageurs.WaitPremium,
			MaxPerHourUSD:  r.Arbitrageurs.MaxPerHourUSD,
		},
	}
	if f := r.Bank.Failure; f != nil {
		res.Bank.Failure = &stablecoin.Failure{
			At:              f.At.Std(),
			ExpectedHaircut: f.ExpectedHaircut,
			GuaranteeAt:     f.GuaranteeAt.Std(),
			Recovery:        f.Recovery,
			RecoveryAt:      f.RecoveryAt.Std(),
		}
	}
	for i, h := range r.Calendar.Holidays {
		day, err := time.Parse(time.DateOnly, h)
		if err != nil {
			problems = append(problems, [2]string{"calendar.holidays",
				fmt.Sprintf("entry %d: expected a date such as 2023-04-07, got %q", i, h)})
			continue
		}
		res.Calendar.Holidays = append(res.Calendar.Holidays, day)
	}
	m.Reserve = res
	return problems
}

// Algorithmic is an algorithmic stablecoin, [stablecoin.Algorithmic].
type Algorithmic struct {
	// Governance is the governance token. Required.
	Governance Governance `yaml:"governance,required"`
	// BasePoolUSD is the virtual pool's base, USD in (0, 1e13]. Required.
	BasePoolUSD float64 `yaml:"base_pool_usd,required"`
	// MinSpread is the smallest spread of a burn, in [0, 0.5]. Default 0.
	MinSpread float64 `yaml:"min_spread"`
	// RecoveryHalfLife is the half-life of the virtual pool's imbalance, in
	// [1m, 365d]. Required.
	RecoveryHalfLife Duration `yaml:"recovery_half_life,required"`
	// HaltBelow stops the mint/burn swap for good once the governance
	// price falls below it, USD in [0, 1e9]. Default 0 (never).
	HaltBelow float64 `yaml:"halt_below"`
	// Substep bounds the market's internal step, in [0, 1d]. Default 0
	// (one sub-step per engine step).
	Substep Duration `yaml:"substep"`
	// Defense buys the stablecoin with a reserve. Default none.
	Defense *Defense `yaml:"defense"`
}

// Governance is the governance token, [stablecoin.Governance].
type Governance struct {
	// Supply is the tokens outstanding at the start, in (0, 1e15]. Required.
	Supply float64 `yaml:"supply,required"`
	// Price is its price at the start, USD in (0, 1e9]. Required.
	Price float64 `yaml:"price,required"`
	// DepthUSD is the USD side of its pool at the start, in (0, 1e13].
	// Required.
	DepthUSD float64 `yaml:"depth_usd,required"`
	// Fee is its pool's fee, in [0, 0.1]. Default 0.003.
	Fee float64 `yaml:"fee"`
	// Volatility is its exogenous volatility per √year, in [0, 10].
	// Default 0.
	Volatility float64 `yaml:"volatility"`
	// DepthElasticity is how its pool's USD depth follows its price, in
	// [0, 2]. Default 0 (constant USD depth).
	DepthElasticity float64 `yaml:"depth_elasticity"`
	// PanicSellShare is the share of its initial supply its holders sell
	// per day per unit of the stablecoin holders' panic, in [0, 1].
	// Default 0.
	PanicSellShare float64 `yaml:"panic_sell_share"`
}

// Defense is a reserve defense, [stablecoin.Defense].
type Defense struct {
	// ReserveUSD is the reserve's value, USD in (0, 1e13]. Required.
	ReserveUSD float64 `yaml:"reserve_usd,required"`
	// Trigger is the price below which it buys, in (0, 1]. Required.
	Trigger float64 `yaml:"trigger,required"`
	// Target is the price it buys up to, in [trigger, 1]. Required.
	Target float64 `yaml:"target,required"`
	// MaxPerDayUSD bounds purchases per day, USD in (0, 1e13]. Required.
	MaxPerDayUSD float64 `yaml:"max_per_day_usd,required"`
	// SaleCost is the share of the reserve lost selling it, in [0, 0.5]
	// (both lines). Default 0.
	SaleCost float64 `yaml:"sale_cost"`
	// SecondLine is a reserve held back for a lower line. Default none.
	SecondLine *DefenseLine `yaml:"second_line"`
}

// DefenseLine is a defense's second line, [stablecoin.DefenseLine].
type DefenseLine struct {
	// ReserveUSD is the line's reserve value, USD in (0, 1e13]. Required.
	ReserveUSD float64 `yaml:"reserve_usd,required"`
	// Trigger is the price below which it buys, in (0, the first line's
	// trigger]. Required.
	Trigger float64 `yaml:"trigger,required"`
	// Target is the price it buys up to, in [trigger, 1]. Required.
	Target float64 `yaml:"target,required"`
	// MaxPerDayUSD bounds its purchases per day, USD in (0, 1e13].
	// Required.
	MaxPerDayUSD float64 `yaml:"max_per_day_usd,required"`
}

func (a *Algorithmic) setBacking(m *stablecoin.Model) [][2]string {
	g := a.Governance
	alg := &stablecoin.Algorithmic{
		Governance: stablecoin.Governance{Supply: g.Supply, Price: g.Price, DepthUSD: g.DepthUSD, Fee: g.Fee,
			Volatility: g.Volatility, DepthElasticity: g.DepthElasticity, PanicSellShare: g.PanicSellShare},
		BasePoolUSD:      a.BasePoolUSD,
		MinSpread:        a.MinSpread,
		RecoveryHalfLife: a.RecoveryHalfLife.Std(),
		HaltBelow:        a.HaltBelow,
		Substep:          a.Substep.Std(),
	}
	if d := a.Defense; d != nil {
		alg.Defense = &stablecoin.Defense{ReserveUSD: d.ReserveUSD, Trigger: d.Trigger, Target: d.Target,
			MaxPerDayUSD: d.MaxPerDayUSD, SaleCost: d.SaleCost}
		if l := d.SecondLine; l != nil {
			alg.Defense.SecondLine = &stablecoin.DefenseLine{ReserveUSD: l.ReserveUSD, Trigger: l.Trigger, Target: l.Target,
				MaxPerDayUSD: l.MaxPerDayUSD}
		}
	}
	m.Algorithmic = alg
	return nil
}

func (s *Stablecoin) setDefaults() {
	*s = Stablecoin{
		Coupling: engine.CouplingSignal.String(),
		Market:   StableMarket{Fee: 0.0004, StableShare: 0.5},
		Holders:  StableHolders{HalfLife: Duration(12 * time.Hour)},
		Events:   []StableEvent{},
	}
}

// fillStablecoinDefaults sets the defaults that depend on other keys:
// a failure's guarantee_at is its recovery_at unless given.
// normalizeStart writes a start given as a plain date ("2022-05-07", as
// holidays are) as midnight UTC in RFC 3339 ("2022-05-07T00:00:00Z"), so
// that Resolved shows how it is read and both spellings are one scenario
// (one hash). Anything else is left for stablecoin() to check.
func normalizeStart(s *Scenario) {
	if _, err := time.Parse(time.RFC3339, s.Start); err == nil {
		return
	}
	if day, err := time.Parse(time.DateOnly, s.Start); err == nil {
		s.Start = day.UTC().Format(time.RFC3339)
	}
}

func fillStablecoinDefaults(s *Scenario) {
	if s.Stablecoin == nil {
		return
	}
	if r, ok := s.Stablecoin.Backing.Spec.(*Reserves); ok && r.Bank.Failure != nil && r.Bank.Failure.GuaranteeAt < 0 {
		r.Bank.Failure.GuaranteeAt = r.Bank.Failure.RecoveryAt
	}
}

// stablecoin builds cfg.Stablecoin and cfg.Start; it returns the problems
// only a file can have (the engine checks the ranges).
func (s *Scenario) stablecoin(cfg *engine.Config) (problems []Problem) {
	start, err := time.Parse(time.RFC3339, s.Start)
	if err != nil {
		problems = append(problems, s.problemAt("start", fmt.Sprintf(
			"expected an RFC 3339 time such as 2023-03-10T00:00:00Z or a date such as 2023-03-10 (midnight UTC), got %q", s.Start)))
	}
	cfg.Start = start.UTC()
	sc := s.Stablecoin
	if sc == nil {
		return problems
	}
	coupling, err := engine.ParseCoupling(sc.Coupling)
	if err != nil {
		problems = append(problems, s.problemAt("stablecoin.coupling", err.Error()))
	}
	m := stablecoin.Model{
		Supply: sc.Supply,
		Market: stablecoin.Market{A: sc.Market.A, Fee: sc.Market.Fee, SizeUSD: sc.Market.SizeUSD, StableShare: sc.Market.StableShare},
		Holders: stablecoin.Holders{
			Baseline:           sc.Holders.Baseline,
			HalfLife:           sc.Holders.HalfLife.Std(),
			Excitation:         sc.Holders.Excitation,
			NoiseSigma:         sc.Holders.NoiseSigma,
			Depeg:              sc.Holders.Depeg.std(),
			Shortfall:          sc.Holders.Shortfall.std(),
			RedeemShare:        sc.Holders.RedeemShare,
			WithdrawnSellShare: sc.Holders.WithdrawnSellShare,
			Inert:              sc.Holders.Inert,
		},
	}
	for _, e := range sc.Events {
		m.Events = append(m.Events, stablecoin.Event{At: e.At.Std(), Panic: e.Panic, SellUSD: e.SellUSD})
	}
	if d := sc.DipBuyers; d != nil {
		m.DipBuyers = &stablecoin.DipBuyers{CapitalUSD: d.CapitalUSD, DepthUSD: d.DepthUSD, Ceiling: d.Ceiling, PanicDrain: d.PanicDrain}
	}
	if sc.Backing.Spec != nil {
		for _, p := range sc.Backing.Spec.setBacking(&m) {
			problems = append(problems, s.problemAt("stablecoin.backing."+p[0], p[1]))
		}
	}
	cfg.Stablecoin = &engine.Stablecoin{Model: m, Coupling: coupling}
	return problems
}
