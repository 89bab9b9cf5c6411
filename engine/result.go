package engine

import "github.com/spiralrisk/spiral/engine/stablecoin"

// Summary is one path's metrics (DESIGN §7). Times are hours from the start of
// the path; a NaN time means the event never happened (written as null).
type Summary struct {
	Path int    // path index, 0-based
	Seed uint64 // the run's seed; (Seed, Path) replays the path

	MinPrice    float64 // lowest collateral market price, USD
	FinalPrice  float64 // collateral market price at the horizon, USD
	MaxDrawdown float64 // largest fall of the market price from a running peak, fraction
	MaxImpact   float64 // largest fall of the market price below the exogenous price due to DEX sales, fraction

	MeanUtilization   float64 // time-average utilization
	MaxUtilization    float64 // highest end-of-step utilization
	HoursUtilization  float64 // hours with utilization ≥ 99.9 %
	PeakBorrowAPR     float64 // highest borrow rate, annual fraction
	PeakSupplyAPR     float64 // highest supply rate, annual fraction
	FinalBorrowAPR    float64 // borrow rate at the horizon, annual fraction
	PeakPanic         float64 // highest panic intensity, fraction of balance per day
	InterestUSD       float64 // borrow interest charged over the horizon
	RepaidUSD         float64 // borrows repaid in response to rates
	NewBorrowsUSD     float64 // new borrowing
	NewDepositsUSD    float64 // new deposits accepted
	FinalDepositsUSD  float64 // depositors' claims at the horizon
	FinalBorrowsUSD   float64 // borrows at the horizon
	FinalReservesUSD  float64 // reserves at the horizon
	RequestedUSD      float64 // withdrawals requested
	PaidUSD           float64 // withdrawals paid
	MaxQueueUSD       float64 // largest unpaid queue at the end of a step
	FinalQueueUSD     float64 // unpaid queue at the horizon
	StuckShare        float64 // final queue / initial deposits
	MeanWaitHours     float64 // amount-weighted wait of requests; unpaid ones count until the horizon
	FirstUnmetHour    float64 // first step end with an unpaid queue, hours; NaN if never
	HoursQueueNonZero float64 // hours with an unpaid queue

	LiquidatedDebtUSD    float64 // debt repaid by liquidators
	Liquidations         int     // liquidation calls
	SkippedUnprofitable  int     // position-steps left liquidatable because selling the collateral did not pay
	SkippedCapacity      int     // position-steps left liquidatable because keeper capacity ran out
	MaxCascadeRounds     int     // most rounds with liquidations in one step
	MaxToxicPositions    int     // most positions with LTV > 1/(1+bonus) at once
	ProtocolFeeUSD       float64 // liquidation protocol fee, valued at the oracle price
	RealizedBadDebtUSD   float64 // debt left when a position's collateral ran out
	UnrealizedBadDebtUSD float64 // debt of open positions that liquidating them at the final oracle price would not recover
	BadDebtUSD           float64 // realized + unrealized
	WorstDayBadDebtUSD   float64 // largest realized bad debt in any 24 h window
	ReservesUsedUSD      float64 // bad debt absorbed by reserves
	BackstopUsedUSD      float64 // bad debt paid by the backstop
	DeficitUSD           float64 // uncovered bad debt at the horizon
	HaircutShare         float64 // fraction of depositors' claims socialized
	Insolvent            bool    // some bad debt was covered by neither reserves nor backstop
	InsolventHour        float64 // hours to the first uncovered bad debt; NaN if never
	FirstBadDebtHour     float64 // first step end with realized bad debt or a position in the toxic zone, hours; NaN if never

	// Stablecoin holds the stablecoin's metrics; stablecoin.NoMetrics()
	// without one.
	Stablecoin stablecoin.Metrics

	// Policy (circuit breakers); 0 and NaN without one.
	Pauses               int     // pauses that came into force
	HoursPausedBorrow    float64 // hours with new borrowing paused
	HoursPausedWithdraw  float64 // hours with withdrawal payments paused
	HoursPausedDeposit   float64 // hours with new deposits paused
	HoursPausedLiquidate float64 // hours with liquidations paused
	SkippedPaused        int     // position-steps left liquidatable because liquidations were paused
	FirstTriggerHour     float64 // first step end at which a policy trigger fired, hours; NaN if never
	FirstPauseHour       float64 // time from which the first pause was in force, hours; NaN if never
	GovernanceChanges    int     // governance changes that took effect
	StewardUpdates       int     // steward updates that changed a parameter

	// WarningHour is, per early-warning Indicator, the first step end at
	// which it was at or above its threshold (Config.Warnings), hours; NaN
	// if never or off. Lead times: LeadBeforeUnmet, LeadBeforeBadDebt.
	WarningHour [NumIndicators]float64
}

