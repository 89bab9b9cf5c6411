package stablecoin

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/spiralrisk/spiral/engine/internal/field"
	"github.com/spiralrisk/spiral/stochastic"
)

// Model is a stablecoin with its secondary market, its holders and its
// backing. Exactly one of Reserve and Algorithmic is set. Validate's field
// paths are the scenario file's keys under `stablecoin` (the backing's
// under `backing`).
type Model struct {
	// Supply is the number of tokens outstanding at time 0 (units worth $1
	// at par), in (0, 1e13].
	Supply float64
	// Market is the secondary market.
	Market Market
	// Holders is how holders sell and redeem.
	Holders Holders
	// Events are news and scheduled sales, in any order.
	Events []Event
	// Reserve backs the token with reserves redeemable at par.
	Reserve *Reserve
	// Algorithmic backs the token with a mint/burn swap against a
	// governance token.
	Algorithmic *Algorithmic
	// DipBuyers buy the token at deep discounts; nil: nobody does.
	DipBuyers *DipBuyers
}

// DipBuyers are speculators with limited capital who buy the stablecoin
// when it trades far below the peg: the residual demand that keeps a
// collapsed coin at a small fraction of $1 rather than at 0. At the end of
// every step they trade in the market towards the holding
//
//	N*(p) = DepthUSD·(1/p − 1/Ceiling)·e^(−PanicDrain·λ)   for p < Ceiling, else 0,
//
// tokens at the price p after their own trade (a position worth up to
// DepthUSD as p → 0, so their demand rises as the price falls), where λ is
// the holders' panic intensity (per day): bids are pulled while the panic
// rages and come back as it calms. They buy only while they have capital
// (CapitalUSD less what they have spent, plus what their sales brought
// back) and sell what exceeds N*(p) when the price rises. Their tokens are
// not part of the holders' float: they never panic.
type DipBuyers struct {
	// CapitalUSD is what they can spend in all, USD in (0, 1e13].
	CapitalUSD float64
	// DepthUSD is the value of the position they want as the price goes
	// to 0, USD in (0, 1e13].
	DepthUSD float64
	// Ceiling is the price below which they bid, in (0, 1).
	Ceiling float64
	// PanicDrain is how strongly the panic pulls their bids, per unit of
	// panic intensity (days), in [0, 100]; 0: not at all.
	PanicDrain float64
}

// Market is the secondary market: a two-coin StableSwap pool of the
// stablecoin (coin 0) against a dollar numeraire (coin 1) standing for the
// stablecoin's whole secondary liquidity. Its marginal price of coin 0 in
// coin 1 is the stablecoin's price.
type Market struct {
	// A is the amplification as stored by Curve's contracts, in [1, 1e6].
	A float64
	// Fee is the fraction of each swap's output kept by the pool, in [0, 0.05].
	Fee float64
	// SizeUSD is the pool's total balance at time 0 (both coins at par), USD
	// in (0, 1e13].
	SizeUSD float64
	// StableShare is the stablecoin's share of the pool's balance at time 0,
	// in [0.05, 0.95]; 0.5 is balanced (price 1).
	StableShare float64
}

