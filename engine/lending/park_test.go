package lending

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Keyed parking against a brute-force model: Next returns the riskiest
// open position neither set aside nor parked; UnparkLevel and UnparkRiskier
// release exactly the parked positions whose keys say so (UnparkRiskier
// first moves positions to their riskier level), and put each
// where it would be had it never been parked (set aside if Next returned a
// position no riskier than it since EndRound, or found nothing above a
// threshold below its ratio); SkipLiquidatable sets aside every
// liquidatable candidate; LiquidatableAndParked agrees with the two counts.
func TestKeyedParkingMatchesModel(t *testing.T) {
	rules := DefaultLiquidationRules()
	for seed := uint64(1); seed <= 10; seed++ {
		rng := rand.New(rand.NewPCG(seed, 17))
		b := randomBook(t, rng, 1+rng.IntN(300), rules.LiquidationThreshold)
		s := NewBookState(b)
		type key struct {
			level, riskier float64
		}
		set := map[int]bool{}
		parked := map[int]key{}
		var taken []Position // returned by Next since EndRound
		noneAbove := math.Inf(1)
		price, index := 100.0, 1.0
		// place is where a released position goes in the model.
		place := func(p Position) {
			would := p.Ratio() > noneAbove
			for _, q := range taken {
				if !riskier(q.Ratio(), q.ID, p.Ratio(), p.ID) {
					would = true
				}
			}
			if would {
				set[p.ID] = true
			}
		}
		open := func() map[int]Position {
			m := map[int]Position{}
			s.Each(func(p Position) { m[p.ID] = p })
			return m
		}
		var step int
		release := func() {
			all := open()
			if rng.IntN(2) == 0 {
				x := 10 * rng.Float64()
				want := 0
				for id, k := range parked {
					if k.level >= x {
						want++
						delete(parked, id)
						place(all[id])
					}
				}
				if got := s.UnparkLevel(x); got != want {
					t.Fatalf("seed %d step %d: UnparkLevel(%v) released %d, want %d", seed, step, x, got, want)
				}
				return
			}
			thr := price * s.LiquidationThreshold() / index * (0.8 + 0.4*rng.Float64())
			x := 10 * rng.Float64()
			want := 0
			for id, k := range parked {
				if k.riskier > k.level && all[id].Ratio() > thr {
					if k.riskier >= x {
						want++
						delete(parked, id)
						place(all[id])
					} else {
						parked[id] = key{k.riskier, k.riskier}
					}
				}
			}
			if got := s.UnparkRiskier(thr, x); got != want {
				t.Fatalf("seed %d step %d: UnparkRiskier released %d, want %d", seed, step, got, want)
			}
		}
		for step = 0; step < 60; step++ {
			price *= math.Exp(0.07 * rng.NormFloat64())
			index *= 1 + 0.002*rng.Float64()
			for round := 0; round < 3; round++ {
				if round > 0 {
					price *= 0.97 // the next round, at a lower oracle price
					release()
				}
				for {
					var want Position
					found := false
					for _, p := range open() {
						if set[p.ID] {
							continue
						}
						if _, ok := parked[p.ID]; ok {
							continue
						}
						if !found || riskier(p.Ratio(), p.ID, want.Ratio(), want.ID) {
							want, found = p, true
						}
					}
					wantOK := found && want.Health(price, index, s.LiquidationThreshold()) < 1
					p, ok := s.Next(price, index)
					if ok != wantOK || ok && p != want {
						t.Fatalf("seed %d step %d: Next = %+v %v, want %+v %v", seed, step, p, ok, want, wantOK)
					}
					if !ok {
						noneAbove = min(noneAbove, price*s.LiquidationThreshold()/index)
						break
					}
					taken = append(taken, p)
					switch k := rng.IntN(10); {
					case k < 3:
						lv, riskier := 10*rng.Float64(), 10*rng.Float64()
						if rng.IntN(2) == 0 {
							riskier = lv
						}
						s.ParkUntil(p, lv, riskier)
						parked[p.ID] = key{lv, riskier}
					case k < 5:
						s.Skip(p)
						set[p.ID] = true
					default:
						l := rules.PlanMaxRepay(p.Debt(index), p.Collateral, price, rng.Float64()*p.Debt(index))
						q := p.After(l, index)
						if l.Exhausted {
							q.Collateral = 0
						}
						if !s.Put(q) && q == p {
							set[p.ID] = true
						}
					}
					if rng.IntN(6) == 0 { // a release within the round
						release()
					}
					if rng.IntN(40) == 0 {
						want := 0
						for _, p := range open() {
							_, isParked := parked[p.ID]
							if !set[p.ID] && !isParked && p.Health(price, index, s.LiquidationThreshold()) < 1 {
								want++
								set[p.ID] = true
							}
						}
						// The model need not track what it takes: Next then
						// finds nothing above this threshold.
						if got := s.SkipLiquidatable(price, index); got != want {
							t.Fatalf("seed %d step %d: SkipLiquidatable set aside %d, want %d", seed, step, got, want)
						}
						noneAbove = min(noneAbove, price*s.LiquidationThreshold()/index)
					}
				}
			}
			all, inParking := s.LiquidatableAndParked(price, index)
			if all != s.Liquidatable(price, index) || inParking != s.ParkedLiquidatable(price, index) || s.Parked() != len(parked) {
				t.Fatalf("seed %d step %d: LiquidatableAndParked %d, %d; Liquidatable %d, ParkedLiquidatable %d; %d parked, want %d",
					seed, step, all, inParking, s.Liquidatable(price, index), s.ParkedLiquidatable(price, index), s.Parked(), len(parked))
			}
			checkAgainstBrute(t, s, price, index, rules, seed, step)
			s.EndRound()
			clear(set)
			taken, noneAbove = taken[:0], math.Inf(1)
		}
	}
}

