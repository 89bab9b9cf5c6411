package experiments

import (
	"slices"
	"testing"

	"github.com/spiralrisk/spiral/engine"
)

// black-thursday-pause is black-thursday-2020 plus a policy and nothing
// else, so that the two runs are a with/without comparison on common
// random numbers.
func TestBlackThursdayPauseIsTheCrashPlusAPolicy(t *testing.T) {
	with, err := Load("black-thursday-pause")
	if err != nil {
		t.Fatal(err)
	}
	without, err := Load("black-thursday-2020")
	if err != nil {
		t.Fatal(err)
	}
	if with.Policy == nil || len(with.Policy.Pauses) != 1 || without.Policy != nil {
		t.Fatalf("policies: %+v and %+v", with.Policy, without.Policy)
	}
	stripped := *with
	stripped.Name, stripped.Description, stripped.Policy = without.Name, without.Description, nil
	if a, b := stripped.Resolved(), without.Resolved(); string(a) != string(b) {
		t.Errorf("black-thursday-pause differs from black-thursday-2020 beyond its policy:\n%s\n---\n%s", a, b)
	}
}

// The liquidation pause lowers bad debt in the typical path and raises it
// in the tail: the trade-off the preset pair shows. The same paths run with
// and without the pause (common random numbers).
func TestLiquidationPauseTradeOff(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the preset")
	}
	const paths = 200
	with := runPreset(t, "black-thursday-pause", paths, nil)
	without := runPreset(t, "black-thursday-pause", paths, func(c *engine.Config) { c.Policy = nil })
	bad := func(rs rows) []float64 {
		var v []float64
		for _, r := range rs {
			v = append(v, r.BadDebtUSD)
		}
		slices.Sort(v)
		return v
	}
	mean := func(v []float64) float64 {
		var s float64
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	for _, r := range with {
		if r.HoursPausedLiquidate != 24 || r.Pauses != 1 || !(r.FirstPauseHour >= 9 && r.FirstPauseHour <= 14) || r.SkippedPaused == 0 {
			t.Fatalf("path %d: paused %v h in %d pauses from hour %v, %d position-steps skipped: want one 24 h pause from about hour 12",
				r.Path, r.HoursPausedLiquidate, r.Pauses, r.FirstPauseHour, r.SkippedPaused)
		}
	}
	w, n := bad(with), bad(without)
	q := func(v []float64, p float64) float64 { return v[int(p*float64(len(v)-1))] }
	t.Logf("bad debt (seed 1, %d paths) with pause: mean %.0f, median %.0f, p95 %.0f, p99 %.0f; without: mean %.0f, median %.0f, p95 %.0f, p99 %.0f",
		paths, mean(w), q(w, 0.5), q(w, 0.95), q(w, 0.99), mean(n), q(n, 0.5), q(n, 0.95), q(n, 0.99))
	if !(mean(w) < 0.85*mean(n)) || !(q(w, 0.5) < 0.5*q(n, 0.5)) {
		t.Errorf("mean or median bad debt with the pause (%.0f, %.0f) not well below without (%.0f, %.0f)", mean(w), q(w, 0.5), mean(n), q(n, 0.5))
	}
	if !(q(w, 0.99) > 1.2*q(n, 0.99)) {
		t.Errorf("p99 bad debt with the pause %.0f, without %.0f: the tail did not fatten", q(w, 0.99), q(n, 0.99))
	}
}
