package lending

import (
	"errors"
	"fmt"
	"math"

	"github.com/spiralrisk/spiral/engine/internal/field"
)

// Params are a pool's initial state, rate model and caps.
type Params struct {
	// Deposits are the depositors' initial claims, USD in (0, 1e13].
	Deposits float64
	// Utilization is the initial borrows / (cash + borrows), in [0, 1).
	Utilization float64
	// Reserves are the protocol's initial reserves (treasury), USD in
	// [0, Deposits].
	Reserves float64
	// Rates maps utilization to the borrow rate.
	Rates RateModel
	// ReserveFactor is the share of borrow interest kept as reserves, in [0, 1).
	ReserveFactor float64
	// SupplyCap bounds total deposits, USD ≥ 0; 0 means no cap.
	SupplyCap float64
	// BorrowCap bounds total borrows, USD ≥ 0; 0 means no cap.
	BorrowCap float64
}

// Validate reports every parameter outside its range.
func (p *Params) Validate() error {
	var errs []error
	if !(p.Deposits > 0 && p.Deposits <= 1e13) {
		errs = append(errs, fmt.Errorf("deposits: must be in (0, 1e13] USD, got %v", p.Deposits))
	}
	if !(p.Utilization >= 0 && p.Utilization < 1) {
		errs = append(errs, fmt.Errorf("utilization: must be in [0, 1), got %v", p.Utilization))
	}
	if !(p.Reserves >= 0 && p.Reserves <= p.Deposits) {
		errs = append(errs, fmt.Errorf("reserves: must be in [0, deposits] USD, got %v", p.Reserves))
	}
	if p.Rates == nil {
		errs = append(errs, errors.New("rate_model: missing"))
	} else if err := p.Rates.Validate(); err != nil {
		errs = append(errs, field.Prefix("rate_model", err))
	}
	if !(p.ReserveFactor >= 0 && p.ReserveFactor < 1) {
		errs = append(errs, fmt.Errorf("reserve_factor: must be in [0, 1), got %v", p.ReserveFactor))
	}
	if !(p.SupplyCap >= 0) || math.IsInf(p.SupplyCap, 0) {
		errs = append(errs, fmt.Errorf("supply_cap: must be finite and ≥ 0 USD (0 = none), got %v", p.SupplyCap))
	} else if p.SupplyCap > 0 && p.SupplyCap < p.Deposits {
		errs = append(errs, fmt.Errorf("supply_cap: %v is below the initial deposits %v", p.SupplyCap, p.Deposits))
	}
	if !(p.BorrowCap >= 0) || math.IsInf(p.BorrowCap, 0) {
		errs = append(errs, fmt.Errorf("borrow_cap: must be finite and ≥ 0 USD (0 = none), got %v", p.BorrowCap))
	} else if b := p.Utilization * (p.Deposits + p.Reserves); p.BorrowCap > 0 && p.BorrowCap < b {
		errs = append(errs, fmt.Errorf("borrow_cap: %v is below the initial borrows %v", p.BorrowCap, b))
	}
	return errors.Join(errs...)
}

// Pool is one path's lending pool. Create it once per worker with [NewPool]
// and [Pool.Reset] it for every path; no method allocates.
type Pool struct {
	Cash     float64 // asset held by the pool, USD ≥ 0
	Borrows  float64 // outstanding debt including accrued interest, USD ≥ 0
	Deposits float64 // depositors' claims including queued withdrawals, USD ≥ 0
	Reserves float64 // protocol's claims (treasury), USD ≥ 0
	Deficit  float64 // bad debt not covered by anyone, USD ≥ 0
	// BorrowIndex grows with borrow interest from 1 at step 0; a position's
	// debt is its scaled debt times BorrowIndex.
	BorrowIndex float64

	params *Params
	queue  withdrawalQueue
}

// NewPool returns a pool for params whose withdrawal queue holds up to
// maxRequests pending requests (one per step is enough for the engine).
func NewPool(params *Params, maxRequests int) *Pool {
	p := &Pool{params: params, queue: withdrawalQueue{entries: make([]request, maxRequests)}}
	p.Reset()
	return p
}

// Reset restores the initial state of params.
func (p *Pool) Reset() {
	p.Deposits = p.params.Deposits
	p.Reserves = p.params.Reserves
	p.Deficit = 0
	funds := p.Deposits + p.Reserves
	p.Borrows = p.params.Utilization * funds
	p.Cash = funds - p.Borrows
	p.BorrowIndex = 1
	p.queue.reset()
}

