package stablecoin

import (
	"fmt"
	"math"
	"time"

	"github.com/spiralrisk/spiral/engine/amm"
	"github.com/spiralrisk/spiral/stochastic"
)

// Depeg thresholds of the metrics.
const (
	// DepegLevel is the price below which a path counts as depegged
	// (first depeg, recovery, hours below 0.99).
	DepegLevel = 0.99
	// SevereLevel is the second threshold of the hours-below metrics.
	SevereLevel = 0.95
)

// Metrics are one path's stablecoin results. Times are hours from the start
// of the path; NaN means never.
type Metrics struct {
	MinPrice          float64 // lowest end-of-step price, USD
	FinalPrice        float64 // price at the horizon, USD
	HoursBelow99      float64 // hours with the price below 0.99
	HoursBelow95      float64 // hours with the price below 0.95
	FirstDepegHour    float64 // first step end below 0.99; NaN if never
	RecoveredHour     float64 // start of the final stretch at ≥ 0.99 after a depeg; NaN if never depegged or not recovered
	MaxPoolShare      float64 // largest stablecoin share of the market pool
	RedeemedUSD       float64 // redemptions paid at par (reserves paid out = tokens redeemed)
	QueuedUSD         float64 // redemptions waiting at the horizon
	ReservesLeftUSD   float64 // reserves at the horizon (cash, bills, bank deposits at book value)
	BankLossUSD       float64 // bank deposits lost at the recovery
	BurnedUSD         float64 // stablecoins burned through the mint/burn swap
	DefenseUSD        float64 // stablecoins bought by the reserve defense (USD paid)
	SupplyChange      float64 // final supply / initial supply − 1
	GovSupplyMultiple float64 // governance-token supply at the horizon / at time 0 (algorithmic; 0 otherwise)
	GovPriceFall      float64 // 1 − governance-token price at the horizon / at time 0 (algorithmic; 0 otherwise)
	ValueDestroyedUSD float64 // market value at time 0 − at the horizon − paid out (redemptions, defense purchases)
	DipSpentUSD       float64 // dip buyers' net spending (purchases − sales) at the horizon, USD
	DipHeldShare      float64 // dip buyers' tokens at the horizon / initial supply
}

// NoMetrics are the metrics of a path without a stablecoin: NaN prices and
// times, 0 amounts.
func NoMetrics() Metrics {
	return Metrics{MinPrice: math.NaN(), FinalPrice: math.NaN(), FirstDepegHour: math.NaN(), RecoveredHour: math.NaN()}
}

// queueEntry is one redemption request: amount tokens of owner (an
// arbitrageur's index, or −1 for holders).
type queueEntry struct {
	amount float64
	owner  int
}

// State is one path's stablecoin. Create it once per worker with
// [NewState]; [State.Reset] starts a path.
type State struct {
	m            *Model
	step         time.Duration
	start        time.Time
	hours, days  float64
	decay        float64 // panic decay per step
	excite       float64
	noiseShift   float64
	pool         amm.StableSwap
	bal, scratch [2]float64
	probe        amm.StableSwap // on scratch

	supply, supply0 float64
	lambda          float64 // holders' panic intensity, per day
	price           float64
	eventSell       float64 // tokens events sell in the current step
	market0         float64 // market value at time 0, USD

	// Reserve-backed.
	cash, bills, bank float64
	reserves0         float64
	billsDue          []float64 // bill proceeds by step modulo len
	billsPending      float64
	lagSteps          int
	frozen            bool
	haircut           float64 // expected bank haircut while frozen
	queue             []queueEntry
	head, n           int
	queued            float64
	arbCash           []float64

	// Algorithmic.
	gov, gov0            float64 // governance-token supply
	govPrice, govPrice0  float64
	govL, govU           float64 // governance pool: tokens, USD
	subSteps             int     // market sub-steps per step
	subDays              float64 // a sub-step's length, days
	delta, deltaDecay    float64 // virtual pool imbalance and its decay per sub-step
	tau                  float64 // its recovery time constant, sub-steps
	dMin                 float64 // imbalance below which the minimum spread binds: B(1/√(1 − min spread) − 1)
	govNoise, govShift   float64 // σ√Δ and −σ²Δ/2
	mintedValue          float64 // governance tokens minted, USD at the oracle
	defenseLeft          float64 // reserve value left, USD (both lines)
	secondLeft           float64 // the second line's part of defenseLeft, USD
	defenseTokens        float64 // stablecoins bought and burned by the defense
	halted               bool    // the mint/burn swap has stopped
	engaged              [2]bool // defense lines buying until their target (hysteresis)
	stepHoldersSold      float64
	stepRedeemRequested  float64
	stepPaid, stepBurned float64

	// Dip buyers.
	dipTokens float64 // tokens they hold
	dipCash   float64 // capital left, USD

	met       Metrics
	everBelow bool
}