// Holders sell or redeem according to a self-exciting panic (the equations
// of stochastic.SelfExciting). The float H is the supply less the market
// pool's stablecoins, the redemption queue, the tokens a lending pool holds
// and the Inert holders' share of the initial supply. With step Δ (days)
// and decay d = 2^(−Δ/HalfLife), the fraction of H that leaves in a step is
//
//	f = min(1, (Baseline + λ)·Δ·ε),   ε = exp(σZ − σ²/2),
//
// of which RedeemShare is queued for redemption (reserve-backed only) and
// the rest sold into the market; the panic intensity λ (per day) evolves as
//
//	λ ← d·λ + (1 − d)·(Depeg⁺ + Shortfall⁺) + κ·min(f, λΔε),  κ = Excitation·(1 − d)/Δ,
//
// where Depeg⁺ = Weight·max(0, (1 − price) − Level) and Shortfall⁺ the same
// on the visible backing shortfall 1 − backing/supply: for a reserve-backed
// coin backing counts frozen bank deposits at their expected recovery; for
// an algorithmic one it is the governance token's market cap plus the
// defense's reserve (the "LUNA market cap below UST supply" alarm). News
// events add to λ. Tokens withdrawn from a lending pool whose asset is the
// stablecoin are sold at once in the share WithdrawnSellShare.
type Holders struct {
	// Baseline is the calm outflow, fraction of the float per day, in [0, 1].
	Baseline float64
	// HalfLife is the half-life of the panic intensity, in [1m, 365d].
	HalfLife time.Duration
	// Excitation is the branching ratio, in [0, 1).
	Excitation float64
	// NoiseSigma is the log-sd of the multiplicative noise, in [0, 3].
	NoiseSigma float64
	// Depeg is the trigger on 1 − price.
	Depeg stochastic.Trigger
	// Shortfall is the trigger on 1 − backing/supply.
	Shortfall stochastic.Trigger
	// RedeemShare is the share of the outflow that is queued for redemption
	// at par rather than sold (holders with redemption access), in [0, 1];
	// reserve-backed only.
	RedeemShare float64
	// WithdrawnSellShare is the share of the tokens withdrawn from a lending
	// pool (asset coupling) that is sold at once, in [0, 1].
	WithdrawnSellShare float64
	// Inert is the share of the initial supply held by holders who never
	// sell or redeem (lost keys, exchanges' cold wallets, other protocols),
	// in [0, 1); it is not part of the float.
	Inert float64
}

// Event is news or a scheduled sale at a time of the path.
type Event struct {
	// At is the path time, a whole number of steps in [0, 3650d]; an event
	// at time 0 acts in the first step.
	At time.Duration
	// Panic is added to the holders' panic intensity, per day, in
	// [-100, 100]; the intensity never falls below 0.
	Panic float64
	// SellUSD is sold from the holders' float into the market during the
	// step, tokens in [0, 1e13] (limited by the float).
	SellUSD float64
}

// Reserve backs the token with reserves redeemable at par. Redemptions are
// paid first come, first served, from cash, then from the bank deposits
// (unless frozen), within CapacityUSD per open hour of the Calendar; bills
// are sold when the queue exceeds what is liquid, and their proceeds arrive
// BillsLag later.
type Reserve struct {
	// CashUSD is cash at healthy banks, USD in [0, 1e13].
	CashUSD float64
	// BillsUSD are Treasury bills and repo, USD in [0, 1e13].
	BillsUSD float64
	// BillsLag is the time from a bill sale to its cash, a whole number of
	// steps in [0, 30d].
	BillsLag time.Duration
	// Bank is the bank that may fail.
	Bank Bank
	// CapacityUSD is the redemptions the issuer can pay per open hour, USD
	// in (0, 1e13].
	CapacityUSD float64
	// Calendar says when redemptions are open.
	Calendar Calendar
	// Arbitrageurs buy below the peg and redeem.
	Arbitrageurs Arbitrageurs
}

// Bank holds part of the reserves and may fail.
type Bank struct {
	// DepositsUSD are the reserves at the bank, USD in [0, 1e13].
	DepositsUSD float64
	// Failure is when and how the bank fails; nil: it never fails.
	Failure *Failure
}

// Failure freezes the bank deposits at At. Until GuaranteeAt the market
// expects to lose ExpectedHaircut of them; from GuaranteeAt it expects the
// announced 1 − Recovery; at RecoveryAt the share Recovery becomes usable
// again and the rest is lost.
type Failure struct {
	// At is the failure (deposits frozen), a whole number of steps in
	// [0, 3650d].
	At time.Duration
	// ExpectedHaircut is the share of the deposits the market expects to
	// lose until the guarantee, in [0, 1].
	ExpectedHaircut float64
	// GuaranteeAt is when the recovery is announced, a whole number of
	// steps in [At, RecoveryAt].
	GuaranteeAt time.Duration
	// Recovery is the share of the deposits recovered, in [0, 1].
	Recovery float64
	// RecoveryAt is when the recovered deposits are usable, a whole number
	// of steps in [GuaranteeAt, 3650d].
	RecoveryAt time.Duration
}