// A caller that parks positions it would skip anyway, and releases them at
// arbitrary times, sees the same liquidations as one that never parks:
// releases put positions where they would have been.
func TestParkingIsInvisible(t *testing.T) {
	rules := DefaultLiquidationRules()
	for seed := uint64(1); seed <= 10; seed++ {
		rng := rand.New(rand.NewPCG(seed, 23))
		b := randomBook(t, rng, 50+rng.IntN(400), rules.LiquidationThreshold)
		a, z := NewBookState(b), NewBookState(b) // a parks, z never does
		unpayable := func(p Position) bool { return p.ID%4 == 0 }
		price, index := 100.0, 1.0
		for step := 0; step < 80; step++ {
			price *= math.Exp(0.06 * rng.NormFloat64())
			index *= 1 + 0.001*rng.Float64()
			if rng.IntN(3) == 0 {
				a.UnparkLevel(10 * rng.Float64())
			}
			for round := 0; round < 3; round++ {
				if rng.IntN(2) == 0 {
					a.UnparkRiskier(price*a.LiquidationThreshold()/index*(0.9+0.3*rng.Float64()), 10*rng.Float64())
				}
				var seenA, seenZ []Position
				for {
					p, ok := a.Next(price, index)
					if !ok {
						break
					}
					if unpayable(p) {
						if rng.IntN(2) == 0 {
							a.ParkUntil(p, 10*rng.Float64(), 10*rng.Float64())
						} else {
							a.Skip(p)
						}
						continue
					}
					seenA = append(seenA, p)
					a.Put(p.After(rules.Plan(p.Debt(index), p.Collateral, price), index))
				}
				for {
					p, ok := z.Next(price, index)
					if !ok {
						break
					}
					if unpayable(p) {
						z.Skip(p)
						continue
					}
					seenZ = append(seenZ, p)
					z.Put(p.After(rules.Plan(p.Debt(index), p.Collateral, price), index))
				}
				if len(seenA) != len(seenZ) {
					t.Fatalf("seed %d step %d round %d: %d liquidations with parking, %d without", seed, step, round, len(seenA), len(seenZ))
				}
				for i := range seenA {
					if seenA[i] != seenZ[i] {
						t.Fatalf("seed %d step %d round %d: liquidation %d of %+v with parking, %+v without", seed, step, round, i, seenA[i], seenZ[i])
					}
				}
				price *= 0.97 // the next round at a lower oracle price
			}
			a.EndRound()
			z.EndRound()
		}
		if a.Liquidatable(price, index) != z.Liquidatable(price, index) {
			t.Fatalf("seed %d: the books differ at the end", seed)
		}
	}
}
