package engine

import (
	"context"
	"errors"
	"fmt"
	"runtime"

	"golang.org/x/sync/errgroup"
)

// Options control how Run splits work; none of them changes the results.
type Options struct {
	// Workers is the number of goroutines simulating paths, ≥ 1; 0 means
	// runtime.GOMAXPROCS(0).
	Workers int
	// First and Count select the paths [First, First+Count) of the run (a
	// shard). Count 0 means every path from First to Config.Paths.
	First, Count int
	// Chunk is the number of consecutive paths a worker takes at a time, ≥ 1;
	// 0 picks a size that keeps every worker busy.
	Chunk int
	// Progress, when set, is called after each chunk has been written with
	// the number of paths written so far. It runs on Run's emitting goroutine.
	Progress func(done int)
}

// Run simulates the selected paths of cfg on opts.Workers goroutines and
// hands the results to sink in path order. Workers take chunks of
// consecutive paths; finished chunks are written by index, so the output is
// identical for any number of workers or chunk size. At most four chunks per
// worker are in memory at once. Run stops at the first error (a path's
// *PathError, the sink's error, or ctx's) and returns it; the sink has then
// received a prefix of the paths.
func Run(ctx context.Context, cfg *Config, opts Options, sink Sink) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	workers := opts.Workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	count := opts.Count
	if count == 0 {
		count = cfg.Paths - opts.First
	}
	switch {
	case workers < 1:
		return fmt.Errorf("workers must be ≥ 1, got %d", workers)
	case opts.First < 0 || count < 1 || opts.First+count > cfg.Paths:
		return fmt.Errorf("path range [%d, %d) is not inside [0, %d)", opts.First, opts.First+count, cfg.Paths)
	case opts.Chunk < 0:
		return fmt.Errorf("chunk must be ≥ 0, got %d", opts.Chunk)
	}
	chunk := opts.Chunk
	if chunk == 0 {
		// Path costs are heavy-tailed (a crash path can cost 50 calm
		// ones): at least 32 chunks per worker keep the last chunks short.
		chunk = min(max(count/(workers*32), 1), 64)
	}
	chunks := (count + chunk - 1) / chunk
	workers = min(workers, chunks)

	// A ring of slots holds chunks in flight: chunk k uses slot k % len(slots).
	// The dispatcher hands chunk k to a worker only once the emitter has
	// written chunk k − len(slots), which bounds memory. Four slots per
	// worker let the others go on while one works through a slow chunk
	// (with two, scaling from 1 to 2 workers on bench.yaml's 256-path
	// benchmark was 1.77×).
	slots := make([]slot, 4*workers)
	seriesCap := cfg.seriesCap()
	for i := range slots {
		slots[i].results = make([]PathResult, chunk)
		slots[i].done = make(chan struct{}, 1)
		slots[i].free = make(chan struct{}, 1)
		slots[i].free <- struct{}{}
	}

	g, ctx := errgroup.WithContext(ctx)
	jobs := make(chan int)
	g.Go(func() error { // dispatcher
		defer close(jobs)
		for k := range chunks {
			s := &slots[k%len(slots)]
			select {
			case <-s.free:
			case <-ctx.Done():
				return ctx.Err()
			}
			select {
			case jobs <- k:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	for range workers {
		g.Go(func() error {
			r := newPathRunner(cfg)
			for k := range jobs {
				s := &slots[k%len(slots)]
				lo := opts.First + k*chunk
				n := min(chunk, opts.First+count-lo)
				s.n = n
				for i := range n {
					res := &s.results[i]
					if cfg.Traced(lo+i) && res.Series == nil {
						res.Series = make([]SeriesPoint, 0, seriesCap)
					}
					if err := r.run(lo+i, res); err != nil {
						return err
					}
					if ctx.Err() != nil {
						return ctx.Err()
					}
				}
				s.done <- struct{}{}
			}
			return nil
		})
	}
	g.Go(func() error { // emitter: writes chunks in order
		written := 0
		for k := range chunks {
			s := &slots[k%len(slots)]
			select {
			case <-s.done:
			case <-ctx.Done():
				return ctx.Err()
			}
			if err := sink.Write(s.results[:s.n]); err != nil {
				return fmt.Errorf("writing paths %d–%d: %w", opts.First+k*chunk, opts.First+k*chunk+s.n-1, err)
			}
			written += s.n
			if opts.Progress != nil {
				opts.Progress(written)
			}
			s.free <- struct{}{}
		}
		return nil
	})
	err := g.Wait()
	var pe *PathError
	if errors.As(err, &pe) {
		return pe
	}
	return err
}

type slot struct {
	results []PathResult
	n       int
	done    chan struct{} // a worker finished the slot's chunk
	free    chan struct{} // the emitter has written the slot's chunk
}