// Calendar is the redemption desk's opening hours: weekdays from OpenHour
// to CloseHour (UTC, the path's clock starting at the scenario's start),
// closed on weekends and Holidays.
type Calendar struct {
	// OpenHour and CloseHour bound the open hours of a business day, UTC
	// hours with 0 ≤ OpenHour < CloseHour ≤ 24.
	OpenHour, CloseHour int
	// Holidays are closed days (their UTC date counts; the time of day is
	// ignored).
	Holidays []time.Time
}

// Arbitrageurs are Count authorized redeemers, each with CapitalUSD. Arb i
// (0-based) buys the stablecoin in the market while its price is below
//
//	r_i = v − MinDiscount − DiscountSpread·i/(Count − 1) − WaitPremium·w/24,
//
// where v = min(1, backing/supply) is the expected value of a redeemed
// token and w the hours until it would be paid (until the desk opens, plus
// the queue ahead at capacity). Each spends at most MaxPerHourUSD per hour.
// Bought tokens join the redemption queue; the capital comes back when they
// are paid.
type Arbitrageurs struct {
	// Count is the number of arbitrageurs, in [0, 100].
	Count int
	// CapitalUSD is each one's capital, USD in [0, 1e13].
	CapitalUSD float64
	// MinDiscount is the keenest one's discount below v, in [0, 0.5].
	MinDiscount float64
	// DiscountSpread is the extra discount of the least keen, in [0, 0.5].
	DiscountSpread float64
	// WaitPremium is the extra discount per day of waiting, in [0, 1].
	WaitPremium float64
	// MaxPerHourUSD bounds what each one spends per hour (capital takes
	// time to mobilize), USD in [0, 1e13]; 0 means no bound.
	MaxPerHourUSD float64
}

// Algorithmic backs the stablecoin with a governance token through a
// virtual constant-product pool of base B = BasePoolUSD, as Terra's market
// module: a burn at imbalance δ (stablecoins burned recently) mints
// governance tokens worth m(δ) = min(1 − MinSpread, B²/(B + δ)²) per
// stablecoin at the oracle price (the governance token's market price at
// the start of the market's sub-step), every burn adds to δ, and δ decays
// exponentially with time constant τ = RecoveryHalfLife/ln 2, within
// sub-steps too. Arbitrageurs buy the stablecoin in the market, burn it
// and sell the minted tokens into the governance token's constant-product
// pool. They are competitive: they burn whenever the marginal burn pays,
// that is while m(δ)·q ≥ c, where c is the marginal cost of the last
// stablecoin bought and q what the last minted dollar brings in the
// governance pool after their sales. In a sub-step of length Δ this holds
// δ at the δ* where m(δ*)·q = c: from δ₀ < δ* one swap takes it to δ*,
// minting ∫ m(δ) dδ from δ₀ to δ*; from δ₀ > δ* it decays for τ·ln(δ₀/δ*)
// first; then burns at the rate δ*/τ keep it there, minting m(δ*) per
// token. The tokens burned rise with δ*, so c rises and q falls: δ* is the
// root of one equation. A recovery much slower than the sub-step gives the
// single swap B²/(B + δ₀) − B²/(B + δ*); a faster one the flow δ*/τ, about
// spread·B/(2τ) per unit time at a small spread (Terra's "minting
// capacity"), whatever the sub-step.
type Algorithmic struct {
	// Governance is the governance token and its market.
	Governance Governance
	// BasePoolUSD is the virtual pool's base B, USD in (0, 1e13].
	BasePoolUSD float64
	// MinSpread is the smallest spread of a burn, in [0, 0.5].
	MinSpread float64
	// RecoveryHalfLife is the half-life of the virtual pool's imbalance, in
	// [1m, 365d] (Terra's PoolRecoveryPeriod of N blocks of length b is a
	// time constant: the half-life is N·b·ln 2).
	RecoveryHalfLife time.Duration
	// HaltBelow stops the mint/burn swap for good once the governance
	// token's price falls below it (Terra's validators halted the chain and
	// disabled the swap on 12-13 May 2022), USD in [0, 1e9]; 0: never.
	HaltBelow float64
	// Substep bounds the market's internal step, in [0, 1d]; 0: one
	// sub-step per engine step. Within each engine step of length Δ the
	// market runs n = ⌈Δ/Substep⌉ sub-steps of length Δ/n: the step's
	// scheduled sale (events) at the start of the first, the holders'
	// outflow spread evenly over all of them, and after each sale the
	// governance token's market, the defense, the arbitrage and the dip
	// buyers, each with the sub-step's share of its rates and capacities.
	// The sub-step sets how finely these fast reactions (the swap's
	// spread recovers within minutes) are interleaved with the outflow,
	// so that a longer engine step does not let a whole step's sales
	// land before anyone reacts; see docs/model.md for the convergence.
	Substep time.Duration
	// Defense buys the stablecoin with a reserve of another asset; nil: none.
	Defense *Defense
}