// NewState returns the state for paths of steps steps of length step,
// starting at start (the calendar's clock). It allocates everything the
// paths need.
func NewState(m *Model, step time.Duration, steps int, start time.Time) *State {
	days := step.Hours() / 24
	d := math.Exp2(-float64(step) / float64(m.Holders.HalfLife))
	s := &State{
		m:          m,
		step:       step,
		start:      start.UTC(),
		hours:      step.Hours(),
		days:       days,
		decay:      d,
		excite:     m.Holders.Excitation * (1 - d) / days,
		noiseShift: -0.5 * m.Holders.NoiseSigma * m.Holders.NoiseSigma,
	}
	s.pool = amm.StableSwap{A: m.Market.A, Fee: m.Market.Fee, Balances: s.bal[:]}
	s.probe = amm.StableSwap{A: m.Market.A, Fee: m.Market.Fee, Balances: s.scratch[:]}
	if r := m.Reserve; r != nil {
		s.lagSteps = int(r.BillsLag / step)
		s.billsDue = make([]float64, s.lagSteps+1)
		s.queue = make([]queueEntry, (steps+1)*(r.Arbitrageurs.Count+1)+1)
		s.arbCash = make([]float64, r.Arbitrageurs.Count)
	}
	if a := m.Algorithmic; a != nil {
		s.subSteps = a.SubSteps(step)
		sub := float64(step) / float64(s.subSteps)
		s.subDays = days / float64(s.subSteps)
		s.tau = float64(a.RecoveryHalfLife) / (sub * math.Ln2)
		s.deltaDecay = math.Exp(-1 / s.tau)
		s.dMin = a.BasePoolUSD * (1/math.Sqrt(1-a.MinSpread) - 1)
		dy := days / stochastic.DaysPerYear
		s.govNoise = a.Governance.Volatility * math.Sqrt(dy)
		s.govShift = -0.5 * s.govNoise * s.govNoise
	}
	return s
}

// Reset starts a path.
func (s *State) Reset() {
	m := s.m
	s.supply, s.supply0 = m.Supply, m.Supply
	s.lambda = 0
	s.bal[0] = m.Market.SizeUSD * m.Market.StableShare
	s.bal[1] = m.Market.SizeUSD - s.bal[0]
	s.price = s.pool.Price(0, 1)
	s.eventSell = 0
	s.met = Metrics{MinPrice: s.price, FinalPrice: s.price, FirstDepegHour: math.NaN(), RecoveredHour: math.NaN(),
		MaxPoolShare: m.Market.StableShare}
	s.everBelow = false
	s.market0 = s.supply * s.price
	s.dipTokens, s.dipCash = 0, 0
	if d := m.DipBuyers; d != nil {
		s.dipCash = d.CapitalUSD
	}
	if r := m.Reserve; r != nil {
		s.cash, s.bills, s.bank = r.CashUSD, r.BillsUSD, r.Bank.DepositsUSD
		s.reserves0 = s.cash + s.bills + s.bank
		clear(s.billsDue)
		s.billsPending = 0
		s.frozen, s.haircut = false, 0
		s.head, s.n, s.queued = 0, 0, 0
		for i := range s.arbCash {
			s.arbCash[i] = r.Arbitrageurs.CapitalUSD
		}
	}
	if a := m.Algorithmic; a != nil {
		g := a.Governance
		s.gov, s.gov0 = g.Supply, g.Supply
		s.govPrice, s.govPrice0 = g.Price, g.Price
		s.govU, s.govL = g.DepthUSD, g.DepthUSD/g.Price
		s.delta, s.mintedValue = 0, 0
		s.defenseLeft, s.secondLeft, s.defenseTokens = 0, 0, 0
		s.halted = false
		s.engaged = [2]bool{}
		if d := a.Defense; d != nil {
			s.defenseLeft = d.ReserveUSD
			if d.SecondLine != nil {
				s.secondLeft = d.SecondLine.ReserveUSD
				s.defenseLeft += s.secondLeft
			}
		}
		s.market0 += s.gov * s.govPrice
	}
}

// Price is the stablecoin's secondary-market price, USD.
func (s *State) Price() float64 { return s.price }

// Supply is the number of tokens outstanding.
func (s *State) Supply() float64 { return s.supply }

// PoolShare is the stablecoin's share of the market pool's balance.
func (s *State) PoolShare() float64 { return s.bal[0] / (s.bal[0] + s.bal[1]) }

// Panic is the holders' panic intensity, fraction of the float per day.
func (s *State) Panic() float64 { return s.lambda }

// Queued is the redemption queue, tokens.
func (s *State) Queued() float64 { return s.queued }

