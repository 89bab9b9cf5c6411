package engine

import (
	"fmt"
	"math"
	"time"

	"github.com/spiralrisk/spiral/engine/lending"
	"github.com/spiralrisk/spiral/engine/stablecoin"
	"github.com/spiralrisk/spiral/stochastic"
)

// PathError is a failure inside one path. Seed, Path and Step are enough to
// replay it.
type PathError struct {
	Seed uint64
	Path int
	Step int
	Err  error
}

func (e *PathError) Error() string {
	return fmt.Sprintf("seed %d path %d step %d: %v", e.Seed, e.Path, e.Step, e.Err)
}

func (e *PathError) Unwrap() error { return e.Err }

// pathRunner simulates paths one at a time. Each worker owns one; it
// allocates everything it needs when created and nothing per path.
type pathRunner struct {
	cfg               *Config
	steps             int
	dt, days, hours   float64
	price             stochastic.PriceSampler
	withdrawals       stochastic.WithdrawalSampler
	priceSrc, drawSrc *stochastic.Source
	depositSrc        *stochastic.Source
	pool              *lending.Pool
	inflowNoiseShift  float64

	// Liquidation model; nil without one.
	market  *market
	book    *lending.BookState
	dayLoss ringSum // realized bad debt over the last 24 h
	// What a traced path's next row sums when rows are recorded every
	// Trace.Every > 1 steps: the flows and the policy events since the
	// previous row.
	flows         seriesFlows
	pendingEvents int
	traced        bool      // the path being run records its series
	payouts       []float64 // backstop payouts due, by step modulo len
	// payoutSlot is the next step's index in payouts (step modulo
	// len(payouts), kept without a division).
	payoutSlot int
	backstop   float64 // backstop capacity left, USD
	parking    parking // when parked positions must be looked at again
	// noParking turns parking off and noShortcuts the other shortcuts of
	// the liquidation phase (tests prove they change no result).
	noParking, noShortcuts bool
	shortcuts              shortcutCounts

	warnAt [NumIndicators]float64 // see resetWarnings

	// Stablecoin; nil without one.
	coin    *stablecoin.State
	coinSrc *stochastic.Source

	// Policy (circuit breakers); nil without one. params and rules are
	// what the path reads: the configuration's, or with a policy the
	// path's own copies, which governance and stewards change.
	pol    *policyState
	params *lending.Params
	rules  *lending.LiquidationRules
}

func newPathRunner(cfg *Config) *pathRunner {
	dt := cfg.Dt()
	steps := cfg.Steps()
	r := &pathRunner{
		cfg:              cfg,
		steps:            steps,
		dt:               dt,
		days:             dt * stochastic.DaysPerYear,
		hours:            cfg.Step.Hours(),
		price:            cfg.Price.NewSampler(dt),
		withdrawals:      cfg.Withdrawals.NewSampler(dt),
		priceSrc:         stochastic.NewSource(cfg.Seed, stochastic.StreamPrice),
		drawSrc:          stochastic.NewSource(cfg.Seed, stochastic.StreamWithdrawals),
		depositSrc:       stochastic.NewSource(cfg.Seed, stochastic.StreamDeposits),
		inflowNoiseShift: -0.5 * cfg.Inflow.NoiseSigma * cfg.Inflow.NoiseSigma,
		params:           &cfg.Pool,
	}
	if cfg.Liquidation != nil {
		r.rules = &cfg.Liquidation.Rules
	}
	if cfg.Policy != nil {
		ps := newPolicyState(cfg)
		ps.rates.init(cfg.Pool.Rates)
		ps.params = cfg.Pool
		ps.params.Rates = ps.rates.model()
		r.pol, r.params = ps, &ps.params
		if cfg.Liquidation != nil {
			ps.rules = cfg.Liquidation.Rules
			r.rules = &ps.rules
		}
	}
	r.pool = lending.NewPool(r.params, steps+1)
	if l := cfg.Liquidation; l != nil {
		r.market = newMarket(l, cfg)
		r.book = lending.NewBookState(l.Book)
		r.dayLoss = newRingSum(max(int(24*time.Hour/cfg.Step), 1))
		r.payouts = make([]float64, int(l.Backstop.PayoutDelay/cfg.Step)+1)
	}
	if sc := cfg.Stablecoin; sc != nil {
		r.coin = stablecoin.NewState(&sc.Model, cfg.Step, steps, cfg.Start)
		r.coinSrc = stochastic.NewSource(cfg.Seed, stochastic.StreamStablecoin)
	}
	return r
}