// SeriesPoint is the state of a traced path at the end of one step. Its
// flows "in the step" (requested, paid, deposited, liquidated, rounds,
// capacity, the stablecoin's sales, redemptions and burns, policy events)
// are sums over the steps since the previous point when points are
// recorded every Trace.Every > 1 steps, and Paused has the pauses in force
// in any of them.
type SeriesPoint struct {
	Step           int     // step index, 1-based (step 0 is the initial state)
	Hour           float64 // hours since the start
	Price          float64 // exogenous collateral price, USD
	MarketPrice    float64 // market price after DEX impact, USD
	OraclePrice    float64 // price the protocol sees, USD
	Drawdown       float64 // fall of the market price from the running peak, fraction
	Utilization    float64 // pool utilization
	BorrowAPR      float64 // annual fraction
	SupplyAPR      float64 // annual fraction
	CashUSD        float64
	BorrowsUSD     float64
	DepositsUSD    float64
	ReservesUSD    float64
	QueueUSD       float64 // unpaid withdrawal requests
	RequestedUSD   float64 // withdrawals requested in this step
	PaidUSD        float64 // withdrawals paid in this step
	NewDepositsUSD float64 // deposits accepted in this step
	PanicIntensity float64 // fraction of balance per day
	LiquidatedUSD  float64 // debt repaid by liquidators in the step
	BadDebtUSD     float64 // cumulative realized bad debt
	Rounds         int     // cascade rounds with liquidations in the step
	KeeperCapacity float64 // keeper capacity in the step, USD

	// Stablecoin; all 0 without one (the governance token's too for a
	// reserve-backed one).
	PegPrice          float64 // stablecoin's market price, USD
	PoolStableShare   float64 // stablecoin's share of its market pool
	StableSupply      float64 // tokens outstanding
	HolderPanic       float64 // holders' panic intensity, fraction of the float per day
	HoldersSold       float64 // tokens holders sold into the market in the step
	RedeemRequested   float64 // tokens holders queued for redemption in the step
	RedeemedUSD       float64 // redemptions paid in the step
	RedemptionQueue   float64 // tokens waiting for redemption
	StableReservesUSD float64 // reserves' book value
	StableBackingUSD  float64 // reserves the market counts on (frozen deposits at their expected recovery)
	StableBurned      float64 // tokens burned through the mint/burn swap in the step
	GovPrice          float64 // governance token's price, USD
	GovSupply         float64 // governance tokens outstanding

	// Policy: what was in force during the step, and the policy's events
	// at its end. Without positions the liquidation parameters are 0.
	Paused               int     // pauses in force, a PauseAction bit mask (1 borrow, 2 withdraw, 4 deposit, 8 liquidate)
	PolicyEvents         int     // triggers fired and changes applied at the end of the step
	LiquidationThreshold float64 // liquidation threshold
	LiquidationBonus     float64 // liquidation bonus, fraction
	ReserveFactor        float64 // reserve factor, fraction
	SupplyCapUSD         float64 // supply cap, 0 = none
	BorrowCapUSD         float64 // borrow cap, 0 = none
}

// PathResult is what one path produces.
type PathResult struct {
	Summary Summary
	// Series holds the traced points, or is empty when the path is not
	// traced. It is reused after the Sink returns.
	Series []SeriesPoint
}

// Sink receives results. Run calls Write from one goroutine with
// consecutive paths in increasing path order; the slice and the series in
// it are reused after Write returns.
type Sink interface {
	Write(batch []PathResult) error
}