// Reserves is the reserves' book value: cash, bills (sold or not) and bank
// deposits, USD; 0 for an algorithmic stablecoin.
func (s *State) Reserves() float64 { return s.cash + s.bills + s.billsPending + s.bank }

// Backing is the reserves the market counts on: Reserves with frozen bank
// deposits at their expected recovery, USD; for an algorithmic stablecoin
// the reserve defense's value left.
func (s *State) Backing() float64 {
	if s.m.Reserve == nil {
		return s.defenseLeft
	}
	bank := s.bank
	if s.frozen {
		bank *= 1 - s.haircut
	}
	return s.cash + s.bills + s.billsPending + bank
}

// coverage is what holders see behind each token: Backing/supply for a
// reserve-backed coin; (governance market cap + defense reserve)/supply for
// an algorithmic one.
func (s *State) coverage() float64 {
	if s.m.Reserve != nil {
		return s.Backing() / s.supply
	}
	return (s.gov*s.govPrice + s.defenseLeft) / s.supply
}

// GovPrice and GovSupply are the governance token's price (USD) and supply;
// 0 for a reserve-backed stablecoin.
func (s *State) GovPrice() float64  { return s.govPrice }
func (s *State) GovSupply() float64 { return s.gov }

// StepFlows are the current step's holders' sales (tokens), redemption
// requests (tokens), redemptions paid (USD) and burns through the mint/burn
// swap (tokens).
func (s *State) StepFlows() (sold, requested, paid, burned float64) {
	return s.stepHoldersSold, s.stepRedeemRequested, s.stepPaid, s.stepBurned
}

// stepOf is the step in which something at path time at acts: the step
// that starts at at (step 1 for time 0).
func (s *State) stepOf(at time.Duration) int { return int(at/s.step) + 1 }

// Events runs phase 1 of step (1-based): bank failure, guarantee and
// recovery, news.
func (s *State) Events(step int) {
	s.stepHoldersSold, s.stepRedeemRequested, s.stepPaid, s.stepBurned = 0, 0, 0, 0
	s.eventSell = 0
	for i := range s.m.Events {
		e := &s.m.Events[i]
		if s.stepOf(e.At) == step {
			s.lambda = max(0, s.lambda+e.Panic)
			s.eventSell += e.SellUSD
		}
	}
	r := s.m.Reserve
	if r == nil || r.Bank.Failure == nil {
		return
	}
	f := r.Bank.Failure
	if s.stepOf(f.At) == step {
		s.frozen, s.haircut = true, f.ExpectedHaircut
	}
	if s.stepOf(f.GuaranteeAt) == step {
		s.haircut = 1 - f.Recovery
	}
	if s.stepOf(f.RecoveryAt) == step {
		loss := s.bank * (1 - f.Recovery)
		s.bank -= loss
		s.met.BankLossUSD += loss
		s.frozen, s.haircut = false, 0
	}
}

// Trade runs phase 7 of step: holders sell into the market or queue
// redemptions, then arbitrage (reserve-backed: arbitrageurs buy below their
// reservation price and queue the tokens; algorithmic: the defense buys,
// then arbitrageurs burn and sell the minted governance tokens).
// withdrawn is the stablecoin a lending pool paid out to its depositors in
// the previous step and locked the tokens the lending pool holds (asset
// coupling; 0 otherwise). It draws only from src.
func (s *State) Trade(src *stochastic.Source, step int, withdrawn, locked float64) {
	h := &s.m.Holders
	noise := 1.0
	if h.NoiseSigma > 0 {
		noise = math.Exp(h.NoiseSigma*src.NormFloat64() + s.noiseShift)
	}
	govNoise := 1.0
	if s.govNoise > 0 {
		govNoise = math.Exp(s.govNoise*src.NormFloat64() + s.govShift)
	}
	float := max(0, s.supply-s.bal[0]-s.queued-locked-h.Inert*s.supply0-s.dipTokens)

	panicPart := s.lambda * s.days * noise
	f := min(1, h.Baseline*s.days*noise+panicPart)
	panicPart = min(panicPart, f)
	level := excess(h.Depeg, 1-s.price)
	if h.Shortfall.Weight != 0 {
		level += excess(h.Shortfall, 1-s.coverage())
	}
	s.lambda = s.decay*s.lambda + (1-s.decay)*level + s.excite*panicPart

	out := f * float
	redeem := 0.0
	if s.m.Reserve != nil {
		redeem = h.RedeemShare * out
	}
	sell := min(float-redeem, out-redeem+h.WithdrawnSellShare*withdrawn+s.eventSell)
	if redeem > 0 {
		s.push(redeem, -1)
		s.stepRedeemRequested += redeem
	}

	if s.m.Reserve != nil {
		if sell > 0 {
			s.sell(sell)
			s.stepHoldersSold += sell
		}
		s.arbitrage(step)
		if s.m.DipBuyers != nil {
			s.dipTrade()
		}
	} else {
		// The market runs in sub-steps: the event's sale at the start of
		// the step, the holders' outflow spread evenly, each sub-step
		// followed by the governance token's market, the defense, the
		// arbitrage and the dip buyers.
		event := min(max(0, sell), s.eventSell)
		flow := max(0, sell-event) / float64(s.subSteps)
		for i := range s.subSteps {
			q := flow
			if i == 0 {
				q += event
			}
			if q > 0 {
				s.sell(q)
				s.stepHoldersSold += q
			}
			s.algorithmic(govNoise)
			govNoise = 1
			if s.m.DipBuyers != nil {
				s.dipTrade()
			}
		}
	}
	s.price = s.pool.Price(0, 1)
}