// seriesCap is the number of points a traced path records.
func (c *Config) seriesCap() int {
	steps := c.Steps()
	return (steps + c.Trace.Every - 1) / c.Trace.Every
}

// run simulates one path into res. It records the series when the path is
// traced, reusing res.Series' storage.
func (r *pathRunner) run(path int, res *PathResult) error {
	cfg := r.cfg
	seed, p := cfg.Seed, uint64(path)
	r.priceSrc.Seed(seed, p, stochastic.StreamPrice)
	r.drawSrc.Seed(seed, p, stochastic.StreamWithdrawals)
	r.depositSrc.Seed(seed, p, stochastic.StreamDeposits)
	r.withdrawals.Reset(r.drawSrc)
	pool := r.pool
	pool.Reset()
	exo := r.price.Reset(r.priceSrc)
	coin := r.coin
	var coupling Coupling
	if coin != nil {
		coupling = cfg.Stablecoin.Coupling
		r.coinSrc.Seed(seed, p, stochastic.StreamStablecoin)
		coin.Reset()
		if coupling == CouplingCollateral {
			exo *= coin.Price()
		}
	}
	m := r.market
	if m != nil {
		m.reset(exo)
		r.book.Reset()
		r.dayLoss.reset()
		clear(r.payouts)
		r.payoutSlot = 1 % len(r.payouts)
		r.backstop = cfg.Liquidation.Backstop.CapacityUSD
		r.parking = parking{}
	}

	traced := cfg.Traced(path)
	r.traced = traced
	res.Series = res.Series[:0]
	r.flows, r.pendingEvents = seriesFlows{}, 0
	s := &res.Summary
	*s = Summary{Path: path, Seed: seed, FirstUnmetHour: math.NaN(), InsolventHour: math.NaN(),
		FirstTriggerHour: math.NaN(), FirstPauseHour: math.NaN()}
	r.resetWarnings(s)
	var mask PauseAction // pauses in force in the step
	if r.pol != nil {
		r.resetPolicy(s)
	}

	price := exo
	peak, minPrice := price, price
	var sig stochastic.Signals
	var sumU, waitSteps float64
	var withdrawn float64 // asset coupling: stablecoins paid to depositors in the previous step
	s.MaxUtilization = pool.Utilization()
	b := &cfg.Borrowers
	in := &cfg.Inflow

	for step := 1; step <= r.steps; step++ {
		if r.pol != nil {
			mask = r.pol.mask
		}
		// 1. Stablecoin events; exogenous price (in the collateral
		// coupling times the stablecoin's price at the end of the previous
		// step). 2–3. Market price with DEX impact; oracle.
		if coin != nil {
			coin.Events(step)
		}
		exo = r.price.Next(r.priceSrc)
		if coupling == CouplingCollateral && coin != nil {
			exo *= coin.Price()
		}
		oracle := exo
		if m != nil {
			m.step(exo)
		}

		// 4. Interest accrual at the rate set by the previous step's state.
		s.InterestUSD += pool.Accrue(r.dt)

		// 5. Rate-sensitive borrowers respond to the borrow rate (a borrow
		// pause stops new borrowing). Positions in the book are only ever
		// repaid by liquidation.
		rate := pool.BorrowRate()
		if rate > b.ToleranceAPR {
			elastic := pool.Borrows
			if m != nil {
				debt, _ := r.book.Totals(pool.BorrowIndex)
				elastic = max(0, elastic-debt)
			}
			share := min(b.MaxRepayPerDay, b.RepayElasticity*(rate-b.ToleranceAPR)/b.ToleranceAPR) * r.days
			s.RepaidUSD += pool.Repay(elastic * share)
		} else if rate < b.CheapAPR && mask&PauseBorrow == 0 {
			share := min(b.MaxBorrowPerDay, b.BorrowElasticity*(b.CheapAPR-rate)/b.CheapAPR) * r.days
			s.NewBorrowsUSD += pool.Borrow(pool.Borrows * share)
		}

		// 6. Liquidations, in cascade rounds, unless paused.
		var liquidated, capacity float64
		var rounds int
		if m != nil {
			if mask&PauseLiquidate == 0 {
				liquidated, capacity, rounds = r.liquidate(step, s)
			} else {
				r.pausedLiquidations(step, s)
			}
			price, oracle = m.price, m.oracle
			if m.price != m.exo { // else the impact is 0 (no sale yet on the path)
				s.MaxImpact = max(s.MaxImpact, 1-m.price/m.exo)
			}
		} else {
			price = exo
		}
		peak = max(peak, price)
		minPrice = min(minPrice, price)
		drawdown := 1 - price/peak

		// 7. Depositors: withdrawal requests from the signals at the end of
		// the previous step (they queue even when withdrawals are paused),
		// then new deposits (none while deposits are paused; the noise is
		// drawn all the same, so paths keep their random numbers).
		f := r.withdrawals.Next(r.drawSrc, sig)
		requested := f * pool.Unqueued()
		pool.Request(requested, step)
		s.RequestedUSD += requested
		panicLevel := r.withdrawals.Intensity()
		inflow := in.Baseline
		if sr := pool.SupplyRate(); sr > in.ReferenceAPR {
			inflow += in.Attraction * (sr - in.ReferenceAPR) / in.ReferenceAPR
		}
		if panicLevel != 0 { // e^0 = 1: skip the exp in calm steps
			inflow *= math.Exp(-in.PanicDamping * panicLevel)
		}
		if in.NoiseSigma > 0 {
			inflow *= math.Exp(in.NoiseSigma*r.depositSrc.NormFloat64() + r.inflowNoiseShift)
		}
		deposited := 0.0
		if mask&PauseDeposit == 0 {
			deposited = pool.Deposit(inflow * r.days * cfg.Pool.Deposits)
		}
		s.NewDepositsUSD += deposited
		// Stablecoin holders sell or queue redemptions; arbitrage.
		if coin != nil {
			locked := 0.0
			if coupling == CouplingAsset {
				locked = pool.Cash
			}
			coin.Trade(r.coinSrc, step, withdrawn, locked)
		}

		// 8. Settlement: backstop payouts due now, then the withdrawal queue
		// first come, first served, unless withdrawals are paused.
		if m != nil {
			k := r.payoutSlot // step % len(r.payouts)
			if r.payoutSlot++; r.payoutSlot == len(r.payouts) {
				r.payoutSlot = 0
			}
			pool.Cover(r.payouts[k])
			r.payouts[k] = 0
		}
		var paid, wait float64
		if mask&PauseWithdraw == 0 {
			paid, wait = pool.Settle(step)
		}
		s.PaidUSD += paid
		waitSteps += wait
		// Stablecoin redemptions within the desk's hours and capacity.
		if coin != nil {
			coin.Settle(step)
			if coupling == CouplingAsset {
				withdrawn = paid
			}
		}

		// 10. Record (phase 9 follows: it reads the same end-of-step state,
		// and the series shows what was in force during the step).
		if err := pool.Check(); err != nil {
			return &PathError{Seed: seed, Path: path, Step: step, Err: err}
		}
		depeg := 0.0
		if coin != nil {
			coin.Record(step)
			if err := coin.Check(); err != nil {
				return &PathError{Seed: seed, Path: path, Step: step, Err: err}
			}
			depeg = max(0, 1-coin.Price())
		}
		u, rate, supply := pool.Rates()
		queue := pool.Queued()
		sumU += u
		s.MaxUtilization = max(s.MaxUtilization, u)
		if u >= 0.999 {
			s.HoursUtilization += r.hours
		}
		s.PeakBorrowAPR = max(s.PeakBorrowAPR, rate)
		s.PeakSupplyAPR = max(s.PeakSupplyAPR, supply)
		s.PeakPanic = max(s.PeakPanic, panicLevel)
		s.MaxDrawdown = max(s.MaxDrawdown, drawdown)
		if queue > 0 {
			s.MaxQueueUSD = max(s.MaxQueueUSD, queue)
			s.HoursQueueNonZero += r.hours
			if math.IsNaN(s.FirstUnmetHour) {
				s.FirstUnmetHour = float64(step) * r.hours
			}
		}
		if traced {
			// Rows every Every > 1 steps carry the sums of the per-step
			// flows over the steps since the previous row (and the pauses
			// in force in any of them).
			every := cfg.Trace.Every
			if every > 1 {
				r.flows.add(requested, paid, deposited, liquidated, capacity, rounds, mask)
				if coin != nil {
					r.flows.addCoin(coin.StepFlows())
				}
			}
			if step%every == 0 || step == r.steps {
				res.Series = append(res.Series, SeriesPoint{
					Step: step, Hour: float64(step) * r.hours, Price: exo, MarketPrice: price, OraclePrice: oracle,
					Drawdown: drawdown, Utilization: u, BorrowAPR: rate, SupplyAPR: supply,
					CashUSD: pool.Cash, BorrowsUSD: pool.Borrows, DepositsUSD: pool.Deposits, ReservesUSD: pool.Reserves,
					QueueUSD: queue, RequestedUSD: requested, PaidUSD: paid, NewDepositsUSD: deposited,
					PanicIntensity: panicLevel, LiquidatedUSD: liquidated, BadDebtUSD: s.RealizedBadDebtUSD,
					Rounds: rounds, KeeperCapacity: capacity,
					Paused: int(mask), ReserveFactor: r.params.ReserveFactor,
					SupplyCapUSD: r.params.SupplyCap, BorrowCapUSD: r.params.BorrowCap,
				})
				pt := &res.Series[len(res.Series)-1]
				if r.rules != nil {
					pt.LiquidationThreshold, pt.LiquidationBonus = r.rules.LiquidationThreshold, r.rules.Bonus
				}
				r.recordCoin(pt)
				if every > 1 {
					r.flows.fill(pt, coin != nil)
					r.flows = seriesFlows{}
				}
			}
		}
		sig = stochastic.Signals{Utilization: u, Drawdown: drawdown, Depeg: depeg}
		if queue != 0 { // 0 / deposits is 0: spare the division in calm steps
			sig.UnmetQueue = queue / max(pool.Deposits, 1e-300)
		}
		if s.RealizedBadDebtUSD != 0 {
			sig.BadDebt = s.RealizedBadDebtUSD / cfg.Pool.Deposits
		}
		r.observeWarnings(step, s, rate, &sig)

		// 9. Policy: triggers on the end-of-step state; changes and pauses
		// for the next steps.
		if r.pol != nil {
			r.recordPauses(mask, s)
			r.policy(step, &sig, s)
			if traced {
				r.pendingEvents += r.pol.events // since the previous row
				if len(res.Series) > 0 && res.Series[len(res.Series)-1].Step == step {
					res.Series[len(res.Series)-1].PolicyEvents = r.pendingEvents
					r.pendingEvents = 0
				}
			}
		}
	}

	s.MinPrice, s.FinalPrice = minPrice, price
	s.Stablecoin = stablecoin.NoMetrics()
	if coin != nil {
		s.Stablecoin = coin.Metrics()
	}
	s.MeanUtilization = sumU / float64(r.steps)
	s.FinalBorrowAPR = pool.BorrowRate()
	s.FinalDepositsUSD, s.FinalBorrowsUSD, s.FinalReservesUSD = pool.Deposits, pool.Borrows, pool.Reserves
	s.FinalQueueUSD = pool.Queued()
	s.StuckShare = s.FinalQueueUSD / cfg.Pool.Deposits
	if s.RequestedUSD > 0 {
		waitSteps += pool.PendingWait(r.steps)
		s.MeanWaitHours = waitSteps / s.RequestedUSD * r.hours
	}
	if m != nil {
		// Open positions are valued at what liquidating them at the final
		// oracle price would recover, the same rule that sets realized bad
		// debt, so bad debt does not depend on whether a keeper got to a
		// position before the horizon.
		_, s.UnrealizedBadDebtUSD = r.book.Underwater(m.oracle/(1+r.rules.Bonus), pool.BorrowIndex)
		s.BadDebtUSD = s.RealizedBadDebtUSD + s.UnrealizedBadDebtUSD
		s.DeficitUSD = pool.Deficit
	}
	return nil
}

