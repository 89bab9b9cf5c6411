package amm

import "math"

// AmountOut is Uniswap v2's getAmountOut: the amount of the output token a
// swap of amountIn of the input token returns from a pool holding reserveIn
// and reserveOut, with the fee (fraction of the input, 0.003 for Uniswap v2)
// kept by the pool:
//
//	AmountOut = a·reserveOut / (reserveIn + a),  a = amountIn·(1 − fee)
//
// Amounts are token units. Unlike the contract, which rounds down to a whole
// wei, the result is not rounded.
//
// Edge cases: amountIn ≤ 0 gives 0 (the contract reverts with
// INSUFFICIENT_INPUT_AMOUNT); a zero reserve gives 0 (INSUFFICIENT_LIQUIDITY);
// amountIn = +Inf gives reserveOut, the limit; NaN in any argument, a negative
// or infinite reserve, or fee outside [0, 1) gives NaN.
func AmountOut(amountIn, reserveIn, reserveOut, fee float64) float64 {
	if !validPair(reserveIn, reserveOut, fee) || math.IsNaN(amountIn) {
		return math.NaN()
	}
	if amountIn <= 0 || reserveIn == 0 || reserveOut == 0 {
		return 0
	}
	if math.IsInf(amountIn, 1) {
		return reserveOut
	}
	a := amountIn * (1 - fee)
	return a * reserveOut / (reserveIn + a)
}

// AmountIn is Uniswap v2's getAmountIn: the amount of the input token a swap
// needs to return amountOut of the output token from a pool holding
// reserveIn and reserveOut, with the fee (fraction of the input, 0.003):
//
//	AmountIn = reserveIn·amountOut / ((reserveOut − amountOut)·(1 − fee))
//
// Amounts are token units. The contract rounds the quotient down and adds one
// wei so that the pool never loses; this float version does neither, so
// AmountOut(AmountIn(y)) == y up to rounding.
//
// Edge cases: amountOut ≤ 0 gives 0; amountOut ≥ reserveOut gives +Inf (no
// input can drain the pool); a zero reserve gives +Inf for any positive
// amountOut (the contract reverts with INSUFFICIENT_LIQUIDITY); NaN in any
// argument, a negative or infinite reserve, or fee outside [0, 1) gives NaN.
func AmountIn(amountOut, reserveIn, reserveOut, fee float64) float64 {
	if !validPair(reserveIn, reserveOut, fee) || math.IsNaN(amountOut) {
		return math.NaN()
	}
	if amountOut <= 0 {
		return 0
	}
	if amountOut >= reserveOut || reserveIn == 0 {
		return math.Inf(1)
	}
	return reserveIn * amountOut / ((reserveOut - amountOut) * (1 - fee))
}

// SpotPrice is the marginal price of the input token in units of the output
// token, without fee: reserveOut / reserveIn, the limit of
// AmountOut(dx, reserveIn, reserveOut, 0)/dx as dx → 0. Multiply by (1 − fee)
// for the marginal rate a trader gets.
//
// Both reserves must be finite and > 0; otherwise the result is NaN.
func SpotPrice(reserveIn, reserveOut float64) float64 {
	if !(reserveIn > 0 && reserveOut > 0) || math.IsInf(reserveIn, 0) || math.IsInf(reserveOut, 0) {
		return math.NaN()
	}
	return reserveOut / reserveIn
}

// validPair reports whether two reserves are finite and ≥ 0 and fee is in
// [0, 1).
func validPair(reserveIn, reserveOut, fee float64) bool {
	return reserveIn >= 0 && reserveOut >= 0 && !math.IsInf(reserveIn, 0) && !math.IsInf(reserveOut, 0) &&
		fee >= 0 && fee < 1
}