// DipHoldings are the dip buyers' tokens and their capital left (USD).
func (s *State) DipHoldings() (tokens, capital float64) { return s.dipTokens, s.dipCash }

// dipTarget is the dip buyers' wanted holding at price p.
func (s *State) dipTarget(p float64) float64 {
	d := s.m.DipBuyers
	if p >= d.Ceiling {
		return 0
	}
	n := d.DepthUSD * (1/p - 1/d.Ceiling)
	if d.PanicDrain > 0 {
		n *= math.Exp(-d.PanicDrain * s.lambda)
	}
	return n
}

// priceAfterSell is the market price after selling q stablecoins, without
// trading.
func (s *State) priceAfterSell(q float64) float64 {
	out := s.pool.Dy(0, 1, q)
	s.scratch[0], s.scratch[1] = s.bal[0]+q, s.bal[1]-out
	return s.probe.Price(0, 1)
}

// dipTrade moves the dip buyers' holding towards their target at the price
// their own trade leaves: the USD u (or tokens q) that solves
// held ± tokens(u) = N*(price after), by bisection (the left side rises
// and the target falls with the amount bought).
func (s *State) dipTrade() {
	p := s.pool.Price(0, 1)
	target := s.dipTarget(p)
	switch {
	case target > s.dipTokens && s.dipCash > 0:
		gap := func(u float64) float64 {
			return s.dipTokens + s.pool.Dy(1, 0, u) - s.dipTarget(s.priceAfterBuy(u))
		}
		u := s.dipCash
		if gap(u) > 0 {
			u = bisect(gap, 0, u)
		}
		if u <= 0 {
			return
		}
		s.dipTokens += s.buyWith(u)
		s.dipCash -= u
		s.met.DipSpentUSD += u
	case target < s.dipTokens:
		gap := func(q float64) float64 { return s.dipTarget(s.priceAfterSell(q)) - (s.dipTokens - q) }
		q := s.dipTokens
		if gap(q) > 0 {
			q = bisect(gap, 0, q)
		}
		if q <= 0 {
			return
		}
		usd := s.sell(q)
		s.dipTokens -= q
		s.dipCash += usd
		s.met.DipSpentUSD -= usd
	}
}

// bisect is the root of the increasing f in [lo, hi] with f(lo) ≤ 0 <
// f(hi), to a relative 1e-9 of hi; it returns the end where f ≤ 0. It
// brackets the root like a bisection but places its points by the
// Illinois variant of regula falsi (the retained end's value halved when
// the same end is kept twice), so it needs a handful of evaluations of f
// rather than about 30 (the dip buyers trade in every market sub-step).
func bisect(f func(float64) float64, lo, hi float64) float64 {
	flo, fhi := f(lo), f(hi)
	if flo > 0 || !(fhi > 0) {
		return lo
	}
	side := 0
	for range 100 {
		x := lo + (hi-lo)*(flo/(flo-fhi))
		if !(x > lo && x < hi) {
			x = 0.5 * (lo + hi)
		}
		fx := f(x)
		if fx <= 0 {
			lo, flo = x, fx
			if side < 0 {
				fhi *= 0.5
			}
			side = -1
		} else {
			hi, fhi = x, fx
			if side > 0 {
				flo *= 0.5
			}
			side = 1
		}
		if hi-lo <= 1e-9*hi || fx == 0 {
			break
		}
	}
	return lo
}

func excess(t stochastic.Trigger, signal float64) float64 {
	if signal <= t.Level {
		return 0
	}
	return t.Weight * (signal - t.Level)
}

// sell swaps q stablecoins into the market and returns the USD out.
func (s *State) sell(q float64) float64 {
	out := s.pool.Dy(0, 1, q)
	s.bal[0] += q
	s.bal[1] -= out
	return out
}

// buyWith swaps usd into the market and returns the stablecoins out.
func (s *State) buyWith(usd float64) float64 {
	out := s.pool.Dy(1, 0, usd)
	s.bal[1] += usd
	s.bal[0] -= out
	return out
}

