package engine

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/spiralrisk/spiral/engine/amm"
	"github.com/spiralrisk/spiral/engine/internal/field"
	"github.com/spiralrisk/spiral/engine/lending"
)

// Liquidation configures the liquidation spiral: a book of positions
// borrowing the pool's asset against one collateral asset, keepers who
// liquidate them and sell the collateral into a DEX whose price impact feeds
// back into the oracle, and the waterfall that absorbs bad debt.
type Liquidation struct {
	// Book is the initial position book, shared read-only by all paths. Its
	// liquidation threshold must equal Rules.LiquidationThreshold and its
	// debt (at borrow index 1) must not exceed the pool's initial borrows;
	// the rest of the borrows belongs to rate-sensitive borrowers that are
	// never liquidated.
	Book *lending.Book
	// Rules are the protocol's liquidation parameters.
	Rules lending.LiquidationRules
	// Keepers are the liquidators.
	Keepers Keepers
	// DEX is the market where seized collateral is sold.
	DEX DEX
	// Oracle is the price feed the protocol uses for health factors.
	Oracle Oracle
	// Backstop covers bad debt after reserves.
	Backstop Backstop
}

// Keepers are the liquidators. They act on a position only if selling the
// collateral they receive covers the debt they repay, the gas and their
// minimum profit, and only up to their capacity per step, which shrinks when
// gas prices spike. Congestion is modelled through the gas-price multiplier
// g = 1 + GasSpike·fall24h, where fall24h is the market price's fall from
// its highest level in the last 24 hours (fraction): gas per liquidation
// costs GasUSD·g and capacity per hour is CapacityUSD/g^CapacityGasElasticity.
type Keepers struct {
	// CapacityUSD is the debt keepers can repay per hour in calm markets
	// (block space, capital), USD in (0, 1e13].
	CapacityUSD float64
	// GasUSD is the gas cost of one liquidation in calm markets, USD in [0, 1e6].
	GasUSD float64
	// MinProfitUSD is the least profit after gas for which a keeper acts,
	// USD in [0, 1e9].
	MinProfitUSD float64
	// GasSpike is the gas-price multiplier added per unit of 24 h price fall,
	// in [0, 1e4] (Black Thursday: ×28 for a 50 % fall ⇒ 54).
	GasSpike float64
	// CapacityGasElasticity is how capacity falls with the gas multiplier,
	// in [0, 5]: 0 keeps it constant, 1 makes it inversely proportional.
	CapacityGasElasticity float64
	// MaxRounds bounds the cascade rounds (sale → price → oracle → new
	// liquidations) within one step, in [1, 1000].
	MaxRounds int
}

// DEX is the constant-product pool (Uniswap v2 math, package amm) where
// keepers sell seized collateral for the pool's asset. At the start of every
// step arbitrage re-centres it on the market price with DepthUSD·d of the
// asset on each side, where the depth factor d = max(0.05, 1 −
// DepthStress·fall24h) thins it under stress. A sale moves the market price
// by the pool's price change; PermanentShare of that move (in log terms) is
// permanent, the rest decays with HalfLife.
type DEX struct {
	// DepthUSD is the value on each side of the pool in calm markets, USD in
	// [0, 1e13]; 0 means infinitely deep: sales get the market price less the
	// fee and move nothing.
	DepthUSD float64
	// Fee is the swap fee, fraction in [0, 0.1].
	Fee float64
	// PermanentShare is the fraction of price impact that never decays, in [0, 1].
	PermanentShare float64
	// HalfLife is the half-life of the temporary impact, in [1m, 365d].
	HalfLife time.Duration
	// DepthStress is how much depth is lost per unit of 24 h price fall, in
	// [0, 20]; depth never falls below 5 % of DepthUSD.
	DepthStress float64
}

// Oracle is the protocol's price feed (Chainlink-style): it publishes the
// market price of Delay ago when that differs from the last published price
// by more than Deviation or when Heartbeat has elapsed since the last update.
type Oracle struct {
	// Deviation is the relative move that triggers an update, in [0, 0.5].
	Deviation float64
	// Heartbeat is the longest time between updates, a whole number of steps
	// in [0, 7d]; 0 updates every step.
	Heartbeat time.Duration
	// Delay is how old the published price is, a whole number of steps in
	// [0, 1d].
	Delay time.Duration
}

