package engine

// NewPathSimulator returns a function that simulates one path of cfg into
// res on a runner reused from call to call, as each worker of Run does: for
// the benchmarks and allocation tests of package engine_test, which can
// load the presets.
func NewPathSimulator(cfg *Config) func(path int, res *PathResult) error {
	return newPathRunner(cfg).run
}
