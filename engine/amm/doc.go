// Package amm holds the reference DEX math spiral uses to turn a liquidator's
// or a panicking holder's sale into a price: Uniswap v2's constant product
// with a fee ([AmountOut], [AmountIn], [SpotPrice]) and Curve's StableSwap
// invariant for stable pairs ([StableSwap]).
//
// Everything is float64 in human units: token amounts (not wei), fees as
// fractions (0.003 = 0.3 %). The functions follow the protocols' contracts
// (Uniswap v2's UniswapV2Library, Curve's StableSwap get_D/get_y/get_dy) but
// without their integer rounding; each function documents where the float
// version differs.
//
// # Bad input
//
// Nothing here panics. Arguments that describe no pool or no trade give a
// documented value instead of a revert:
//
//   - an argument that is NaN, a negative or infinite reserve or balance, or
//     a fee outside [0, 1) gives NaN, and so does a swap of a coin for itself;
//   - a trade of nothing (amount ≤ 0) gives 0;
//   - a pool with an empty side admits no trade: an output of 0, or an input
//     of +Inf for [AmountIn].
//
// The engine validates its parameters before a run, so NaN here means a bug
// upstream, and it propagates rather than being hidden.
//
// # Allocation
//
// No function allocates: StableSwap's Newton iterations compute the products
// over the coins on the fly, for any number of coins.
package amm