// recordCoin fills the stablecoin's fields of a series point.
func (r *pathRunner) recordCoin(pt *SeriesPoint) {
	c := r.coin
	if c == nil {
		return
	}
	pt.PegPrice, pt.PoolStableShare = c.Price(), c.PoolShare()
	pt.StableSupply, pt.HolderPanic = c.Supply(), c.Panic()
	pt.HoldersSold, pt.RedeemRequested, pt.RedeemedUSD, pt.StableBurned = c.StepFlows()
	pt.RedemptionQueue, pt.StableReservesUSD, pt.StableBackingUSD = c.Queued(), c.Reserves(), c.Backing()
	if r.cfg.Stablecoin.Model.Algorithmic != nil {
		pt.GovPrice, pt.GovSupply = c.GovPrice(), c.GovSupply()
	}
}

// keeperCapacity is the step's keeper capacity, USD, and the gas
// multiplier g it is divided by (to the power CapacityGasElasticity).
func (r *pathRunner) keeperCapacity() (capacity, g float64) {
	kp := &r.cfg.Liquidation.Keepers
	r.market.stress()
	g = r.market.gasMultiplier()
	capacity = kp.CapacityUSD * r.hours
	// / g^e, without math.Pow where it is exact to skip (g^0 = 1^e = 1, g^1 = g).
	if e := kp.CapacityGasElasticity; g != 1 && e != 0 {
		if e == 1 {
			capacity /= g
		} else {
			capacity /= math.Pow(g, e)
		}
	}
	return capacity, g
}

