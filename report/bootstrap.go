package report

import (
	"hash/fnv"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// ESResamples is the number of bootstrap resamples behind each expected
// shortfall confidence interval.
const ESResamples = 1000

// ESMinTail is the smallest tail, n·(1 − p) values, for which an expected
// shortfall gets a confidence interval: a bootstrap of fewer tail values
// is not informative (ES99 needs 1,000 paths).
const ESMinTail = 10

// ESBootstrapSource returns the random source of the expected shortfall
// bootstrap of a metric: a PCG seeded from the FNV-1a hash of the metric
// name, so the same values give the same interval in every run, process
// and order of computation.
func ESBootstrapSource(metric string) *rand.PCG {
	h := fnv.New64a()
	h.Write([]byte("spiral/es-bootstrap/"))
	h.Write([]byte(metric))
	return rand.NewPCG(h.Sum64(), 0x5851f42d4c957f2d)
}

// ExpectedShortfallCI returns a percentile bootstrap confidence interval at
// level (in (0, 1)) for ExpectedShortfall(sorted, p) from resamples
// resamples drawn with src. sorted must be ascending. It returns NaN, NaN
// when resamples < 2, p is not in (0, 1) or the tail holds fewer than
// ESMinTail values, and the single value when all values are equal.
//
// Each resample is an ordinary bootstrap resample (n draws with replacement
// from all n values), but only its top is built: the expected shortfall
// depends only on the largest ⌈n·(1 − p)⌉ values of the resample. The
// multinomial counts of the draws are generated from the top of the sorted
// values down in blocks of K ≈ n(1 − p) + 5√(n(1 − p)) positions: the
// number of the r draws still to place that land in a block of K of the N
// positions still open is Binomial(r, K/N), and those draws are uniform
// over the block. The next block is needed only when the first holds
// fewer draws than the tail (a 5-sigma event), so a resample costs
// O(n(1 − p)) instead of O(n), and the result is exactly that of the full
// resample.
func ExpectedShortfallCI(sorted []float64, p, level float64, resamples int, src rand.Source) (lo, hi float64) {
	n := len(sorted)
	m := tailSize(n, p)
	if resamples < 2 || !(p > 0 && p < 1) || !(level > 0 && level < 1) || m < ESMinTail {
		return math.NaN(), math.NaN()
	}
	if sorted[0] == sorted[n-1] {
		return sorted[0], sorted[0]
	}
	b := esBootstrap{sorted: sorted, src: src}
	b.whole = int(m)
	b.frac = m - float64(b.whole)
	b.m = m
	need := b.whole
	if b.frac > 0 {
		need++
	}
	b.block = min(n, need+int(math.Ceil(5*math.Sqrt(float64(need))))+16)
	b.counts = make([]uint32, b.block)
	es := make([]float64, resamples)
	for i := range es {
		es[i] = b.resample()
	}
	slices.Sort(es)
	return QuantileCont(es, (1-level)/2), QuantileCont(es, (1+level)/2)
}

// tailSize is n·(1 − p), rounded to an integer when within floating-point
// error of one (as in ExpectedShortfall), and at least 1.
func tailSize(n int, p float64) float64 {
	m := float64(n) * (1 - p)
	if r := math.Round(m); math.Abs(m-r) < 1e-9*max(1, m) {
		m = r
	}
	return max(m, 1)
}

type esBootstrap struct {
	sorted []float64
	src    rand.Source
	m      float64 // tail size n(1 − p), ≥ 1
	whole  int     // ⌊m⌋ values count fully ...
	frac   float64 // ... and the next with weight m − ⌊m⌋
	block  int
	counts []uint32 // draws per position of the current block
}

// resample returns the expected shortfall of one bootstrap resample.
func (b *esBootstrap) resample() float64 {
	n := len(b.sorted)
	left, open, hi := n, n, n // draws still to place, positions still open, end of the open positions
	taken, sum := 0, 0.0
	for hi > 0 {
		k := min(b.block, hi)
		lo := hi - k
		in := left
		if k < open {
			in = int(distuv.Binomial{N: float64(left), P: float64(k) / float64(open), Src: b.src}.Rand())
		}
		counts := b.counts[:k]
		clear(counts)
		b.draw(counts, in)
		top := b.sorted[lo:hi]
		for j := k - 1; j >= 0; j-- {
			c := int(counts[j])
			v := top[j]
			t := min(c, b.whole-taken)
			sum += float64(t) * v
			taken += t
			if taken == b.whole && c > 0 {
				if b.frac == 0 {
					return sum / b.m
				}
				if c > t {
					return (sum + b.frac*v) / b.m
				}
			}
		}
		left -= in
		open -= k
		hi = lo
	}
	return sum / b.m // not reached: the n draws fill the tail
}

// draw adds draws uniform positions to counts, by Lemire's multiply-shift
// with rejection (exactly uniform); the source is called directly, without
// rand.Rand, as this loop is nearly all of the bootstrap's time.
func (b *esBootstrap) draw(counts []uint32, draws int) {
	k := uint64(len(counts))
	threshold := -k % k // 2⁶⁴ mod k
	if pcg, ok := b.src.(*rand.PCG); ok {
		for range draws {
			hi, lo := bits.Mul64(pcg.Uint64(), k)
			for lo < threshold {
				hi, lo = bits.Mul64(pcg.Uint64(), k)
			}
			counts[hi]++
		}
		return
	}
	for range draws {
		hi, lo := bits.Mul64(b.src.Uint64(), k)
		for lo < threshold {
			hi, lo = bits.Mul64(b.src.Uint64(), k)
		}
		counts[hi]++
	}
}