// priceAfterBuy is the market price after buying with usd, without
// trading.
func (s *State) priceAfterBuy(usd float64) float64 {
	out := s.pool.Dy(1, 0, usd)
	s.scratch[0], s.scratch[1] = s.bal[0]-out, s.bal[1]+usd
	return s.probe.Price(0, 1)
}

// spendToPrice is the USD, at most budget, whose purchase lifts the price
// to target (all of budget if that is not enough; 0 if the price is there).
func (s *State) spendToPrice(target, budget float64) float64 {
	if budget <= 0 || s.pool.Price(0, 1) >= target {
		return 0
	}
	if s.priceAfterBuy(budget) <= target {
		return budget
	}
	lo, hi := 0.0, budget
	for range 48 {
		mid := 0.5 * (lo + hi)
		if s.priceAfterBuy(mid) < target {
			lo = mid
		} else {
			hi = mid
		}
		if hi-lo <= 1e-9*hi {
			break
		}
	}
	return lo
}

// costToBuy is the USD needed to buy x stablecoins from the market (+Inf
// when the pool does not hold them).
func (s *State) costToBuy(x float64) float64 {
	if x <= 0 {
		return 0
	}
	y := s.bal[0] - x/(1-s.m.Market.Fee)
	if y <= 0 {
		return math.Inf(1)
	}
	return s.pool.Y(0, 1, y) - s.bal[1]
}

// push queues a redemption request.
func (s *State) push(amount float64, owner int) {
	s.queued += amount
	if s.n > 0 {
		last := &s.queue[(s.head+s.n-1)%len(s.queue)]
		if last.owner == owner {
			last.amount += amount
			return
		}
	}
	if s.n == len(s.queue) { // cannot happen: one entry per owner and step
		panic("stablecoin: redemption queue full")
	}
	s.queue[(s.head+s.n)%len(s.queue)] = queueEntry{amount, owner}
	s.n++
}

// stepStart is the calendar time at the start of step.
func (s *State) stepStart(step int) time.Time {
	return s.start.Add(time.Duration(step-1) * s.step)
}

// arbitrage lets the reserve-backed coin's arbitrageurs buy below their
// reservation prices, keenest first.
func (s *State) arbitrage(step int) {
	r := s.m.Reserve
	a := &r.Arbitrageurs
	if a.Count == 0 {
		return
	}
	v := min(1, s.Backing()/s.supply)
	wait := r.Calendar.UntilOpen(s.stepStart(step)) + s.queued/r.CapacityUSD
	for i := range a.Count {
		spread := 0.0
		if a.Count > 1 {
			spread = a.DiscountSpread * float64(i) / float64(a.Count-1)
		}
		target := v - a.MinDiscount - spread - a.WaitPremium*wait/24
		budget := s.arbCash[i]
		if a.MaxPerHourUSD > 0 {
			budget = min(budget, a.MaxPerHourUSD*s.hours)
		}
		u := s.spendToPrice(target, budget)
		if u <= 0 {
			continue
		}
		tokens := s.buyWith(u)
		s.arbCash[i] -= u
		s.push(tokens, i)
	}
}

// Settle runs phase 8 of step: bill proceeds arrive, redemptions are paid
// within the step's open hours and capacity from cash and then unfrozen
// bank deposits, first come first served, and bills are sold for what the
// queue still needs.
func (s *State) Settle(step int) {
	r := s.m.Reserve
	if r == nil {
		return
	}
	if s.lagSteps > 0 {
		k := step % len(s.billsDue)
		s.cash += s.billsDue[k]
		s.billsPending -= s.billsDue[k]
		s.billsDue[k] = 0
		if s.billsPending < 1e-9*s.reserves0 {
			s.billsPending = max(0, s.billsPending)
		}
	}
	liquid := s.cash
	if !s.frozen {
		liquid += s.bank
	}
	from := s.stepStart(step)
	capacity := r.CapacityUSD * r.Calendar.OpenHours(from, from.Add(s.step))
	pay := min(capacity, liquid, s.queued)
	if pay > 0 {
		s.redeem(pay)
		fromCash := min(pay, s.cash)
		s.cash -= fromCash
		s.bank -= pay - fromCash
		s.bank = max(0, s.bank)
		s.supply -= pay
		s.met.RedeemedUSD += pay
		s.stepPaid = pay
	}
	liquid = s.cash + s.billsPending
	if !s.frozen {
		liquid += s.bank
	}
	if need := s.queued - liquid; need > 0 && s.bills > 0 {
		sold := min(need, s.bills)
		s.bills -= sold
		if s.lagSteps == 0 {
			s.cash += sold
		} else {
			s.billsDue[(step+s.lagSteps)%len(s.billsDue)] += sold
			s.billsPending += sold
		}
	}
}