// liquidate runs phase 6: rounds in which keepers liquidate positions that
// are liquidatable at the oracle price, most at risk first. A keeper repays
// the amount that maximizes its proceeds − repaid on the DEX curve (so thin
// liquidity means smaller liquidations, not none), within the close factor
// and the step's remaining capacity, and acts only if proceeds − repaid − gas
// covers its minimum profit. A position may be liquidated again in the same
// round; one that does not pay is set aside for the rest of the step. The
// sales move the market price; when the oracle follows, the next round finds
// new positions. It returns the debt repaid, the step's keeper capacity (0
// when the path is not traced and nothing could be liquidated: only series
// record it) and the number of rounds with liquidations.
//
// Three shortcuts leave every result as if each liquidatable position were
// visited in turn (TestParkingChangesNothing, TestLiquidationShortcuts):
// an O(1) upper bound on a position's profit before the exact plan and DEX
// quote; the end of a round's visits once no liquidation within the
// remaining capacity can pay (the positions not visited count as visited
// and set aside); and parking (see parking).
func (r *pathRunner) liquidate(step int, s *Summary) (repaid, capacity float64, rounds int) {
	l, rules := r.cfg.Liquidation, r.rules
	kp := &l.Keepers
	m, book, pool := r.market, r.book, r.pool
	index := pool.BorrowIndex
	// A step with nothing liquidatable and nothing parked ends here, as the
	// rounds below would end it at once: no visit, no position waits
	// (nothing is set aside or parked), nothing repaid, no loss. Only a
	// traced path needs its keeper capacity (a series column).
	if !r.parking.active && !book.HasNext(m.oracle, index) {
		book.EndRound() // forgets what HasNext saw, as the rounds' EndRound would
		if rules.LiquidationThreshold*(1+rules.Bonus) > 1-1e-9 {
			s.MaxToxicPositions = max(s.MaxToxicPositions, book.Toxic(m.oracle, index, rules.Bonus))
		}
		r.absorb(0, step, s)
		if r.traced {
			capacity, _ = r.keeperCapacity()
		}
		return 0, capacity, 0
	}
	capacity, g := r.keeperCapacity()
	left := capacity
	gas := kp.GasUSD * g
	// Collateral units the keeper receives per USD repaid, after the
	// protocol's share of the bonus.
	perUnit := 1 + rules.Bonus*(1-rules.ProtocolFee)
	perUSD := perUnit / m.oracle
	var loss float64
	skipped := 0
	park := !r.noParking && l.Oracle.Delay == 0
	// need is the least repay (USD) that can pay in this step, from the
	// market at the phase's start: computed here when positions are parked,
	// else at the first visit (nothing moves the market before it).
	var need float64
	needKnown := false
	if park && r.parking.active {
		need, needKnown = r.parking.need(m, perUnit, gas, l), true
		r.shortcuts.releasedGas += r.parking.release(book, need, index)
	}
	// A round whose visits ended because nothing within the remaining
	// capacity could pay leaves its unvisited liquidatable positions to be
	// set aside, as visiting them would have, if another round follows.
	pendingSkip, pendingOracle := false, 0.0
	for rounds < kp.MaxRounds && left > 0 {
		if pendingSkip {
			n := book.SkipLiquidatable(pendingOracle, index)
			skipped += n
			r.shortcuts.setAside += n
			pendingSkip = false
		}
		if park {
			r.shortcuts.releasedFullClose += r.parking.releaseFullClose(book, rules, m.oracle, index, need)
		}
		if !book.HasNext(m.oracle, index) {
			break // nothing to liquidate: spare the DEX's best repay
		}
		m.openPool()
		if park && !needKnown {
			need, needKnown = r.parking.need(m, perUnit, gas, l), true
		}
		acted := false
		// Once the DEX is so dislocated that no liquidation of any position
		// covers gas and the minimum profit, the round is over without
		// visiting the remaining liquidatable positions one by one.
		best, most := m.best(perUSD)
		// proceeds/repaid − 1 is at most margin, selling without slippage
		// at the current market price; sales only lower it.
		margin := perUSD*m.price*(1-l.DEX.Fee) - 1
		for left > 0 && most >= gas+kp.MinProfitUSD {
			if !r.noShortcuts && cannotPay(left, margin, gas, kp.MinProfitUSD) {
				pendingSkip, pendingOracle = true, m.oracle
				break
			}
			p, ok := book.Next(m.oracle, index)
			if !ok {
				break
			}
			r.shortcuts.visits++
			debt := p.Debt(index)
			maxRepay := rules.MaxRepay(debt, p.Collateral, m.oracle)
			var liq lending.Liquidation
			var proceeds float64
			pays := r.noShortcuts || !cannotPay(min(maxRepay, left, best), margin, gas, kp.MinProfitUSD)
			if !pays {
				r.shortcuts.bounded++
			} else {
				// = PlanMaxRepay(debt, p.Collateral, m.oracle, min(left, best))
				liq = rules.PlanRepay(min(maxRepay, max(0, min(left, best))), p.Collateral, m.oracle)
				proceeds = m.quote(liq.ToLiquidator)
				pays = !((liq.Repaid <= 0 && !liq.Exhausted) || proceeds-liq.Repaid-gas < kp.MinProfitUSD)
			}
			if !pays {
				if park && r.parking.park(book, p, debt, maxRepay, need, index) {
					r.shortcuts.parked++
				} else {
					book.Skip(p)
					skipped++
				}
				continue
			}
			m.sell(liq.ToLiquidator, proceeds)
			pool.Repay(liq.Repaid)
			left -= liq.Repaid
			repaid += liq.Repaid
			s.Liquidations++
			s.ProtocolFeeUSD += liq.ProtocolFee * m.oracle
			q := p.After(liq, index)
			if liq.Exhausted {
				loss += q.Debt(index)
				q.ScaledDebt = 0
			}
			book.Put(q)
			acted = true
			best, most = m.best(perUSD)
			margin = perUSD*m.price*(1-l.DEX.Fee) - 1
		}
		if !acted {
			break
		}
		rounds++
		if !m.updateOracle() {
			break
		}
		perUSD = perUnit / m.oracle
	}
	// Every position still liquidatable waited this step: those set aside
	// or parked because liquidating them would not pay, the others (not
	// visited) because capacity ran out or because no liquidation could pay.
	waiting, parked := book.LiquidatableAndParked(m.oracle, index)
	if left <= 0 {
		s.SkippedUnprofitable += skipped + parked
		s.SkippedCapacity += max(0, waiting-skipped-parked)
	} else {
		s.SkippedUnprofitable += waiting
	}
	book.EndRound()
	s.LiquidatedDebtUSD += repaid
	s.MaxCascadeRounds = max(s.MaxCascadeRounds, rounds)
	// Toxic positions are liquidatable when LT·(1 + bonus) ≤ 1: their count
	// is then at most waiting, and needed only if that beats the maximum.
	if rules.LiquidationThreshold*(1+rules.Bonus) > 1-1e-9 || waiting > s.MaxToxicPositions {
		s.MaxToxicPositions = max(s.MaxToxicPositions, book.Toxic(m.oracle, index, rules.Bonus))
	}
	r.absorb(loss, step, s)
	return repaid, capacity, rounds
}

