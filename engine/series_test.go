package engine_test

import (
	"math"
	"testing"

	"github.com/spiralrisk/spiral/engine"
)

// With outputs.trace_every longer than the step, a row's flows are the sums
// over the steps since the previous row (its pauses those in force in any of
// them, its policy events all of theirs), and its state is its own step's:
// the rows of a path traced every 5 steps are the rows of the same path
// traced every step, grouped. The model does not see the tracing, so the
// random numbers and every step are the same.
func TestSeriesRowsSumFlowsSinceThePreviousRow(t *testing.T) {
	const every = 5
	for _, name := range []string{"black-thursday-pause", "ust-luna-2022"} {
		fine, coarse := preset(t, name), preset(t, name)
		fine.Trace.Paths, fine.Trace.Every = 3, 1
		coarse.Trace.Paths, coarse.Trace.Every = 3, every
		runFine, runCoarse := engine.NewPathSimulator(fine), engine.NewPathSimulator(coarse)
		var a, b engine.PathResult
		var liquidated, sold float64
		var events, groupsOfSeveral int
		for path := range 3 {
			if err := runFine(path, &a); err != nil {
				t.Fatal(err)
			}
			if err := runCoarse(path, &b); err != nil {
				t.Fatal(err)
			}
			if a.Summary.RequestedUSD != b.Summary.RequestedUSD || a.Summary.LiquidatedDebtUSD != b.Summary.LiquidatedDebtUSD {
				t.Fatalf("%s path %d: tracing changed the summary", name, path)
			}
			if want := (fine.Steps() + every - 1) / every; len(b.Series) != want {
				t.Fatalf("%s path %d: %d rows every %d steps, want %d", name, path, len(b.Series), every, want)
			}
			i := 0
			for _, row := range b.Series {
				var want engine.SeriesPoint
				n := 0
				for ; i < len(a.Series) && a.Series[i].Step <= row.Step; i++ {
					p := a.Series[i]
					want = p // the state: the row's own step's
					n++
					if n == 1 {
						want.RequestedUSD, want.PaidUSD, want.NewDepositsUSD, want.LiquidatedUSD, want.KeeperCapacity = 0, 0, 0, 0, 0
						want.Rounds, want.PolicyEvents, want.Paused = 0, 0, 0
						want.HoldersSold, want.RedeemRequested, want.RedeemedUSD, want.StableBurned = 0, 0, 0, 0
					}
				}
				// Sum the group in step order, as the runner does.
				var sum engine.SeriesPoint
				for _, p := range a.Series[i-n : i] {
					sum.RequestedUSD += p.RequestedUSD
					sum.PaidUSD += p.PaidUSD
					sum.NewDepositsUSD += p.NewDepositsUSD
					sum.LiquidatedUSD += p.LiquidatedUSD
					sum.KeeperCapacity += p.KeeperCapacity
					sum.Rounds += p.Rounds
					sum.PolicyEvents += p.PolicyEvents
					sum.Paused |= p.Paused
					sum.HoldersSold += p.HoldersSold
					sum.RedeemRequested += p.RedeemRequested
					sum.RedeemedUSD += p.RedeemedUSD
					sum.StableBurned += p.StableBurned
				}
				want.RequestedUSD, want.PaidUSD, want.NewDepositsUSD = sum.RequestedUSD, sum.PaidUSD, sum.NewDepositsUSD
				want.LiquidatedUSD, want.KeeperCapacity, want.Rounds = sum.LiquidatedUSD, sum.KeeperCapacity, sum.Rounds
				want.PolicyEvents, want.Paused = sum.PolicyEvents, sum.Paused
				want.HoldersSold, want.RedeemRequested, want.RedeemedUSD, want.StableBurned = sum.HoldersSold, sum.RedeemRequested, sum.RedeemedUSD, sum.StableBurned
				if n > 1 {
					groupsOfSeveral++
				}
				if !sameRow(row, want) {
					t.Fatalf("%s path %d step %d (every %d):\n got %+v\nwant %+v", name, path, row.Step, every, row, want)
				}
				liquidated += row.LiquidatedUSD
				sold += row.HoldersSold
				events += row.PolicyEvents
			}
		}
		if groupsOfSeveral == 0 || name == "black-thursday-pause" && (liquidated == 0 || events == 0) || name == "ust-luna-2022" && sold == 0 {
			t.Errorf("%s: liquidated %v, holders sold %v, policy events %d, groups of several steps %d: the test proves little",
				name, liquidated, sold, events, groupsOfSeveral)
		}
	}
}

// sameRow compares two series rows field by field, NaN equal to NaN.
func sameRow(a, b engine.SeriesPoint) bool {
	same := func(x, y float64) bool { return x == y || math.IsNaN(x) && math.IsNaN(y) }
	for _, col := range engine.SeriesColumns {
		if !same(col.Value(&a), col.Value(&b)) {
			return false
		}
	}
	return true
}