// redeem takes pay from the front of the queue, returning arbitrageurs'
// capital.
func (s *State) redeem(pay float64) {
	s.queued -= pay
	if s.queued < 1e-12*s.supply0 {
		s.queued = max(0, s.queued)
	}
	for pay > 0 && s.n > 0 {
		e := &s.queue[s.head]
		take := min(pay, e.amount)
		e.amount -= take
		pay -= take
		if e.owner >= 0 {
			s.arbCash[e.owner] += take
		}
		if e.amount <= 0 {
			s.head = (s.head + 1) % len(s.queue)
			s.n--
		}
	}
}

// algorithmic runs the algorithmic coin's defense and arbitrage.
func (s *State) algorithmic(govNoise float64) {
	a := s.m.Algorithmic
	g := &a.Governance
	// The governance token's market: exogenous noise, then arbitrage
	// re-centres its pool on the price.
	s.govPrice *= govNoise
	s.govU = g.DepthUSD
	if g.DepthElasticity != 0 {
		s.govU *= math.Pow(s.govPrice/s.govPrice0, g.DepthElasticity)
	}
	s.govL = s.govU / s.govPrice
	if g.PanicSellShare > 0 && s.lambda > 0 {
		s.govSell(g.PanicSellShare * s.lambda * s.subDays * s.gov0)
	}

	if d := a.Defense; d != nil {
		first := s.defenseLeft - s.secondLeft
		first -= s.defend(&s.engaged[0], first, d.Trigger, d.Target, d.MaxPerDayUSD, d.SaleCost)
		if l := d.SecondLine; l != nil {
			s.secondLeft -= s.defend(&s.engaged[1], s.secondLeft, l.Trigger, l.Target, l.MaxPerDayUSD, d.SaleCost)
		}
		s.defenseLeft = max(0, first) + max(0, s.secondLeft)
		s.secondLeft = max(0, s.secondLeft)
	}

	s.arbitrageAlgorithmic()
}

// arbitrageAlgorithmic lets the arbitrageurs buy the stablecoin in the
// market, burn it through the sub-step and sell the minted governance
// tokens. They are competitive: they burn whenever the marginal burn pays,
// so they burn until the marginal mint rate, mintRate(δ*), times what a
// minted dollar brings in the governance pool after their sales equals the
// marginal cost of the last stablecoin bought. Within the sub-step the
// imbalance is raised to δ* at once (a single swap) or decays to it, and is
// then held there by burning at the rate δ*/τ (burnAt). What they burn
// rises with δ* and so does the marginal cost, while the marginal value
// falls: the equilibrium δ* is the root of a rising gap, found by
// regula falsi.
//
// Until this version they chose the sub-step's amount x, burned at a
// constant rate through it, to maximize the sub-step's profit, as one
// monopolist of the swap over the sub-step: the marginal value of x then
// counted the spread its own later burns in the sub-step paid, so a
// sub-step long against the recovery time τ burned about half of what the
// competitive flow does (marginal 1 − 4rτ/B against 1 − 2rτ/B at rate r),
// and the results moved with the sub-step (docs/model.md, "Sub-steps").
func (s *State) arbitrageAlgorithmic() {
	a := s.m.Algorithmic
	oracle := s.govPrice
	decayed := s.delta * s.deltaDecay // the imbalance without burns
	if s.halted = s.halted || oracle < a.HaltBelow; s.halted {
		s.delta = decayed
		return
	}
	xmax := s.bal[0] * (1 - s.m.Market.Fee) * (1 - 1e-9)
	// gap(δ*) = marginal cost − marginal value of burning up to δ*,
	// rising in δ*.
	gap := func(d float64) float64 {
		x, value, _ := s.burnAt(d)
		if x > xmax {
			return math.Inf(1)
		}
		return s.marginalCost(x) - s.mintRate(d)*s.govMarginal(value, oracle)
	}
	c0, q0 := s.marginalCost(0), s.govMarginal(0, oracle)
	if xmax <= 0 || !(c0 < s.mintRate(decayed)*q0) {
		s.delta = decayed
		return
	}
	// At δ* = B(√(q₀/c₀) − 1) the marginal mint alone, at the prices
	// before any trade, no longer pays: the root is below.
	hi := max(decayed, a.BasePoolUSD*(math.Sqrt(q0/c0)-1))
	for range 64 {
		if gap(hi) > 0 {
			break
		}
		hi = 2*hi + a.BasePoolUSD
	}
	x, value, d1 := s.burnAt(bisect(gap, decayed, hi))
	if !(x > 0) {
		s.delta = decayed
		return
	}
	tokens := s.buyWith(s.costToBuy(x))
	value *= min(1, tokens/x) // tokens = x up to rounding
	units := value / oracle
	s.delta = d1
	s.supply -= tokens
	s.gov += units
	s.mintedValue += value
	s.govSell(units)
	s.met.BurnedUSD += tokens
	s.stepBurned += tokens
}

