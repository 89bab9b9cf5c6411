package lending

import (
	"errors"
	"fmt"
)

// LiquidationRules are a market's liquidation parameters, after Aave v3's
// LiquidationLogic (v3.0–v3.2): a position with health factor below 1 may
// be liquidated; a liquidator repays up to CloseFactor of its debt (all of
// it when the health factor is below FullCloseBelow) and receives the
// equivalent collateral plus Bonus, of whose bonus part the protocol keeps
// ProtocolFee. Aave v3.3's extra rule (full close of positions below $2,000)
// is not modelled.
//
// [DefaultLiquidationRules] gives Aave v3's constants
// (DEFAULT_LIQUIDATION_CLOSE_FACTOR 50 %, CLOSE_FACTOR_HF_THRESHOLD 0.95, a
// 10 % liquidation protocol fee) with a WETH-like threshold and bonus.
type LiquidationRules struct {
	// LiquidationThreshold is the fraction of the collateral's value that
	// counts towards the health factor, in (0, 1). Aave v3 WETH: 0.83.
	LiquidationThreshold float64
	// Bonus is the liquidation bonus, the liquidator's premium on the
	// collateral it receives, fraction in [0, 0.5] (0.05 = 5 %, Aave's
	// liquidationBonus 10500). Aave v3 WETH: 0.05.
	Bonus float64
	// CloseFactor is the largest fraction of the debt one liquidation may
	// repay while the health factor is at least FullCloseBelow, in (0, 1].
	// Aave v3: 0.5.
	CloseFactor float64
	// FullCloseBelow is the health factor below which the whole debt may be
	// repaid at once, in [0, 1] (0 disables full closes). Aave v3: 0.95.
	FullCloseBelow float64
	// ProtocolFee is the fraction of the bonus collateral taken by the
	// protocol (Aave's liquidationProtocolFee), in [0, 1]. Aave v3: 0.10.
	ProtocolFee float64
}

// DefaultLiquidationRules are Aave v3's liquidation constants with the
// threshold (0.83) and bonus (5 %) of WETH on Aave v3 Ethereum.
func DefaultLiquidationRules() LiquidationRules {
	return LiquidationRules{
		LiquidationThreshold: 0.83,
		Bonus:                0.05,
		CloseFactor:          0.5,
		FullCloseBelow:       0.95,
		ProtocolFee:          0.10,
	}
}

// Validate reports every parameter outside its range; each error reads
// "field: message".
func (r LiquidationRules) Validate() error {
	var errs []error
	if err := openRange("liquidation_threshold", r.LiquidationThreshold, 0, 1); err != nil {
		errs = append(errs, err)
	}
	if err := inRange("bonus", r.Bonus, 0, 0.5); err != nil {
		errs = append(errs, err)
	}
	if !(r.CloseFactor > 0 && r.CloseFactor <= 1) {
		errs = append(errs, fmt.Errorf("close_factor: must be in (0, 1], got %v", r.CloseFactor))
	}
	if err := inRange("full_close_below", r.FullCloseBelow, 0, 1); err != nil {
		errs = append(errs, err)
	}
	if err := inRange("protocol_fee", r.ProtocolFee, 0, 1); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Liquidation is the outcome of one liquidation call.
type Liquidation struct {
	// Repaid is the debt repaid by the liquidator, USD.
	Repaid float64
	// Seized is the collateral removed from the position, units: the
	// liquidator's share plus the protocol fee.
	Seized float64
	// ToLiquidator is the collateral the liquidator receives, units.
	ToLiquidator float64
	// ProtocolFee is the collateral kept by the protocol, units.
	ProtocolFee float64
	// Exhausted reports that the position's whole collateral was seized;
	// whatever debt remains can no longer be liquidated (bad debt).
	Exhausted bool
}

// MaxRepay is the most debt (USD) one liquidation may repay on a position
// with debt debt (USD), collateral collateral (units) at price price (USD):
// 0 when its health factor is at least 1, the whole debt when it is below
// FullCloseBelow, and CloseFactor × debt otherwise.
func (r LiquidationRules) MaxRepay(debt, collateral, price float64) float64 {
	if !(debt > 0) {
		return 0
	}
	weighted := collateral * price * r.LiquidationThreshold // HF × debt
	switch {
	case !(weighted < debt):
		return 0
	case weighted < r.FullCloseBelow*debt:
		return debt
	default:
		return r.CloseFactor * debt
	}
}

// Plan is the largest liquidation allowed on a position with debt debt
// (USD) and collateral collateral (units) at oracle price price (USD per
// unit, > 0); the zero Liquidation when the position is not liquidatable.
func (r LiquidationRules) Plan(debt, collateral, price float64) Liquidation {
	return r.plan(r.MaxRepay(debt, collateral, price), collateral, price)
}

// PlanMaxRepay is [LiquidationRules.Plan] with the repaid debt further
// limited to maxRepay (USD ≥ 0), e.g. a keeper's remaining capacity.
func (r LiquidationRules) PlanMaxRepay(debt, collateral, price, maxRepay float64) Liquidation {
	return r.PlanRepay(min(r.MaxRepay(debt, collateral, price), max(0, maxRepay)), collateral, price)
}

// PlanRepay is the liquidation repaying repay USD (at most
// [LiquidationRules.MaxRepay], which the caller has checked) of a position
// with collateral collateral (units) at oracle price price (USD per unit),
// less when the collateral runs out; the zero Liquidation when repay is not
// positive. PlanMaxRepay(debt, collateral, price, x) is
// PlanRepay(min(MaxRepay(debt, collateral, price), max(0, x)), collateral,
// price).
func (r LiquidationRules) PlanRepay(repay, collateral, price float64) Liquidation {
	return r.plan(repay, collateral, price)
}

// plan follows Aave v3's calculateAvailableCollateralToLiquidate: the
// collateral for repay at the bonus ([Seized]); if it exceeds the position's
// collateral (or the price is not positive), all of it is seized and the
// repay shrinks to match. The
// protocol's fee is its share of the bonus part of the seized collateral.
func (r LiquidationRules) plan(repay, collateral, price float64) Liquidation {
	if !(repay > 0) {
		return Liquidation{}
	}
	l := Liquidation{Repaid: repay, Seized: Seized(repay, price, r.Bonus)}
	if !(l.Seized < collateral) {
		l.Seized = collateral
		l.Repaid = collateral * price / (1 + r.Bonus)
		l.Exhausted = true
	}
	l.ProtocolFee = (l.Seized - l.Seized/(1+r.Bonus)) * r.ProtocolFee
	l.ToLiquidator = l.Seized - l.ProtocolFee
	return l
}