// Utilization is Borrows / (Cash + Borrows), in [0, 1]. As in Aave v3,
// reserves are the treasury's supplied balance (minted as aTokens) and count
// as liquidity, so they are not subtracted as in Compound v2's formula
// ([Utilization] with reserves); this keeps utilization ≤ 1 when
// withdrawals drain cash below the reserves.
func (p *Pool) Utilization() float64 { return Utilization(p.Cash, p.Borrows, 0) }

// BorrowRate is the current annual borrow rate.
func (p *Pool) BorrowRate() float64 { return p.params.Rates.BorrowRate(p.Utilization()) }

// SupplyRate is the current annual rate earned by deposits.
func (p *Pool) SupplyRate() float64 {
	u := p.Utilization()
	return SupplyRate(p.params.Rates.BorrowRate(u), u, p.params.ReserveFactor)
}

// Rates are [Pool.Utilization], [Pool.BorrowRate] and [Pool.SupplyRate]
// in one evaluation of the rate model.
func (p *Pool) Rates() (utilization, borrowRate, supplyRate float64) {
	u := p.Utilization()
	b := p.params.Rates.BorrowRate(u)
	return u, b, SupplyRate(b, u, p.params.ReserveFactor)
}

// Accrue charges borrow interest for dt years at the current borrow rate
// (simple interest within a step, compounded across steps): borrows and the
// borrow index grow by r·dt, reserves take ReserveFactor of the interest and
// depositors the rest. It returns the interest charged, USD.
func (p *Pool) Accrue(dt float64) float64 {
	growth := p.BorrowRate() * dt
	interest := p.Borrows * growth
	p.Borrows += interest
	p.BorrowIndex *= 1 + growth
	toReserves := interest * p.params.ReserveFactor
	p.Reserves += toReserves
	p.Deposits += interest - toReserves
	return interest
}

// Repay repays up to amount USD of borrows with new cash and returns the
// amount repaid.
func (p *Pool) Repay(amount float64) float64 {
	amount = min(max(amount, 0), p.Borrows)
	p.Borrows -= amount
	p.Cash += amount
	return amount
}

// Available is the cash not owed to queued withdrawals, USD ≥ 0.
func (p *Pool) Available() float64 { return max(0, p.Cash-p.queue.total) }

// Borrow lends up to amount USD and returns the amount lent. Lending is
// limited by the borrow cap and by [Pool.Available]: cash owed to queued
// withdrawals is never lent.
func (p *Pool) Borrow(amount float64) float64 {
	amount = min(max(amount, 0), p.Available())
	if c := p.params.BorrowCap; c > 0 {
		amount = min(amount, max(0, c-p.Borrows))
	}
	p.Borrows += amount
	p.Cash -= amount
	return amount
}

// Deposit adds up to amount USD of new deposits, limited by the supply cap,
// and returns the amount accepted.
func (p *Pool) Deposit(amount float64) float64 {
	amount = max(amount, 0)
	if c := p.params.SupplyCap; c > 0 {
		amount = min(amount, max(0, c-p.Deposits))
	}
	p.Deposits += amount
	p.Cash += amount
	return amount
}

// Queued is the total of withdrawal requests not yet paid, USD.
func (p *Pool) Queued() float64 { return p.queue.total }

// Unqueued is the depositors' balance not already requested, USD ≥ 0.
func (p *Pool) Unqueued() float64 { return max(0, p.Deposits-p.queue.total) }

// Request queues a withdrawal of amount USD made at step. Requests are paid
// first come, first served by [Pool.Settle]. It reports false when the
// queue is full (the engine sizes it so that this cannot happen).
func (p *Pool) Request(amount float64, step int) bool {
	if !(amount > 0) {
		return true
	}
	return p.queue.push(request{amount: amount, step: step})
}

// Settle pays queued withdrawals first come, first served from cash at step
// and returns the amount paid and Σ paid·(step − request step), the
// amount-weighted wait in steps.
func (p *Pool) Settle(step int) (paid, waitSteps float64) {
	q := &p.queue
	for q.n > 0 && p.Cash > 0 {
		head := &q.entries[q.head]
		pay := min(head.amount, p.Cash)
		if pay == head.amount {
			q.pop()
		} else {
			head.amount -= pay
			q.total -= pay
		}
		p.Cash -= pay
		p.Deposits -= pay
		paid += pay
		waitSteps += pay * float64(step-head.step)
	}
	if q.n == 0 {
		q.total = 0 // drop rounding residue
	}
	return paid, waitSteps
}