// SubSteps is the number of market sub-steps in an engine step of length
// step: ⌈step/Substep⌉, 1 when Substep is 0.
func (a *Algorithmic) SubSteps(step time.Duration) int {
	if a.Substep <= 0 || step <= a.Substep {
		return 1
	}
	return int((step + a.Substep - 1) / a.Substep)
}

// Governance is the governance token. Its price moves by its own
// constant-product pool (sales of minted tokens and its holders' panic
// sales, impact permanent) and by exogenous lognormal noise of Volatility
// per √year (mean 1 per step). At
// the start of every step the pool is re-centred on the price P with
// DepthUSD·(P/P₀)^DepthElasticity on its USD side: liquidity leaves a
// falling token (elasticity 0.5 is what a constant-product pool left alone
// would hold).
type Governance struct {
	// Supply is the tokens outstanding at time 0, in (0, 1e15].
	Supply float64
	// Price is the price at time 0, USD in (0, 1e9].
	Price float64
	// DepthUSD is the USD side of its pool at time 0, in (0, 1e13].
	DepthUSD float64
	// Fee is the pool's swap fee, in [0, 0.1].
	Fee float64
	// Volatility is the exogenous volatility per √year, in [0, 10].
	Volatility float64
	// DepthElasticity is how the pool's USD depth follows the price, in
	// [0, 2].
	DepthElasticity float64
	// PanicSellShare is the share of its initial supply that its holders
	// sell into its pool per day per unit of the stablecoin holders' panic
	// intensity λ (per day): they run with the stablecoin's holders, in
	// [0, 1]; 0: they do not.
	PanicSellShare float64
}

// Defense buys the stablecoin in the market, up to MaxPerDayUSD per day,
// whenever its price is below Trigger, until it reaches Target or the
// reserve runs out: once engaged below Trigger it keeps buying (across
// steps) until the price is back at Target, so how often the rule is
// checked does not change what it does. Selling the reserve asset costs
// SaleCost of its value. Bought stablecoins are burned.
//
// An optional SecondLine is a further reserve held back for a lower
// line: it buys by the same rule with its own trigger, target and daily
// bound, so it acts only once the price has fallen below its trigger (the
// Luna Foundation Guard bought 1.57 B UST near 0.99 on 8-9 May 2022 and a
// further 1.16 B UST, for 1.03 B USD of bitcoin, on 10 May, after the
// price had broken below 0.9). Each line spends only its own reserve;
// holders see both as backing.
type Defense struct {
	// ReserveUSD is the reserve's value, USD in (0, 1e13].
	ReserveUSD float64
	// Trigger is the price below which it buys, in (0, 1].
	Trigger float64
	// Target is the price it buys up to, in [Trigger, 1].
	Target float64
	// MaxPerDayUSD bounds the purchases per day, USD in (0, 1e13].
	MaxPerDayUSD float64
	// SaleCost is the share of the reserve's value lost selling it, in
	// [0, 0.5] (both lines).
	SaleCost float64
	// SecondLine is a reserve held back for a lower line; nil: none.
	SecondLine *DefenseLine
}

// DefenseLine is a defense's second line: a reserve that buys, up to
// MaxPerDayUSD per day, whenever the price is below Trigger, until it
// reaches Target or the line's reserve runs out.
type DefenseLine struct {
	// ReserveUSD is the line's reserve value, USD in (0, 1e13].
	ReserveUSD float64
	// Trigger is the price below which it buys, in (0, the first line's
	// trigger].
	Trigger float64
	// Target is the price it buys up to, in [Trigger, 1].
	Target float64
	// MaxPerDayUSD bounds its purchases per day, USD in (0, 1e13].
	MaxPerDayUSD float64
}

