package stochastic

import "math/rand/v2"

// StreamID names one independent random stream of a path. Each stochastic
// component of the model draws from its own stream so that changing one
// component does not change the draws of another.
type StreamID uint64

// Stream ids used by the engine. New components take new ids; existing ids
// never change meaning, or seeds would no longer reproduce old runs.
const (
	StreamPrice       StreamID = 1 // exogenous collateral price path
	StreamWithdrawals StreamID = 2 // depositor withdrawal requests
	StreamDeposits    StreamID = 3 // new deposits
	StreamBorrowers   StreamID = 4 // borrower repay/borrow decisions
	StreamPositions   StreamID = 5 // position book generation
	StreamLiquidators StreamID = 6 // keeper capacity, gas
	StreamStablecoin  StreamID = 7 // stablecoin holders and redemptions
)

// Source is a re-seedable random source for one stream of one path. The zero
// value is not usable; create one with [NewSource] once per worker and call
// [Source.Seed] for every path. Seed does not allocate.
type Source struct {
	pcg rand.PCG
	*rand.Rand
}

// NewSource returns a Source seeded for (seed, path 0, stream).
func NewSource(seed uint64, stream StreamID) *Source {
	s := &Source{}
	s.Rand = rand.New(&s.pcg)
	s.Seed(seed, 0, stream)
	return s
}

// Seed re-keys the source to the stream (seed, path, stream). Two sources with
// the same key produce identical sequences; any change of the key gives an
// unrelated sequence.
func (s *Source) Seed(seed, path uint64, stream StreamID) {
	hi, lo := StreamKey(seed, path, stream)
	s.pcg.Seed(hi, lo)
}

// StreamKey derives the 128-bit PCG state for (seed, path, stream) by chaining
// SplitMix64 finalizers, so nearby keys give statistically unrelated states.
func StreamKey(seed, path uint64, stream StreamID) (hi, lo uint64) {
	h := splitmix64(seed ^ 0x53504952414c2121) // "SPIRAL!!"
	h = splitmix64(h ^ path)
	h = splitmix64(h ^ uint64(stream))
	return h, splitmix64(h ^ 0x9e3779b97f4a7c15)
}

// splitmix64 is the finalizer of Steele, Lea and Flood's SplitMix64.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