// cannotPay reports whether no liquidation repaying at most repay USD can
// yield proceeds − repaid − gas ≥ minProfit when proceeds/repaid − 1 is at
// most margin. The bound is loosened by a billionth of repay so that
// rounding in the exact plan and DEX quote can never make it wrong.
func cannotPay(repay, margin, gas, minProfit float64) bool {
	return repay*margin-gas < minProfit-1e-9*repay
}

// parking decides which unprofitable positions may be set aside across
// rounds and steps (lending.BookState.ParkUntil) and when they must be
// looked at again.
//
// A keeper's proceeds from a liquidation repaying R USD are at most
// R·(1 + b')·ρ·(1 − f): selling without slippage, with b' the bonus after
// the protocol's share, f the DEX fee and ρ the ratio of the DEX (= market)
// price to the oracle price. Without an oracle delay, within a step ρ is
// at most max(1, ρ₀), ρ₀ its value when the phase starts: sales only lower
// the market, and an oracle update brings ρ to 1. So no liquidation in the
// step pays unless R·M − gas ≥ min_profit, M = (1 + b')·max(1, ρ₀)·(1 − f) − 1:
// unless R ≥ need = (gas + min_profit)/M. R is at most the close factor's
// cap: the close factor times the debt while the health factor is at least
// full_close_below, the whole debt below it. A visited position that does
// not pay and whose cap, 1 % larger than it is, is below need, is parked
// with that (1 %-larger) cap as its release level: it is looked at again
// at the start of the first step whose need is at most its level (gas or
// the market/oracle ratio has moved in its favour), at the start of the
// first round in which its health factor is below full_close_below (if the
// close factor capped it), or when the borrow index has risen by 1 %. (A
// position whose collateral a liquidation would exhaust repays less, never
// more, so the bound holds for it too.) Parking changes no result
// (TestParkingChangesNothing, TestLiquidationShortcuts): a position is
// released where it would be had it never been parked, set aside for the
// rest of the step if a keeper would have looked at it in this step
// already.
type parking struct {
	active bool
	index  float64 // lowest borrow index at a parking
}