// Validate reports every parameter outside its range. step is the engine's
// step (durations must be whole steps); 0 skips that check.
func (m *Model) Validate(step time.Duration) error {
	var errs []error
	add := func(path string, err error) {
		if err != nil {
			errs = append(errs, field.Prefix(path, err))
		}
	}
	errs = append(errs, check("supply", m.Supply > 0 && m.Supply <= 1e13, "(0, 1e13]", m.Supply))
	k := m.Market
	add("market", errors.Join(
		check("a", k.A >= 1 && k.A <= 1e6, "[1, 1e6]", k.A),
		check("fee", k.Fee >= 0 && k.Fee <= 0.05, "[0, 0.05]", k.Fee),
		check("size_usd", k.SizeUSD > 0 && k.SizeUSD <= 1e13, "(0, 1e13]", k.SizeUSD),
		check("stable_share", k.StableShare >= 0.05 && k.StableShare <= 0.95, "[0.05, 0.95]", k.StableShare),
	))
	if k.SizeUSD > 0 && k.StableShare > 0 && m.Supply > 0 && k.SizeUSD*k.StableShare > m.Supply {
		add("market.size_usd", fmt.Errorf("the pool's stablecoin balance %.6g exceeds the supply %.6g", k.SizeUSD*k.StableShare, m.Supply))
	}
	h := m.Holders
	var herrs []error
	herrs = append(herrs,
		check("baseline", h.Baseline >= 0 && h.Baseline <= 1, "[0, 1]", h.Baseline),
		check("excitation", h.Excitation >= 0 && h.Excitation < 1, "[0, 1)", h.Excitation),
		check("noise_sigma", h.NoiseSigma >= 0 && h.NoiseSigma <= 3, "[0, 3]", h.NoiseSigma),
		check("redeem_share", h.RedeemShare >= 0 && h.RedeemShare <= 1, "[0, 1]", h.RedeemShare),
		check("withdrawn_sell_share", h.WithdrawnSellShare >= 0 && h.WithdrawnSellShare <= 1, "[0, 1]", h.WithdrawnSellShare),
		check("inert", h.Inert >= 0 && h.Inert < 1, "[0, 1)", h.Inert),
		trigger("depeg", h.Depeg), trigger("shortfall", h.Shortfall))
	if h.HalfLife < time.Minute || h.HalfLife > 365*24*time.Hour {
		herrs = append(herrs, fmt.Errorf("half_life: must be in [1m, 365d], got %v", h.HalfLife))
	}
	add("holders", errors.Join(herrs...))
	for i, e := range m.Events {
		p := fmt.Sprintf("events.%d", i)
		add(p+".at", wholeSteps(e.At, step, 3650*24*time.Hour))
		add(p, errors.Join(
			check("panic", e.Panic >= -100 && e.Panic <= 100, "[-100, 100]", e.Panic),
			check("sell_usd", e.SellUSD >= 0 && e.SellUSD <= 1e13, "[0, 1e13]", e.SellUSD),
		))
	}
	if d := m.DipBuyers; d != nil {
		add("dip_buyers", errors.Join(
			check("capital_usd", d.CapitalUSD > 0 && d.CapitalUSD <= 1e13, "(0, 1e13]", d.CapitalUSD),
			check("depth_usd", d.DepthUSD > 0 && d.DepthUSD <= 1e13, "(0, 1e13]", d.DepthUSD),
			check("ceiling", d.Ceiling > 0 && d.Ceiling < 1, "(0, 1)", d.Ceiling),
			check("panic_drain", d.PanicDrain >= 0 && d.PanicDrain <= 100, "[0, 100]", d.PanicDrain),
		))
	}
	switch {
	case m.Reserve == nil && m.Algorithmic == nil:
		add("backing", errors.New("missing: a reserve-backed or an algorithmic model"))
	case m.Reserve != nil && m.Algorithmic != nil:
		add("backing", errors.New("both a reserve-backed and an algorithmic model; give one"))
	case m.Reserve != nil:
		add("backing", m.Reserve.validate(step))
		if h.RedeemShare > 0 && m.Reserve.CapacityUSD <= 0 {
			add("holders.redeem_share", errors.New("needs a redemption capacity"))
		}
	default:
		add("backing", m.Algorithmic.validate())
		if h.RedeemShare != 0 {
			add("holders.redeem_share", fmt.Errorf("must be 0 for an algorithmic stablecoin (no redemption at par), got %v", h.RedeemShare))
		}
	}
	return errors.Join(errs...)
}

