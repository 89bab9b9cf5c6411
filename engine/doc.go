// Package engine simulates one path of a DeFi lending market and runs many
// paths in parallel.
//
// # One path
//
// A path runs Config.Steps() steps of length Config.Step. Within a step the
// phases run in this fixed order (DESIGN §4; phases not yet modelled are
// listed so that their place is fixed):
//
//  1. Exogenous shocks: the collateral price process draws the next price
//     from the path's price stream.
//  2. Market price = exogenous price × DEX impact (liquidation model; today
//     the impact is 1).
//  3. Oracle update (liquidation model; today the oracle shows the market
//     price).
//  4. Interest accrual: borrows and the borrow index grow by r_b·dt at the
//     borrow rate of the state left by the previous step; the reserve factor's
//     share goes to reserves, the rest to depositors (lending.Pool.Accrue).
//  5. Borrower response: above Borrowers.ToleranceAPR borrowers repay
//     min(MaxRepayPerDay, RepayElasticity·(r − tol)/tol)·Δdays of the borrows;
//     below CheapAPR they borrow min(MaxBorrowPerDay,
//     BorrowElasticity·(cheap − r)/cheap)·Δdays more, from cash not owed to
//     queued withdrawals and within the borrow cap. A borrow pause stops the
//     new borrowing (repayments go on).
//  6. Liquidations (liquidation model). A liquidate pause skips the phase:
//     nothing is liquidated, the positions left liquidatable are counted
//     (Summary.SkippedPaused).
//  7. Depositors: the withdrawal behaviour turns the signals measured at the
//     end of the previous step (utilization, drawdown, unmet queue / deposits)
//     into a fraction of the not-yet-queued balance, which joins the queue
//     (also while withdrawals are paused); new deposits arrive per [Inflow],
//     within the supply cap. A deposit pause stops the inflow (its noise is
//     still drawn, so the path's random numbers do not shift).
//  8. Settlement: queued withdrawals are paid first come, first served, from
//     cash only; what cannot be paid waits. A withdraw pause stops the
//     payments; requests wait in the queue.
//  9. Policy ([Policy], circuit breakers): triggers are checked on the state
//     at the end of the step; governance changes whose timelock ends now and
//     steward updates due now are applied; the pauses in force in the next
//     step are set. An action fired or queued at the end of step s with a
//     delay of k steps (reaction delay, timelock) is in force from step
//     s + k + 1 on. The path's parameters live in per-worker copies
//     (pool parameters, rate model, liquidation rules, the book's threshold)
//     restored at the start of every path.
//  10. Record: the accounting identity and signs are checked
//     (lending.Pool.Check; a violation stops the run with a *PathError that
//     names seed, path and step), metrics are updated, the early-warning
//     indicators ([Warnings]) note the first step end at which each crossed
//     its threshold, and traced paths append a [SeriesPoint]. In the code
//     phase 9 runs after the record: it
//     reads the same end-of-step state, and the series then shows the
//     parameters and pauses in force during the step.
//
// # Determinism
//
// Each path draws from its own streams keyed by (Config.Seed, path, stream
// id) (package stochastic), so a path's result depends on nothing but the
// configuration and its index: not on the number of workers, the chunk size,
// the shard split or which worker ran it. Nothing in the model reads the
// clock, global random state or map order.
//
// # Running many paths
//
// [Run] gives chunks of consecutive paths to a bounded set of worker
// goroutines (errgroup), writes each chunk's results into a preallocated
// slot and hands finished chunks to a [Sink] strictly in path order. A worker
// allocates its samplers and pool once; simulating a path allocates nothing.
package engine
