// Package stochastic holds spiral's exogenous randomness: per-path random
// streams, price processes and depositor withdrawal processes.
//
// # Streams
//
// Every path owns independent random streams keyed by (seed, path, stream id)
// (see [Source.Seed]). A worker keeps one [Source] per stream and re-seeds it for
// each path, so nothing is allocated per path and results do not depend on the
// number of workers or on which worker ran a path. Each stochastic component
// draws from its own stream id, so changing, say, the withdrawal model leaves
// the price paths untouched (common random numbers across variants).
//
// # Processes
//
// Parameters are value types in the style of gonum's stat/distuv: exported
// fields with documented units and ranges, a Validate method, and an explicit
// random source. Rates and volatilities are annual; time steps are passed in
// years. A process is turned into a sampler once per worker ([PriceProcess] and
// [WithdrawalBehaviour]); the sampler is reset at the start of every path.
//
// This package is a leaf: it imports only the standard library and gonum.
package stochastic