func (r *Reserve) validate(step time.Duration) error {
	var errs []error
	add := func(path string, err error) {
		if err != nil {
			errs = append(errs, field.Prefix(path, err))
		}
	}
	errs = append(errs,
		check("cash_usd", r.CashUSD >= 0 && r.CashUSD <= 1e13, "[0, 1e13]", r.CashUSD),
		check("bills_usd", r.BillsUSD >= 0 && r.BillsUSD <= 1e13, "[0, 1e13]", r.BillsUSD),
		check("capacity_usd", r.CapacityUSD > 0 && r.CapacityUSD <= 1e13, "(0, 1e13]", r.CapacityUSD),
	)
	add("bills_lag", wholeSteps(r.BillsLag, step, 30*24*time.Hour))
	b := r.Bank
	add("bank", check("deposits_usd", b.DepositsUSD >= 0 && b.DepositsUSD <= 1e13, "[0, 1e13]", b.DepositsUSD))
	if f := b.Failure; f != nil {
		add("bank.failure.at", wholeSteps(f.At, step, 3650*24*time.Hour))
		add("bank.failure", errors.Join(
			check("expected_haircut", f.ExpectedHaircut >= 0 && f.ExpectedHaircut <= 1, "[0, 1]", f.ExpectedHaircut),
			check("recovery", f.Recovery >= 0 && f.Recovery <= 1, "[0, 1]", f.Recovery),
		))
		if err := wholeSteps(f.GuaranteeAt, step, 3650*24*time.Hour); err != nil {
			add("bank.failure.guarantee_at", err)
		} else if f.GuaranteeAt < f.At {
			add("bank.failure.guarantee_at", fmt.Errorf("must not be before the failure (%v), got %v", f.At, f.GuaranteeAt))
		}
		if err := wholeSteps(f.RecoveryAt, step, 3650*24*time.Hour); err != nil {
			add("bank.failure.recovery_at", err)
		} else if f.RecoveryAt < f.GuaranteeAt {
			add("bank.failure.recovery_at", fmt.Errorf("must not be before the guarantee (%v), got %v", f.GuaranteeAt, f.RecoveryAt))
		}
	}
	c := r.Calendar
	if c.OpenHour < 0 || c.OpenHour > 23 {
		add("calendar.open_hour", fmt.Errorf("must be in [0, 23], got %d", c.OpenHour))
	} else if c.CloseHour <= c.OpenHour || c.CloseHour > 24 {
		add("calendar.close_hour", fmt.Errorf("must be in (open_hour, 24], got %d", c.CloseHour))
	}
	a := r.Arbitrageurs
	if a.Count < 0 || a.Count > 100 {
		add("arbitrageurs.count", fmt.Errorf("must be in [0, 100], got %d", a.Count))
	}
	add("arbitrageurs", errors.Join(
		check("capital_usd", a.CapitalUSD >= 0 && a.CapitalUSD <= 1e13, "[0, 1e13]", a.CapitalUSD),
		check("min_discount", a.MinDiscount >= 0 && a.MinDiscount <= 0.5, "[0, 0.5]", a.MinDiscount),
		check("discount_spread", a.DiscountSpread >= 0 && a.DiscountSpread <= 0.5, "[0, 0.5]", a.DiscountSpread),
		check("wait_premium", a.WaitPremium >= 0 && a.WaitPremium <= 1, "[0, 1]", a.WaitPremium),
		check("max_per_hour_usd", a.MaxPerHourUSD >= 0 && a.MaxPerHourUSD <= 1e13, "[0, 1e13]", a.MaxPerHourUSD),
	))
	return errors.Join(errs...)
}