// need is the least repay (USD) with which a liquidation can pay in this
// step, given the market m at the start of the liquidation phase, perUnit
// = 1 + b' and the gas; +Inf when none can.
func (k *parking) need(m *market, perUnit, gas float64, l *Liquidation) float64 {
	margin := perUnit*max(1, m.price/m.oracle)*(1-l.DEX.Fee) - 1
	if !(margin > 0) {
		return math.Inf(1)
	}
	return (gas + l.Keepers.MinProfitUSD) / margin
}

// park parks p (debt USD, at most maxRepay USD repayable now) if its
// release level 1.01·maxRepay is below need, and reports whether it did.
// If the close factor capped it, its level becomes 1.01·debt once its
// health factor falls below full_close_below (releaseFullClose).
func (k *parking) park(book *lending.BookState, p lending.Position, debt, maxRepay, need, index float64) bool {
	level := 1.01 * maxRepay
	if !(level < need) {
		return false
	}
	book.ParkUntil(p, level, 1.01*debt)
	if !k.active {
		*k = parking{active: true, index: index}
	} else {
		k.index = min(k.index, index)
	}
	return true
}

// release, at the start of a step, unparks every parked position if the
// index has risen 1 % since the earliest parking, and otherwise those whose
// release level is at least the step's need.
func (k *parking) release(book *lending.BookState, need, index float64) (released int) {
	if !k.active {
		return 0
	}
	if index > k.index*1.01 {
		released = book.Parked()
		book.Unpark()
		*k = parking{}
		return released
	}
	return book.UnparkLevel(need)
}