// mintRate is the virtual pool's marginal mint per stablecoin burned at
// imbalance δ: B²/(B + δ)², at most 1 − min spread.
func (s *State) mintRate(d float64) float64 {
	a := s.m.Algorithmic
	k := a.BasePoolUSD / (a.BasePoolUSD + d)
	return min(1-a.MinSpread, k*k)
}

// swapValue is what a single burn taking the imbalance from d0 to d1 mints:
// the integral of mintRate from d0 to d1.
func (s *State) swapValue(d0, d1 float64) float64 {
	a := s.m.Algorithmic
	b := a.BasePoolUSD
	dm := s.dMin // imbalance below which the minimum spread binds
	v := 0.0
	if d0 < dm {
		v = (1 - a.MinSpread) * (min(d1, dm) - d0)
		d0 = dm
	}
	if d1 > d0 {
		v += b * b * (d1 - d0) / ((b + d0) * (b + d1))
	}
	return v
}

// burnAt is what competitive arbitrageurs burn in a sub-step when they burn
// whenever the marginal mint rate is at least mintRate(d): starting from
// δ₀ = s.delta, the imbalance is raised to d at once if it is below (a
// single swap, worth swapValue(δ₀, d)) or first decays to it, which takes
// τ·ln(δ₀/d), and is then held at d for the rest of the sub-step, burning
// at the rate d/τ at mintRate(d) per token. It returns the tokens burned,
// the value minted (USD at the oracle) and the imbalance at the end. Two
// halves of a sub-step at the same d burn, mint and end as the whole.
func (s *State) burnAt(d float64) (x, value, d1 float64) {
	d0 := s.delta
	if decayed := d0 * s.deltaDecay; d <= decayed {
		return 0, 0, decayed
	}
	hold := 1.0 // sub-steps held at d
	if d < d0 {
		hold = 1 - s.tau*math.Log(d0/d)
	} else {
		x, value = d-d0, s.swapValue(d0, d)
	}
	xh := d * hold / s.tau
	return x + xh, value + s.mintRate(d)*xh, d
}

// govMarginal is what one more dollar of governance tokens minted (at the
// oracle price) brings, USD, when value (USD at the oracle) has been minted
// and sold into the governance pool: the pool's marginal rate after the
// sale, after its fee.
func (s *State) govMarginal(value, oracle float64) float64 {
	fee := s.m.Algorithmic.Governance.Fee
	a := value / oracle * (1 - fee)
	l := s.govL + a
	return (1 - fee) * s.govU * s.govL / (l * l) / oracle
}

// marginalCost is the USD the x-th stablecoin bought from the market costs
// (+Inf when the pool does not hold x).
func (s *State) marginalCost(x float64) float64 {
	fee := s.m.Market.Fee
	y := s.bal[0] - x/(1-fee)
	if !(y > 0) {
		return math.Inf(1)
	}
	s.scratch[0], s.scratch[1] = y, s.pool.Y(0, 1, y)
	return s.probe.Price(0, 1) / (1 - fee)
}

// defend is one line of the reserve defense: with left USD of reserve, it
// engages once the price is below trigger and then buys and burns the
// stablecoin, at most maxPerDay per day, until the price reaches target
// (hysteresis: *engaged carries the state across steps, so the rule does
// not depend on how often it is checked). It returns the reserve value
// used.
func (s *State) defend(engaged *bool, left, trigger, target, maxPerDay, saleCost float64) float64 {
	if left <= 0 {
		*engaged = false
		return 0
	}
	p := s.pool.Price(0, 1)
	if p < trigger {
		*engaged = true
	}
	if !*engaged {
		return 0
	}
	if p >= target {
		*engaged = false
		return 0
	}
	budget := min(left*(1-saleCost), maxPerDay*s.subDays)
	u := s.spendToPrice(target, budget)
	if u < budget {
		*engaged = false // the target is reached within the step
	}
	if u <= 0 {
		return 0
	}
	tokens := s.buyWith(u)
	s.supply -= tokens
	s.defenseTokens += tokens
	s.met.DefenseUSD += u
	return min(left, u/(1-saleCost))
}

// govSell sells units of the governance token into its pool; its price
// becomes the pool's.
func (s *State) govSell(units float64) {
	fee := s.m.Algorithmic.Governance.Fee
	out := amm.AmountOut(units, s.govL, s.govU, fee)
	s.govL += units
	s.govU -= out
	s.govPrice = s.govU / s.govL
}

