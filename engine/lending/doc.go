// Package lending holds lending-market math and state: the interest rate
// models of Aave v3 ([Kinked]) and Compound v2 ([JumpRate]), utilization and
// supply rates, and the pool's accounting ([Pool]) with its first-come,
// first-served withdrawal queue.
//
// Amounts are USD (the pool's asset is taken at $1 unless the engine says
// otherwise), rates are annual fractions (0.05 = 5 %), utilization and
// factors are fractions. Nothing here allocates after construction, draws
// random numbers or does I/O; behaviour (who withdraws, who repays) is decided
// by the engine and applied through Pool's methods.
//
// The pool keeps the identity
//
//	Cash + Borrows + Deficit == Deposits + Reserves
//
// after every operation (up to floating-point rounding); [Pool.Check] verifies
// it together with the non-negativity of every balance.
package lending