// releaseFullClose, at the start of a round, raises the release level of
// the positions parked because the close factor capped them whose health
// factor is now below full_close_below at oracle price oracle (with a
// margin against rounding: doing so early costs a visit, never a result)
// to 1.01 × their debt, and releases those for which that reaches need.
// (A visit would have parked them again with that level.)
func (k *parking) releaseFullClose(book *lending.BookState, rules *lending.LiquidationRules, oracle, index, need float64) (released int) {
	if !k.active || !(rules.FullCloseBelow > 0) {
		return 0
	}
	// HF < full_close_below ⇔ ScaledDebt/Collateral > oracle·LT/(index·full_close_below).
	return book.UnparkRiskier(oracle*rules.LiquidationThreshold/(index*rules.FullCloseBelow)*(1-1e-9), need)
}

// shortcutCounts count what the liquidation phase's shortcuts did over a
// runner's life, for tests and profiling.
type shortcutCounts struct {
	visits            int // positions taken from the book
	bounded           int // of which rejected by the O(1) profit bound
	parked            int // of which parked
	setAside          int // positions set aside without a visit
	releasedGas       int // parked positions released as gas fell (or the index rose)
	releasedFullClose int // parked positions released as full closes became allowed
}

// absorb runs the bad-debt waterfall for loss USD realized at step:
// reserves, then the backstop (paid after its delay), then a haircut on
// depositors or a deficit.
func (r *pathRunner) absorb(loss float64, step int, s *Summary) {
	r.dayLoss.push(loss)
	s.WorstDayBadDebtUSD = max(s.WorstDayBadDebtUSD, r.dayLoss.sum)
	if loss <= 0 {
		return
	}
	s.RealizedBadDebtUSD += loss
	fromReserves := r.pool.WriteOff(loss)
	s.ReservesUsedUSD += fromReserves
	rest := loss - fromReserves
	cover := min(rest, r.backstop)
	if cover > 0 {
		r.backstop -= cover
		s.BackstopUsedUSD += cover
		k := (step + len(r.payouts) - 1) % len(r.payouts)
		if len(r.payouts) == 1 {
			r.pool.Cover(cover) // no delay: paid at once
		} else {
			r.payouts[k] += cover
		}
	}
	if uncovered := rest - cover; uncovered > 0 {
		if !s.Insolvent {
			s.Insolvent = true
			s.InsolventHour = float64(step) * r.hours
		}
		if r.cfg.Liquidation.Backstop.Socialize {
			share := r.pool.Haircut(uncovered)
			s.HaircutShare = 1 - (1-s.HaircutShare)*(1-share)
		}
	}
}

