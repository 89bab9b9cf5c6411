package engine

import (
	"math"
	"math/rand/v2"
	"testing"
)

// refRingSum is ringSum without the skip of zeros: the rolling sum it must
// reproduce bit for bit.
type refRingSum struct {
	vals []float64
	next int
	sum  float64
}

func (r *refRingSum) push(v float64) {
	r.sum += v - r.vals[r.next]
	r.vals[r.next] = v
	if r.next++; r.next == len(r.vals) {
		r.next = 0
	}
	if r.sum < 0 {
		r.sum = 0
	}
}

// Skipping zeros pushed into an all-zero ring leaves every sum as pushing
// them would: runs of zeros longer and shorter than the ring, single values
// of very different sizes (the running sum keeps a rounding residue after a
// large value leaves, which the skip must keep too), and resets.
func TestRingSumSkipsZerosExactly(t *testing.T) {
	for _, n := range []int{1, 2, 3, 24, 96} {
		seed := uint64(n)
		rng := rand.New(rand.NewPCG(seed, 7))
		r := newRingSum(n)
		ref := refRingSum{vals: make([]float64, n)}
		skipped := 0
		for i := range 20_000 {
			if i%5_000 == 4_999 {
				r.reset()
				ref = refRingSum{vals: make([]float64, n)}
			}
			var v float64
			switch k := rng.IntN(10); {
			case k < 7: // bad debt is rare: mostly zeros
			case k < 9:
				v = rng.Float64() * math.Pow(10, float64(rng.IntN(12)))
			default:
				v = rng.Float64() * 1e-9
			}
			if v == 0 && r.nonzero == 0 {
				skipped++
			}
			r.push(v)
			ref.push(v)
			if math.Float64bits(r.sum) != math.Float64bits(ref.sum) {
				t.Fatalf("n=%d seed=%d push %d (%g): sum %g, want %g", n, seed, i, v, r.sum, ref.sum)
			}
		}
		if skipped == 0 {
			t.Errorf("n=%d: no zero was skipped: the test proves nothing", n)
		}
	}
}
