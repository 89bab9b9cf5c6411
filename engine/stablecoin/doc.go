// Package stablecoin simulates a stablecoin's run on one path: holders who
// sell or redeem, a secondary market whose imbalance sets the price, and
// what stands behind the token — reserves (a reserve-backed coin such as
// USDC) or a mint/burn swap against a governance token (an algorithmic coin
// such as UST).
//
// # The pieces
//
// A [Model] is the token's supply, its secondary [Market] (a two-coin Curve
// StableSwap pool of the stablecoin against a dollar numeraire, package amm),
// its [Holders] (a self-exciting panic driven by the depeg, the visible
// backing shortfall and news [Event]s) and exactly one backing:
//
//   - [Reserve]: cash (instant), bills (sold with a lag), deposits at a bank
//     that can fail (frozen at the failure, expected haircut until a
//     guarantee is announced, recovered later), redemptions at par within a
//     capacity per open hour of a [Calendar] (weekends and holidays closed),
//     and a few [Arbitrageurs] with limited capital who buy below the peg and
//     redeem.
//   - [Algorithmic]: burning the stablecoin mints $1 of the governance token
//     at its oracle price less a spread that widens with use (a virtual
//     constant-product pool, as Terra's market module); arbitrageurs buy the
//     stablecoin in the secondary market, burn it and sell the minted
//     governance tokens into that token's own constant-product liquidity; an
//     optional reserve [Defense] buys the stablecoin with another asset;
//     the governance token's holders may sell as the panic grows.
//
// Optionally, [DipBuyers] — speculators with limited capital whose demand
// rises as the price falls and drains as the panic grows — are the
// residual demand that keeps a collapsed coin at a small fraction of $1.
//
// # One path
//
// [NewState] allocates everything once per worker; [State.Reset] starts a
// path; the engine calls, in its documented phase order,
//
//	State.Events(step)                  phase 1: bank failure, guarantee, recovery, news
//	State.Trade(src, step, withdrawn, locked)  phase 7: holders sell or queue redemptions; arbitrage; dip buyers
//	State.Settle(step)                  phase 8: redemptions paid within open hours and capacity
//	State.Record(step)                  phase 10: metrics
//
// and reads [State.Price] (the secondary-market price, the "peg") in
// between. No method allocates after NewState.
//
// # Accounting
//
// Tokens are counted in units worth $1 at par; the numeraire side of the
// pool is in USD. The supply S splits into the holders' float H, the pool's
// stablecoin balance, the redemption queue and tokens held by a lending pool
// (passed in by the engine), the inert holders' share and the dip buyers'
// tokens: H = S − pool − queue − locked − inert − dip. Redemptions pay
// reserves out at par and burn the tokens, so reserves paid = tokens
// redeemed; a bank loss reduces reserves without burning anything; a burn
// through the mint/burn swap reduces S and increases the governance token's
// supply by the minted units. [State.Check] verifies these identities and
// that no balance is negative.
package stablecoin