// Backstop is a safety module or insurance cover that pays bad debt left
// after reserves, up to CapacityUSD in total, PayoutDelay after the loss.
// What it does not cover is socialized as a haircut on depositors or left
// as a deficit, per Socialize.
type Backstop struct {
	// CapacityUSD is the total cover, USD in [0, 1e13].
	CapacityUSD float64
	// PayoutDelay is the time from a loss to its payout, a whole number of
	// steps in [0, 365d].
	PayoutDelay time.Duration
	// Socialize, when true, cuts depositors' claims pro rata by the loss
	// neither reserves nor the backstop cover; when false it stays a deficit.
	Socialize bool
}

// Validate reports every parameter outside its range.
func (l *Liquidation) Validate(c *Config) error {
	var errs []error
	add := func(path string, err error) {
		if err != nil {
			errs = append(errs, field.Prefix(path, err))
		}
	}
	if l.Book == nil {
		add("positions", errors.New("missing"))
	}
	add("liquidators.rules", l.Rules.Validate())
	if l.Book != nil && l.Rules.LiquidationThreshold != l.Book.LiquidationThreshold() {
		add("positions.liquidation_threshold", fmt.Errorf("the book's %v differs from the rules' %v", l.Book.LiquidationThreshold(), l.Rules.LiquidationThreshold))
	}
	if l.Book != nil {
		if debt, borrows := l.Book.TotalScaledDebt(), c.Pool.Utilization*(c.Pool.Deposits+c.Pool.Reserves); debt > borrows*(1+1e-9) {
			add("positions", fmt.Errorf("the book's debt %.6g USD exceeds the pool's initial borrows %.6g USD", debt, borrows))
		}
	}
	k := l.Keepers
	add("liquidators", errors.Join(
		check("capacity_usd", k.CapacityUSD > 0 && k.CapacityUSD <= 1e13, "(0, 1e13]", k.CapacityUSD),
		check("gas_usd", k.GasUSD >= 0 && k.GasUSD <= 1e6, "[0, 1e6]", k.GasUSD),
		check("min_profit_usd", k.MinProfitUSD >= 0 && k.MinProfitUSD <= 1e9, "[0, 1e9]", k.MinProfitUSD),
		check("gas_spike", k.GasSpike >= 0 && k.GasSpike <= 1e4, "[0, 1e4]", k.GasSpike),
		check("capacity_gas_elasticity", k.CapacityGasElasticity >= 0 && k.CapacityGasElasticity <= 5, "[0, 5]", k.CapacityGasElasticity),
	))
	if k.MaxRounds < 1 || k.MaxRounds > 1000 {
		add("liquidators.max_rounds", fmt.Errorf("must be in [1, 1000], got %d", k.MaxRounds))
	}
	d := l.DEX
	add("liquidators.dex", errors.Join(
		check("depth_usd", d.DepthUSD >= 0 && d.DepthUSD <= 1e13, "[0, 1e13]", d.DepthUSD),
		check("fee", d.Fee >= 0 && d.Fee <= 0.1, "[0, 0.1]", d.Fee),
		check("permanent_share", d.PermanentShare >= 0 && d.PermanentShare <= 1, "[0, 1]", d.PermanentShare),
		check("depth_stress", d.DepthStress >= 0 && d.DepthStress <= 20, "[0, 20]", d.DepthStress),
	))
	if d.HalfLife < time.Minute || d.HalfLife > 365*24*time.Hour {
		add("liquidators.dex.half_life", fmt.Errorf("must be in [1m, 365d], got %v", d.HalfLife))
	}
	o := l.Oracle
	add("oracle", check("deviation", o.Deviation >= 0 && o.Deviation <= 0.5, "[0, 0.5]", o.Deviation))
	add("oracle.heartbeat", wholeSteps(o.Heartbeat, c.Step, 7*24*time.Hour))
	add("oracle.delay", wholeSteps(o.Delay, c.Step, 24*time.Hour))
	b := l.Backstop
	add("liquidators.backstop", check("capacity_usd", b.CapacityUSD >= 0 && b.CapacityUSD <= 1e13, "[0, 1e13]", b.CapacityUSD))
	add("liquidators.backstop.payout_delay", wholeSteps(b.PayoutDelay, c.Step, 365*24*time.Hour))
	return errors.Join(errs...)
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

// market is one path's view of the collateral market: the exogenous price,
// DEX impact, the 24 h high for the stress measures, and the oracle.
type market struct {
	l                  *Liquidation
	exo                float64 // exogenous price, USD
	permLog, tempLog   float64 // log impact, permanent and decaying
	decay              float64 // per-step decay of the temporary impact
	price              float64 // market price = exo·exp(permLog+tempLog)
	fall24h            float64 // fall of the market price from its 24 h high
	highs              window  // 24 h high of the market price
	history            []float64
	delaySteps, beat   int
	oracle             float64
	sinceUpdate        int
	depth              float64 // this step's DEX depth, USD per side
	poolAsset, poolCol float64 // DEX reserves within the step, once poolOpen
	// poolOpen says poolAsset and poolCol hold this step's reserves: they
	// are set by the step's first use of the DEX (openPool), as a step
	// without a liquidation never needs them.
	poolOpen bool
	// stressKnown says fall24h and depth are this step's (see stress).
	stressKnown bool
}

func newMarket(l *Liquidation, c *Config) *market {
	steps := int(24 * time.Hour / c.Step)
	m := &market{
		l:          l,
		decay:      math.Exp2(-c.Step.Hours() / l.DEX.HalfLife.Hours()),
		highs:      newWindow(max(steps, 1)),
		delaySteps: int(l.Oracle.Delay / c.Step),
		beat:       int(l.Oracle.Heartbeat / c.Step),
	}
	m.history = make([]float64, m.delaySteps+1)
	return m
}

// reset starts a path at price p.
func (m *market) reset(p float64) {
	m.exo, m.price, m.oracle = p, p, p
	m.permLog, m.tempLog = 0, 0
	m.highs.reset()
	m.highs.push(p)
	m.fall24h = 0
	for i := range m.history {
		m.history[i] = p
	}
	m.sinceUpdate = 0
	m.poolOpen, m.stressKnown = false, false
}

// stress sets the step's fall from the 24 h high and DEX depth from the
// market price at the step's start, unless the step already did: call it
// before gasMultiplier, openPool or any use of the DEX. Nothing moves the
// market price between the step's start and its liquidations, and a step
// in which nothing can be liquidated needs neither.
func (m *market) stress() {
	if m.stressKnown {
		return
	}
	m.fall24h = 1 - m.price/m.highs.max()
	d := &m.l.DEX
	m.depth = d.DepthUSD * max(0.05, 1-d.DepthStress*m.fall24h)
	m.stressKnown = true
}

// openPool sets the DEX reserves at the step's depth and the market price,
// unless the step already did: call it before the step's first quote, best
// or sale. Nothing moves the market price between the step's start and its
// liquidations, so the reserves are those at the step's start.
func (m *market) openPool() {
	if !m.poolOpen {
		m.stress()
		m.poolAsset, m.poolCol, m.poolOpen = m.depth, m.depth/m.price, true
	}
}

// step moves to the next step with exogenous price exo (phases 1–3).
func (m *market) step(exo float64) {
	m.exo = exo
	m.tempLog *= m.decay
	m.setPrice()
	m.highs.push(m.price)
	m.stressKnown, m.poolOpen = false, false
	copy(m.history, m.history[1:])
	m.history[len(m.history)-1] = m.price
	m.sinceUpdate++
	m.updateOracle()
}

func (m *market) setPrice() {
	if impact := m.permLog + m.tempLog; impact != 0 {
		m.price = m.exo * math.Exp(impact)
	} else {
		m.price = m.exo // e^0 = 1: no sale yet on this path
	}
}

// updateOracle publishes the delayed market price when it deviates enough or
// the heartbeat is due. It reports whether the oracle price changed.
func (m *market) updateOracle() bool {
	seen := m.history[0]
	if m.delaySteps == 0 {
		seen = m.price
	}
	o := &m.l.Oracle
	// The heartbeat first: when it is due (every step with a heartbeat of
	// one step) the deviation's division is not needed.
	if m.sinceUpdate >= m.beat || math.Abs(seen/m.oracle-1) > o.Deviation {
		changed := seen != m.oracle
		m.oracle, m.sinceUpdate = seen, 0
		return changed
	}
	return false
}

// quote is what selling q collateral units yields now, USD.
func (m *market) quote(q float64) float64 {
	if m.depth == 0 {
		return q * m.price * (1 - m.l.DEX.Fee)
	}
	return amm.AmountOut(q, m.poolCol, m.poolAsset, m.l.DEX.Fee)
}

// sell sells q collateral units into the DEX for out = quote(q) USD (the
// caller has quoted them), moves the market price by the pool's price
// change and returns the proceeds, out.
func (m *market) sell(q, out float64) float64 {
	if m.depth == 0 || q <= 0 {
		return out
	}
	before := m.poolAsset / m.poolCol
	m.poolCol += q
	m.poolAsset -= out
	move := math.Log(m.poolAsset / m.poolCol / before)
	share := m.l.DEX.PermanentShare
	m.permLog += share * move
	m.tempLog += (1 - share) * move
	m.setPrice()
	m.history[len(m.history)-1] = m.price
	return out
}

// bestRepay is the debt (USD) whose liquidation maximizes the keeper's
// proceeds − repaid when k collateral units go to the keeper per USD repaid:
// on the constant-product curve, where the marginal proceeds of the k·q
// units sold equal 1. It is +Inf for an infinitely deep DEX and 0 when no
// amount pays.
func (m *market) bestRepay(k float64) float64 {
	if m.depth == 0 {
		return math.Inf(1)
	}
	g := 1 - m.l.DEX.Fee
	x := m.poolCol
	sold := (math.Sqrt(k*m.poolAsset*g*x) - x) / g
	return max(0, sold/k)
}

// best is the repay (USD) that maximizes a keeper's proceeds − repaid when
// k collateral units go to the keeper per USD repaid (bestRepay) and that
// maximum, before gas, whatever the position. Both are +Inf for an
// infinitely deep DEX.
func (m *market) best(k float64) (repay, profit float64) {
	if m.depth == 0 {
		return math.Inf(1), math.Inf(1)
	}
	q := m.bestRepay(k)
	return q, m.quote(k*q) - q
}

// gasMultiplier is the congestion factor g = 1 + GasSpike·fall24h.
func (m *market) gasMultiplier() float64 { return 1 + m.l.Keepers.GasSpike*m.fall24h }

// window keeps the maximum of the last n values pushed, in O(1) per value
// without data-dependent branches (van Herk / Gil-Werman): values arrive in
// blocks of n; the window is the current block's prefix, whose maximum is
// kept as it grows, and a suffix of the previous block, whose suffix
// maxima are computed once when the block is complete. It never allocates
// after newWindow.
type window struct {
	vals   []float64 // the current block so far, then the previous block
	suffix []float64 // suffix[i] = max(previous block[i:]); -Inf before one
	prefix float64   // max of the current block so far
	pos    int       // values in the current block
}

func newWindow(n int) window {
	w := window{vals: make([]float64, n), suffix: make([]float64, n+1)}
	w.reset()
	return w
}

func (w *window) reset() {
	for i := range w.suffix {
		w.suffix[i] = math.Inf(-1)
	}
	w.prefix, w.pos = math.Inf(-1), 0
}

func (w *window) push(v float64) {
	n := len(w.vals)
	if w.pos == n { // the block is complete: it becomes the previous one
		for i := n - 1; i >= 0; i-- {
			w.suffix[i] = max(w.vals[i], w.suffix[i+1])
		}
		w.prefix, w.pos = math.Inf(-1), 0
	}
	w.vals[w.pos] = v
	w.prefix = max(w.prefix, v)
	w.pos++
}

// max is the maximum of the last n values pushed (of all of them while
// fewer than n were); -Inf before the first.
func (w *window) max() float64 { return max(w.prefix, w.suffix[w.pos]) }