// ColumnKind is the type of a result column.
type ColumnKind uint8

// Column kinds.
const (
	Float ColumnKind = iota // float64
	Int                     // int64, counts
	Bool                    // 0 or 1
)

// Column describes one output column: its snake_case name (with the unit
// where it helps), its type, whether NaN means "never" (null), a one-line
// meaning, and how to read it from a result.
type Column[T any] struct {
	Name     string
	Kind     ColumnKind
	Nullable bool
	Doc      string
	Value    func(*T) float64
}

// SummaryColumns are the metric columns of the summary table, in order.
// Writers add variant, path and seed in front. The early-warning columns
// (warning.go) come last.
var SummaryColumns = append([]Column[Summary]{
	{Name: "min_price_usd", Doc: "lowest collateral price", Value: func(s *Summary) float64 { return s.MinPrice }},
	{Name: "final_price_usd", Doc: "collateral price at the horizon", Value: func(s *Summary) float64 { return s.FinalPrice }},
	{Name: "max_drawdown", Doc: "largest fall from a running peak price, fraction", Value: func(s *Summary) float64 { return s.MaxDrawdown }},
	{Name: "mean_utilization", Doc: "time-average utilization", Value: func(s *Summary) float64 { return s.MeanUtilization }},
	{Name: "max_utilization", Doc: "highest end-of-step utilization", Value: func(s *Summary) float64 { return s.MaxUtilization }},
	{Name: "hours_utilization_ge_99_9", Doc: "hours with utilization ≥ 99.9 %", Value: func(s *Summary) float64 { return s.HoursUtilization }},
	{Name: "peak_borrow_apr", Doc: "highest borrow rate, annual fraction", Value: func(s *Summary) float64 { return s.PeakBorrowAPR }},
	{Name: "peak_supply_apr", Doc: "highest supply rate, annual fraction", Value: func(s *Summary) float64 { return s.PeakSupplyAPR }},
	{Name: "final_borrow_apr", Doc: "borrow rate at the horizon, annual fraction", Value: func(s *Summary) float64 { return s.FinalBorrowAPR }},
	{Name: "peak_panic_per_day", Doc: "highest panic intensity, fraction of balance per day", Value: func(s *Summary) float64 { return s.PeakPanic }},
	{Name: "interest_usd", Doc: "borrow interest charged", Value: func(s *Summary) float64 { return s.InterestUSD }},
	{Name: "repaid_usd", Doc: "borrows repaid in response to rates", Value: func(s *Summary) float64 { return s.RepaidUSD }},
	{Name: "new_borrows_usd", Doc: "new borrowing", Value: func(s *Summary) float64 { return s.NewBorrowsUSD }},
	{Name: "new_deposits_usd", Doc: "new deposits accepted", Value: func(s *Summary) float64 { return s.NewDepositsUSD }},
	{Name: "final_deposits_usd", Doc: "depositors' claims at the horizon", Value: func(s *Summary) float64 { return s.FinalDepositsUSD }},
	{Name: "final_borrows_usd", Doc: "borrows at the horizon", Value: func(s *Summary) float64 { return s.FinalBorrowsUSD }},
	{Name: "final_reserves_usd", Doc: "reserves at the horizon", Value: func(s *Summary) float64 { return s.FinalReservesUSD }},
	{Name: "withdrawals_requested_usd", Doc: "withdrawals requested", Value: func(s *Summary) float64 { return s.RequestedUSD }},
	{Name: "withdrawals_paid_usd", Doc: "withdrawals paid", Value: func(s *Summary) float64 { return s.PaidUSD }},
	{Name: "max_queue_usd", Doc: "largest unpaid withdrawal queue", Value: func(s *Summary) float64 { return s.MaxQueueUSD }},
	{Name: "final_queue_usd", Doc: "unpaid withdrawal queue at the horizon", Value: func(s *Summary) float64 { return s.FinalQueueUSD }},
	{Name: "stuck_share", Doc: "final queue / initial deposits", Value: func(s *Summary) float64 { return s.StuckShare }},
	{Name: "mean_wait_hours", Doc: "amount-weighted wait of withdrawal requests, unpaid ones until the horizon", Value: func(s *Summary) float64 { return s.MeanWaitHours }},
	{Name: "first_unmet_withdrawal_hour", Nullable: true, Doc: "first step end with an unpaid queue, null if never", Value: func(s *Summary) float64 { return s.FirstUnmetHour }},
	{Name: "hours_queue_nonzero", Doc: "hours with an unpaid queue", Value: func(s *Summary) float64 { return s.HoursQueueNonZero }},
	{Name: "max_price_impact", Doc: "largest fall of the market price below the exogenous price due to DEX sales, fraction", Value: func(s *Summary) float64 { return s.MaxImpact }},
	{Name: "liquidated_debt_usd", Doc: "debt repaid by liquidators", Value: func(s *Summary) float64 { return s.LiquidatedDebtUSD }},
	{Name: "liquidations", Kind: Int, Doc: "liquidation calls", Value: func(s *Summary) float64 { return float64(s.Liquidations) }},
	{Name: "skipped_unprofitable", Kind: Int, Doc: "position-steps left liquidatable because selling the collateral did not pay", Value: func(s *Summary) float64 { return float64(s.SkippedUnprofitable) }},
	{Name: "skipped_capacity", Kind: Int, Doc: "position-steps left liquidatable because keeper capacity ran out", Value: func(s *Summary) float64 { return float64(s.SkippedCapacity) }},
	{Name: "max_cascade_rounds", Kind: Int, Doc: "most rounds with liquidations in one step", Value: func(s *Summary) float64 { return float64(s.MaxCascadeRounds) }},
	{Name: "max_toxic_positions", Kind: Int, Doc: "most positions at once with LTV > 1/(1+bonus)", Value: func(s *Summary) float64 { return float64(s.MaxToxicPositions) }},
	{Name: "protocol_fee_usd", Doc: "liquidation protocol fee at the oracle price", Value: func(s *Summary) float64 { return s.ProtocolFeeUSD }},
	{Name: "realized_bad_debt_usd", Doc: "debt left when a position's collateral ran out", Value: func(s *Summary) float64 { return s.RealizedBadDebtUSD }},
	{Name: "unrealized_bad_debt_usd", Doc: "debt of open positions that liquidation at the final oracle price would not recover: Σ max(0, debt − collateral·price/(1+bonus))", Value: func(s *Summary) float64 { return s.UnrealizedBadDebtUSD }},
	{Name: "bad_debt_usd", Doc: "realized + unrealized bad debt", Value: func(s *Summary) float64 { return s.BadDebtUSD }},
	{Name: "worst_24h_bad_debt_usd", Doc: "largest realized bad debt in any 24 h window", Value: func(s *Summary) float64 { return s.WorstDayBadDebtUSD }},
	{Name: "reserves_used_usd", Doc: "bad debt absorbed by reserves", Value: func(s *Summary) float64 { return s.ReservesUsedUSD }},
	{Name: "backstop_used_usd", Doc: "bad debt paid by the backstop", Value: func(s *Summary) float64 { return s.BackstopUsedUSD }},
	{Name: "deficit_usd", Doc: "uncovered bad debt at the horizon", Value: func(s *Summary) float64 { return s.DeficitUSD }},
	{Name: "haircut_share", Doc: "fraction of depositors' claims socialized", Value: func(s *Summary) float64 { return s.HaircutShare }},
	{Name: "insolvent", Kind: Bool, Doc: "some bad debt was covered by neither reserves nor backstop", Value: func(s *Summary) float64 { return b2f(s.Insolvent) }},
	{Name: "insolvent_hour", Nullable: true, Doc: "hours to the first uncovered bad debt, null if never", Value: func(s *Summary) float64 { return s.InsolventHour }},
	{Name: "first_bad_debt_hour", Nullable: true, Doc: "first step end with bad debt as bad_debt_usd counts it (realized, or an open position whose collateral at the oracle price less the bonus no longer covers its debt), null if never", Value: func(s *Summary) float64 { return s.FirstBadDebtHour }},
	{Name: "min_peg_price_usd", Nullable: true, Doc: "lowest stablecoin market price, null without a stablecoin", Value: func(s *Summary) float64 { return s.Stablecoin.MinPrice }},
	{Name: "final_peg_price_usd", Nullable: true, Doc: "stablecoin market price at the horizon, null without a stablecoin", Value: func(s *Summary) float64 { return s.Stablecoin.FinalPrice }},
	{Name: "hours_below_0_99", Doc: "hours with the stablecoin below 0.99", Value: func(s *Summary) float64 { return s.Stablecoin.HoursBelow99 }},
	{Name: "hours_below_0_95", Doc: "hours with the stablecoin below 0.95", Value: func(s *Summary) float64 { return s.Stablecoin.HoursBelow95 }},
	{Name: "first_depeg_hour", Nullable: true, Doc: "first step end with the stablecoin below 0.99, null if never", Value: func(s *Summary) float64 { return s.Stablecoin.FirstDepegHour }},
	{Name: "peg_recovered_hour", Nullable: true, Doc: "start of the final stretch at ≥ 0.99 after a depeg, null if never depegged or not recovered by the horizon", Value: func(s *Summary) float64 { return s.Stablecoin.RecoveredHour }},
	{Name: "max_pool_stable_share", Doc: "largest stablecoin share of its market pool (0.5 = balanced)", Value: func(s *Summary) float64 { return s.Stablecoin.MaxPoolShare }},
	{Name: "redemptions_paid_usd", Doc: "stablecoin redemptions paid at par (= reserves paid out)", Value: func(s *Summary) float64 { return s.Stablecoin.RedeemedUSD }},
	{Name: "redemptions_queued_usd", Doc: "stablecoin redemptions waiting at the horizon", Value: func(s *Summary) float64 { return s.Stablecoin.QueuedUSD }},
	{Name: "stable_reserves_left_usd", Doc: "stablecoin reserves at the horizon, book value", Value: func(s *Summary) float64 { return s.Stablecoin.ReservesLeftUSD }},
	{Name: "bank_loss_usd", Doc: "stablecoin reserves lost in the bank failure", Value: func(s *Summary) float64 { return s.Stablecoin.BankLossUSD }},
	{Name: "stable_burned_usd", Doc: "stablecoins burned through the mint/burn swap", Value: func(s *Summary) float64 { return s.Stablecoin.BurnedUSD }},
	{Name: "defense_bought_usd", Doc: "USD the reserve defense paid for stablecoins", Value: func(s *Summary) float64 { return s.Stablecoin.DefenseUSD }},
	{Name: "stable_supply_change", Doc: "stablecoin supply at the horizon / at the start − 1", Value: func(s *Summary) float64 { return s.Stablecoin.SupplyChange }},
	{Name: "gov_supply_multiple", Doc: "governance-token supply at the horizon / at the start (algorithmic; 0 otherwise)", Value: func(s *Summary) float64 { return s.Stablecoin.GovSupplyMultiple }},
	{Name: "gov_price_fall", Doc: "1 − governance-token price at the horizon / at the start (algorithmic; 0 otherwise)", Value: func(s *Summary) float64 { return s.Stablecoin.GovPriceFall }},
	{Name: "value_destroyed_usd", Doc: "market value of the stablecoin (and governance token) at the start − at the horizon − paid out in redemptions and defense purchases", Value: func(s *Summary) float64 { return s.Stablecoin.ValueDestroyedUSD }},
	{Name: "dip_spent_usd", Doc: "dip buyers' net spending on the stablecoin (purchases − sales) by the horizon", Value: func(s *Summary) float64 { return s.Stablecoin.DipSpentUSD }},
	{Name: "dip_held_share", Doc: "stablecoins held by dip buyers at the horizon / initial supply", Value: func(s *Summary) float64 { return s.Stablecoin.DipHeldShare }},
	{Name: "pauses", Kind: Int, Doc: "circuit-breaker pauses that came into force", Value: func(s *Summary) float64 { return float64(s.Pauses) }},
	{Name: "hours_paused_borrow", Doc: "hours with new borrowing paused", Value: func(s *Summary) float64 { return s.HoursPausedBorrow }},
	{Name: "hours_paused_withdraw", Doc: "hours with withdrawal payments paused (requests still queue)", Value: func(s *Summary) float64 { return s.HoursPausedWithdraw }},
	{Name: "hours_paused_deposit", Doc: "hours with new deposits paused", Value: func(s *Summary) float64 { return s.HoursPausedDeposit }},
	{Name: "hours_paused_liquidate", Doc: "hours with liquidations paused", Value: func(s *Summary) float64 { return s.HoursPausedLiquidate }},
	{Name: "skipped_paused", Kind: Int, Doc: "position-steps left liquidatable because liquidations were paused", Value: func(s *Summary) float64 { return float64(s.SkippedPaused) }},
	{Name: "first_trigger_hour", Nullable: true, Doc: "first step end at which a policy trigger fired, null if never", Value: func(s *Summary) float64 { return s.FirstTriggerHour }},
	{Name: "first_pause_hour", Nullable: true, Doc: "time from which the first pause was in force, null if never", Value: func(s *Summary) float64 { return s.FirstPauseHour }},
	{Name: "governance_changes", Kind: Int, Doc: "governance parameter changes that took effect (after their timelock)", Value: func(s *Summary) float64 { return float64(s.GovernanceChanges) }},
	{Name: "steward_updates", Kind: Int, Doc: "steward updates that changed a parameter", Value: func(s *Summary) float64 { return float64(s.StewardUpdates) }},
}, warningColumns()...)

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// SeriesColumns are the columns of the series table, in order. Writers add
// variant and path in front.
var SeriesColumns = []Column[SeriesPoint]{
	{Name: "step", Kind: Int, Doc: "step index, 1-based", Value: func(p *SeriesPoint) float64 { return float64(p.Step) }},
	{Name: "hour", Doc: "hours since the start", Value: func(p *SeriesPoint) float64 { return p.Hour }},
	{Name: "price_usd", Doc: "exogenous collateral price", Value: func(p *SeriesPoint) float64 { return p.Price }},
	{Name: "market_price_usd", Doc: "market price after DEX impact", Value: func(p *SeriesPoint) float64 { return p.MarketPrice }},
	{Name: "oracle_price_usd", Doc: "price the protocol sees", Value: func(p *SeriesPoint) float64 { return p.OraclePrice }},
	{Name: "drawdown", Doc: "fall of the market price from the running peak, fraction", Value: func(p *SeriesPoint) float64 { return p.Drawdown }},
	{Name: "utilization", Doc: "pool utilization", Value: func(p *SeriesPoint) float64 { return p.Utilization }},
	{Name: "borrow_apr", Doc: "annual fraction", Value: func(p *SeriesPoint) float64 { return p.BorrowAPR }},
	{Name: "supply_apr", Doc: "annual fraction", Value: func(p *SeriesPoint) float64 { return p.SupplyAPR }},
	{Name: "cash_usd", Doc: "pool cash", Value: func(p *SeriesPoint) float64 { return p.CashUSD }},
	{Name: "borrows_usd", Doc: "pool borrows", Value: func(p *SeriesPoint) float64 { return p.BorrowsUSD }},
	{Name: "deposits_usd", Doc: "depositors' claims", Value: func(p *SeriesPoint) float64 { return p.DepositsUSD }},
	{Name: "reserves_usd", Doc: "protocol reserves", Value: func(p *SeriesPoint) float64 { return p.ReservesUSD }},
	{Name: "queue_usd", Doc: "unpaid withdrawal requests", Value: func(p *SeriesPoint) float64 { return p.QueueUSD }},
	{Name: "requested_usd", Doc: "withdrawals requested in the step", Value: func(p *SeriesPoint) float64 { return p.RequestedUSD }},
	{Name: "paid_usd", Doc: "withdrawals paid in the step", Value: func(p *SeriesPoint) float64 { return p.PaidUSD }},
	{Name: "new_deposits_usd", Doc: "deposits accepted in the step", Value: func(p *SeriesPoint) float64 { return p.NewDepositsUSD }},
	{Name: "panic_per_day", Doc: "panic intensity, fraction of balance per day", Value: func(p *SeriesPoint) float64 { return p.PanicIntensity }},
	{Name: "liquidated_usd", Doc: "debt repaid by liquidators in the step", Value: func(p *SeriesPoint) float64 { return p.LiquidatedUSD }},
	{Name: "bad_debt_usd", Doc: "cumulative realized bad debt", Value: func(p *SeriesPoint) float64 { return p.BadDebtUSD }},
	{Name: "cascade_rounds", Kind: Int, Doc: "cascade rounds with liquidations in the step", Value: func(p *SeriesPoint) float64 { return float64(p.Rounds) }},
	{Name: "keeper_capacity_usd", Doc: "keeper capacity in the step", Value: func(p *SeriesPoint) float64 { return p.KeeperCapacity }},
	{Name: "peg_price_usd", Doc: "stablecoin market price, 0 without a stablecoin", Value: func(p *SeriesPoint) float64 { return p.PegPrice }},
	{Name: "pool_stable_share", Doc: "stablecoin share of its market pool (0.5 = balanced), 0 without a stablecoin", Value: func(p *SeriesPoint) float64 { return p.PoolStableShare }},
	{Name: "stable_supply", Doc: "stablecoins outstanding", Value: func(p *SeriesPoint) float64 { return p.StableSupply }},
	{Name: "holder_panic_per_day", Doc: "stablecoin holders' panic intensity, fraction of the float per day", Value: func(p *SeriesPoint) float64 { return p.HolderPanic }},
	{Name: "holders_sold", Doc: "stablecoins holders sold into the market in the step", Value: func(p *SeriesPoint) float64 { return p.HoldersSold }},
	{Name: "redeem_requested", Doc: "stablecoins queued for redemption by holders in the step", Value: func(p *SeriesPoint) float64 { return p.RedeemRequested }},
	{Name: "redeemed_usd", Doc: "redemptions paid in the step", Value: func(p *SeriesPoint) float64 { return p.RedeemedUSD }},
	{Name: "redemption_queue", Doc: "stablecoins waiting for redemption", Value: func(p *SeriesPoint) float64 { return p.RedemptionQueue }},
	{Name: "stable_reserves_usd", Doc: "stablecoin reserves, book value", Value: func(p *SeriesPoint) float64 { return p.StableReservesUSD }},
	{Name: "stable_backing_usd", Doc: "stablecoin reserves the market counts on (frozen deposits at their expected recovery; the defense's reserve for an algorithmic coin)", Value: func(p *SeriesPoint) float64 { return p.StableBackingUSD }},
	{Name: "stable_burned", Doc: "stablecoins burned through the mint/burn swap in the step", Value: func(p *SeriesPoint) float64 { return p.StableBurned }},
	{Name: "gov_price_usd", Doc: "governance-token price, 0 without an algorithmic stablecoin", Value: func(p *SeriesPoint) float64 { return p.GovPrice }},
	{Name: "gov_supply", Doc: "governance tokens outstanding", Value: func(p *SeriesPoint) float64 { return p.GovSupply }},
	{Name: "paused", Kind: Int, Doc: "pauses in force in the step, bit mask: 1 borrow, 2 withdraw, 4 deposit, 8 liquidate", Value: func(p *SeriesPoint) float64 { return float64(p.Paused) }},
	{Name: "policy_events", Kind: Int, Doc: "policy triggers fired and parameter changes applied at the end of the step", Value: func(p *SeriesPoint) float64 { return float64(p.PolicyEvents) }},
	{Name: "liquidation_threshold", Doc: "liquidation threshold in force, 0 without positions", Value: func(p *SeriesPoint) float64 { return p.LiquidationThreshold }},
	{Name: "liquidation_bonus", Doc: "liquidation bonus in force, fraction, 0 without positions", Value: func(p *SeriesPoint) float64 { return p.LiquidationBonus }},
	{Name: "reserve_factor", Doc: "reserve factor in force", Value: func(p *SeriesPoint) float64 { return p.ReserveFactor }},
	{Name: "supply_cap_usd", Doc: "supply cap in force, 0 = none", Value: func(p *SeriesPoint) float64 { return p.SupplyCapUSD }},
	{Name: "borrow_cap_usd", Doc: "borrow cap in force, 0 = none", Value: func(p *SeriesPoint) float64 { return p.BorrowCapUSD }},
}