// PendingWait is Σ amount·(step − request step) over unpaid requests: what
// they have waited so far, in USD·steps.
func (p *Pool) PendingWait(step int) float64 {
	q := &p.queue
	var w float64
	for i, k := 0, q.head; i < q.n; i++ {
		w += q.entries[k].amount * float64(step-q.entries[k].step)
		if k++; k == len(q.entries) {
			k = 0
		}
	}
	return w
}

// WriteOff removes loss USD of borrows that will never be repaid (bad debt,
// ≥ 0): reserves absorb it first and the rest becomes Deficit. It returns
// the part absorbed by reserves.
func (p *Pool) WriteOff(loss float64) (fromReserves float64) {
	loss = min(max(loss, 0), p.Borrows)
	p.Borrows -= loss
	fromReserves = min(p.Reserves, loss)
	p.Reserves -= fromReserves
	p.Deficit += loss - fromReserves
	return fromReserves
}

// Cover pays up to amount USD of new cash into the pool against its deficit
// (a backstop payout) and returns the amount applied.
func (p *Pool) Cover(amount float64) float64 {
	amount = min(max(amount, 0), p.Deficit)
	p.Cash += amount
	p.Deficit -= amount
	return amount
}

// Haircut socializes up to amount USD of the deficit by cutting every
// depositor's claim pro rata, queued requests included, and returns the
// fraction of the claims that was cut.
func (p *Pool) Haircut(amount float64) (share float64) {
	amount = min(max(amount, 0), p.Deficit, p.Deposits)
	if amount == 0 {
		return 0
	}
	share = amount / p.Deposits
	p.Deposits -= amount
	p.Deficit -= amount
	p.queue.scale(1 - share)
	return share
}

// Check verifies the accounting identity Cash + Borrows + Deficit ==
// Deposits + Reserves to a relative tolerance of 1e-9 and that no balance is
// negative or NaN.
func (p *Pool) Check() error {
	// The usual case, without naming anything: every balance at least the
	// floor (which NaN and −Inf are not) and their sum below +Inf (which it
	// is not when one is +Inf); anything else takes the slow path, which
	// decides.
	floor := -1e-9 * p.params.Deposits
	if p.Cash >= floor && p.Borrows >= floor && p.Deposits >= floor && p.Reserves >= floor &&
		p.Deficit >= floor && p.queue.total >= floor &&
		(p.Cash+p.Borrows)+(p.Deposits+p.Reserves)+(p.Deficit+p.queue.total) < math.Inf(1) {
		assets := p.Cash + p.Borrows + p.Deficit
		claims := p.Deposits + p.Reserves
		if math.Abs(assets-claims) <= 1e-9*max(assets, claims, 1) {
			return nil
		}
	}
	return p.checkFailed()
}

// checkFailed is Check's slow path: it names what is wrong.
func (p *Pool) checkFailed() error {
	for _, b := range [...]struct {
		name string
		v    float64
	}{{"cash", p.Cash}, {"borrows", p.Borrows}, {"deposits", p.Deposits}, {"reserves", p.Reserves}, {"deficit", p.Deficit}, {"queue", p.queue.total}} {
		if !(b.v >= -1e-9*p.params.Deposits) || math.IsInf(b.v, 0) {
			return fmt.Errorf("%s is %v", b.name, b.v)
		}
	}
	assets := p.Cash + p.Borrows + p.Deficit
	claims := p.Deposits + p.Reserves
	if math.Abs(assets-claims) > 1e-9*max(assets, claims, 1) {
		return fmt.Errorf("identity broken: cash+borrows+deficit = %.17g, deposits+reserves = %.17g", assets, claims)
	}
	return nil
}

type request struct {
	amount float64
	step   int
}

// withdrawalQueue is a fixed-capacity FIFO ring of pending requests.
type withdrawalQueue struct {
	entries []request
	head, n int
	total   float64
}

func (q *withdrawalQueue) reset() { q.head, q.n, q.total = 0, 0, 0 }

func (q *withdrawalQueue) push(r request) bool {
	if q.n == len(q.entries) {
		return false
	}
	k := q.head + q.n
	if k >= len(q.entries) {
		k -= len(q.entries)
	}
	q.entries[k] = r
	q.n++
	q.total += r.amount
	return true
}

func (q *withdrawalQueue) scale(f float64) {
	q.total = 0
	for i, k := 0, q.head; i < q.n; i++ {
		q.entries[k].amount *= f
		q.total += q.entries[k].amount
		if k++; k == len(q.entries) {
			k = 0
		}
	}
}

func (q *withdrawalQueue) pop() {
	q.total -= q.entries[q.head].amount
	q.head++
	if q.head == len(q.entries) {
		q.head = 0
	}
	q.n--
}
