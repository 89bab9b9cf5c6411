package lending

import (
	"math"
	"math/rand/v2"
	"testing"
)

// A governance change of the liquidation threshold moves which positions
// Next, Liquidatable and ParkedLiquidatable see as liquidatable, on the same
// book order; Reset restores the book's threshold.
func TestBookStateLiquidationThreshold(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		rng := rand.New(rand.NewPCG(seed, 5))
		b := randomBook(t, rng, 1+rng.IntN(300), 0.8)
		s := NewBookState(b)
		for path := 0; path < 2; path++ {
			s.Reset()
			if s.LiquidationThreshold() != 0.8 {
				t.Fatalf("seed %d: threshold %v after Reset, want the book's 0.8", seed, s.LiquidationThreshold())
			}
			price, index := 100.0, 1.0
			for step := 0; step < 30; step++ {
				price *= math.Exp(0.05 * rng.NormFloat64())
				index *= 1 + 0.001*rng.Float64()
				if rng.IntN(3) == 0 {
					s.SetLiquidationThreshold(0.5 + 0.45*rng.Float64())
				}
				lt := s.LiquidationThreshold()
				if got, want := s.Liquidatable(price, index), brute(s, price, index, 0.05, lt).liquidatable; got != want {
					t.Fatalf("seed %d step %d lt %v: Liquidatable %d, brute force %d", seed, step, lt, got, want)
				}
				set := map[int]bool{} // set aside this round
				for {
					var want Position
					found := false
					s.Each(func(p Position) {
						if set[p.ID] {
							return
						}
						if !found || riskier(p.Ratio(), p.ID, want.Ratio(), want.ID) {
							want, found = p, true
						}
					})
					wantOK := found && want.Health(price, index, lt) < 1
					p, ok := s.Next(price, index)
					if ok != wantOK || ok && p != want {
						t.Fatalf("seed %d step %d lt %v: Next = %+v %v, want %+v %v", seed, step, lt, p, ok, want, wantOK)
					}
					if !ok {
						break
					}
					if p.Health(price, index, lt) >= 1 {
						t.Fatalf("seed %d step %d: Next returned a healthy position at lt %v", seed, step, lt)
					}
					if rng.IntN(5) == 0 {
						s.Park(p)
						if s.ParkedLiquidatable(price, index) == 0 {
							t.Fatalf("seed %d step %d: a parked liquidatable position is not counted at lt %v", seed, step, lt)
						}
						s.Unpark()
						q := s.mustNext(t, price, index)
						s.Skip(q)
						set[q.ID] = true
						continue
					}
					// Liquidate it in full (close the position).
					s.Put(Position{ID: p.ID})
				}
				s.EndRound()
			}
		}
	}
}

func (s *BookState) mustNext(t *testing.T, price, index float64) Position {
	t.Helper()
	p, ok := s.Next(price, index)
	if !ok {
		t.Fatal("the unparked position is not liquidatable again")
	}
	return p
}

func TestSetLiquidationThresholdRejectsOutOfRange(t *testing.T) {
	s := NewBookState(mustBook(t, []Position{{ID: 1, Collateral: 1, ScaledDebt: 1}}, 0.8))
	for _, lt := range []float64{0, 1, -0.1, math.NaN()} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("SetLiquidationThreshold(%v) did not panic", lt)
				}
			}()
			s.SetLiquidationThreshold(lt)
		}()
	}
}