// seriesFlows sums a traced path's per-step flows between two rows of its
// series (outputs.trace_every longer than the step).
type seriesFlows struct {
	requested, paid, deposited, liquidated, capacity float64
	rounds                                           int
	paused                                           int // the pauses in force in any of the steps
	holdersSold, redeemRequested, redeemed, burned   float64
}

func (f *seriesFlows) add(requested, paid, deposited, liquidated, capacity float64, rounds int, paused PauseAction) {
	f.paused |= int(paused)
	f.requested += requested
	f.paid += paid
	f.deposited += deposited
	f.liquidated += liquidated
	f.capacity += capacity
	f.rounds += rounds
}

func (f *seriesFlows) addCoin(holdersSold, redeemRequested, redeemed, burned float64) {
	f.holdersSold += holdersSold
	f.redeemRequested += redeemRequested
	f.redeemed += redeemed
	f.burned += burned
}

// fill writes the sums into a row in place of its own step's flows.
func (f *seriesFlows) fill(pt *SeriesPoint, coin bool) {
	pt.RequestedUSD, pt.PaidUSD, pt.NewDepositsUSD = f.requested, f.paid, f.deposited
	pt.LiquidatedUSD, pt.KeeperCapacity, pt.Rounds, pt.Paused = f.liquidated, f.capacity, f.rounds, f.paused
	if coin {
		pt.HoldersSold, pt.RedeemRequested, pt.RedeemedUSD, pt.StableBurned = f.holdersSold, f.redeemRequested, f.redeemed, f.burned
	}
}

// ringSum keeps the sum of the last n values pushed. While every value in
// the ring is 0, pushing a 0 changes nothing that can be observed (where the
// ring starts does not matter when all of it is 0), so push skips it: a path
// without bad debt pays nothing for the 24 h window.
type ringSum struct {
	vals    []float64
	next    int
	sum     float64
	nonzero int // values in vals that are not 0
}

func newRingSum(n int) ringSum { return ringSum{vals: make([]float64, n)} }

func (r *ringSum) reset() {
	clear(r.vals)
	r.next, r.sum, r.nonzero = 0, 0, 0
}

func (r *ringSum) push(v float64) {
	if v == 0 && r.nonzero == 0 {
		return
	}
	old := r.vals[r.next]
	if old != 0 {
		r.nonzero--
	}
	if v != 0 {
		r.nonzero++
	}
	r.sum += v - old
	r.vals[r.next] = v
	if r.next++; r.next == len(r.vals) {
		r.next = 0
	}
	if r.sum < 0 { // rounding residue after large values leave
		r.sum = 0
	}
}
