package lending

import "math"

// HealthFactor is Aave's health factor of a position:
//
//	HealthFactor = collateralValue·liquidationThreshold / debtValue
//
// collateralValue and debtValue are USD (any common unit), ≥ 0 and finite;
// liquidationThreshold is a fraction in [0, 1] (0.825 = 82.5 %). For several
// collateral assets pass their total value and the value-weighted average of
// their thresholds, as Aave's GenericLogic.calculateUserAccountData does. The
// position can be liquidated when the result is below 1.
//
// A position without debt has +Inf (Aave returns the largest uint256). An
// argument outside its range or NaN gives NaN.
func HealthFactor(collateralValue, liquidationThreshold, debtValue float64) float64 {
	if !(collateralValue >= 0) || math.IsInf(collateralValue, 1) ||
		!(liquidationThreshold >= 0 && liquidationThreshold <= 1) ||
		!(debtValue >= 0) || math.IsInf(debtValue, 1) {
		return math.NaN()
	}
	if debtValue == 0 {
		return math.Inf(1)
	}
	return collateralValue * liquidationThreshold / debtValue
}

// Seized is the collateral, in collateral units, a liquidator receives for
// repaying debtRepaid (USD) of a position's debt when the collateral's price
// is p (USD per unit) and the liquidation bonus is bonus (fraction, 0.05 =
// 5 %):
//
//	Seized = debtRepaid·(1 + bonus) / p
//
// as in Aave v3's LiquidationLogic, which stores the bonus as 1 + bonus
// (10500 for 5 %). It is before the protocol's liquidation fee: Aave gives
// the protocol a share of the bonus part, debtRepaid·bonus/p, so the
// liquidator nets less. It is not capped by the position's collateral (the
// caller caps it and recomputes the debt covered).
//
// debtRepaid must be finite and ≥ 0 (0 gives 0), p finite and > 0, bonus in
// [0, 1]; otherwise the result is NaN.
func Seized(debtRepaid, p, bonus float64) float64 {
	if !(debtRepaid >= 0) || math.IsInf(debtRepaid, 1) || !(p > 0) || math.IsInf(p, 1) ||
		!(bonus >= 0 && bonus <= 1) {
		return math.NaN()
	}
	return debtRepaid * (1 + bonus) / p
}