func (a *Algorithmic) validate() error {
	var errs []error
	add := func(path string, err error) {
		if err != nil {
			errs = append(errs, field.Prefix(path, err))
		}
	}
	g := a.Governance
	add("governance", errors.Join(
		check("supply", g.Supply > 0 && g.Supply <= 1e15, "(0, 1e15]", g.Supply),
		check("price", g.Price > 0 && g.Price <= 1e9, "(0, 1e9]", g.Price),
		check("depth_usd", g.DepthUSD > 0 && g.DepthUSD <= 1e13, "(0, 1e13]", g.DepthUSD),
		check("fee", g.Fee >= 0 && g.Fee <= 0.1, "[0, 0.1]", g.Fee),
		check("volatility", g.Volatility >= 0 && g.Volatility <= 10, "[0, 10]", g.Volatility),
		check("depth_elasticity", g.DepthElasticity >= 0 && g.DepthElasticity <= 2, "[0, 2]", g.DepthElasticity),
		check("panic_sell_share", g.PanicSellShare >= 0 && g.PanicSellShare <= 1, "[0, 1]", g.PanicSellShare),
	))
	errs = append(errs,
		check("base_pool_usd", a.BasePoolUSD > 0 && a.BasePoolUSD <= 1e13, "(0, 1e13]", a.BasePoolUSD),
		check("min_spread", a.MinSpread >= 0 && a.MinSpread <= 0.5, "[0, 0.5]", a.MinSpread),
		check("halt_below", a.HaltBelow >= 0 && a.HaltBelow <= 1e9, "[0, 1e9]", a.HaltBelow),
	)
	if a.RecoveryHalfLife < time.Minute || a.RecoveryHalfLife > 365*24*time.Hour {
		add("recovery_half_life", fmt.Errorf("must be in [1m, 365d], got %v", a.RecoveryHalfLife))
	}
	if a.Substep < 0 || a.Substep > 24*time.Hour {
		add("substep", fmt.Errorf("must be in [0, 1d], got %v", a.Substep))
	}
	if d := a.Defense; d != nil {
		add("defense", errors.Join(
			check("reserve_usd", d.ReserveUSD > 0 && d.ReserveUSD <= 1e13, "(0, 1e13]", d.ReserveUSD),
			check("trigger", d.Trigger > 0 && d.Trigger <= 1, "(0, 1]", d.Trigger),
			check("target", d.Target >= d.Trigger && d.Target <= 1, "[trigger, 1]", d.Target),
			check("max_per_day_usd", d.MaxPerDayUSD > 0 && d.MaxPerDayUSD <= 1e13, "(0, 1e13]", d.MaxPerDayUSD),
			check("sale_cost", d.SaleCost >= 0 && d.SaleCost <= 0.5, "[0, 0.5]", d.SaleCost),
		))
		if l := d.SecondLine; l != nil {
			add("defense.second_line", errors.Join(
				check("reserve_usd", l.ReserveUSD > 0 && l.ReserveUSD <= 1e13, "(0, 1e13]", l.ReserveUSD),
				check("trigger", l.Trigger > 0 && l.Trigger <= d.Trigger, "(0, the first line's trigger]", l.Trigger),
				check("target", l.Target >= l.Trigger && l.Target <= 1, "[trigger, 1]", l.Target),
				check("max_per_day_usd", l.MaxPerDayUSD > 0 && l.MaxPerDayUSD <= 1e13, "(0, 1e13]", l.MaxPerDayUSD),
			))
		}
	}
	return errors.Join(errs...)
}

// check returns an error naming name when ok is false; NaN always fails.
func check(name string, ok bool, want string, got float64) error {
	if ok && !math.IsNaN(got) {
		return nil
	}
	return fmt.Errorf("%s: must be in %s, got %v", name, want, got)
}

func trigger(name string, t stochastic.Trigger) error {
	return field.Prefix(name, errors.Join(
		check("level", t.Level >= 0 && t.Level <= 1, "[0, 1]", t.Level),
		check("weight", t.Weight >= 0 && t.Weight <= 100, "[0, 100]", t.Weight),
	))
}

func wholeSteps(d, step, most time.Duration) error {
	if d < 0 || d > most {
		return fmt.Errorf("must be in [0, %v], got %v", most, d)
	}
	if step > 0 && d%step != 0 {
		return fmt.Errorf("must be a whole number of steps (%v), got %v", step, d)
	}
	return nil
}