// Record runs phase 10 of step: the metrics.
func (s *State) Record(step int) {
	p := s.price
	t := float64(step) * s.hours
	met := &s.met
	met.MinPrice = min(met.MinPrice, p)
	met.MaxPoolShare = max(met.MaxPoolShare, s.PoolShare())
	if p < DepegLevel {
		met.HoursBelow99 += s.hours
		if !s.everBelow {
			s.everBelow = true
			met.FirstDepegHour = t
		}
		met.RecoveredHour = math.NaN()
	} else if s.everBelow && math.IsNaN(met.RecoveredHour) {
		met.RecoveredHour = t - s.hours // the step that ended at ≥ 0.99 started here
	}
	if p < SevereLevel {
		met.HoursBelow95 += s.hours
	}
}

// Metrics are the path's metrics at the horizon.
func (s *State) Metrics() Metrics {
	met := s.met
	met.FinalPrice = s.price
	met.QueuedUSD = s.queued
	met.ReservesLeftUSD = s.Reserves()
	met.SupplyChange = s.supply/s.supply0 - 1
	value := s.supply * s.price
	if s.m.Algorithmic != nil {
		met.GovSupplyMultiple = s.gov / s.gov0
		met.GovPriceFall = 1 - s.govPrice/s.govPrice0
		value += s.gov * s.govPrice
	}
	met.ValueDestroyedUSD = s.market0 - value - met.RedeemedUSD - met.DefenseUSD
	met.DipHeldShare = s.dipTokens / s.supply0
	return met
}

// Check verifies the accounting: no negative balance; reserve-backed:
// reserves at time 0 − reserves now − bank losses = redemptions paid =
// supply burned; algorithmic: supply at time 0 − supply now = burned +
// bought by the defense, and governance value minted ≤ (1 − min spread) ×
// burned.
func (s *State) Check() error {
	tol := 1e-9 * s.supply0
	for _, v := range []struct {
		name string
		x    float64
	}{{"supply", s.supply}, {"pool stablecoin balance", s.bal[0]}, {"pool numeraire balance", s.bal[1]},
		{"redemption queue", s.queued}, {"cash", s.cash}, {"bills", s.bills}, {"bills pending", s.billsPending},
		{"bank deposits", s.bank}, {"governance supply", s.gov}, {"governance price", s.govPrice},
		{"dip buyers' tokens", s.dipTokens}, {"dip buyers' capital", s.dipCash}} {
		if !(v.x >= -tol) || math.IsInf(v.x, 0) {
			return fmt.Errorf("stablecoin: %s is %v", v.name, v.x)
		}
	}
	for _, c := range s.arbCash {
		if !(c >= -tol) {
			return fmt.Errorf("stablecoin: arbitrageur cash is %v", c)
		}
	}
	if !(s.price > 0) || math.IsInf(s.price, 0) {
		return fmt.Errorf("stablecoin: price is %v", s.price)
	}
	if d := s.m.DipBuyers; d != nil {
		if spent := d.CapitalUSD - s.dipCash; math.Abs(spent-s.met.DipSpentUSD) > tol {
			return fmt.Errorf("stablecoin: dip buyers' capital used %.17g ≠ net spending %.17g", spent, s.met.DipSpentUSD)
		}
		if s.supply-s.bal[0]-s.queued-s.dipTokens < -tol {
			return fmt.Errorf("stablecoin: pool, queue and dip buyers hold %.17g, more than the supply %.17g", s.bal[0]+s.queued+s.dipTokens, s.supply)
		}
	}
	if s.m.Reserve != nil {
		paid := s.reserves0 - s.Reserves() - s.met.BankLossUSD
		if math.Abs(paid-s.met.RedeemedUSD) > tol {
			return fmt.Errorf("stablecoin: reserves paid out %.17g ≠ redemptions %.17g", paid, s.met.RedeemedUSD)
		}
		if burned := s.supply0 - s.supply; math.Abs(burned-s.met.RedeemedUSD) > tol {
			return fmt.Errorf("stablecoin: supply burned %.17g ≠ redemptions %.17g", burned, s.met.RedeemedUSD)
		}
		if s.supply-s.bal[0]-s.queued < -tol {
			return fmt.Errorf("stablecoin: pool and queue hold %.17g, more than the supply %.17g", s.bal[0]+s.queued, s.supply)
		}
		return nil
	}
	if burned := s.supply0 - s.supply; math.Abs(burned-s.met.BurnedUSD-s.defenseTokens) > tol {
		return fmt.Errorf("stablecoin: supply burned %.17g ≠ swap burns %.17g + defense %.17g", burned, s.met.BurnedUSD, s.defenseTokens)
	}
	if max := (1 - s.m.Algorithmic.MinSpread) * s.met.BurnedUSD; s.mintedValue > max+tol {
		return fmt.Errorf("stablecoin: minted %.17g USD of governance tokens for %.17g burned", s.mintedValue, s.met.BurnedUSD)
	}
	return nil
}
