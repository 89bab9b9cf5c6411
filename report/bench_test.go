package report

import (
	"testing"
)

// BenchmarkSummaryParquet writes the summary and (empty) series parts of
// 65,536 untraced paths, one row group, through an Output's Sink as a run
// does: value checks, Arrow builders, zstd Parquet, the file committed.
// rows/s is the figure BENCHMARKS.md reports.
func BenchmarkSummaryParquet(b *testing.B) {
	const n = RowGroupRows
	results := synthetic(0, n, 0, 0)
	b.ReportAllocs()
	for b.Loop() {
		o, err := Create(b.TempDir(), testMeta(n), Fresh)
		if err != nil {
			b.Fatal(err)
		}
		sink := o.Sink()
		for lo := 0; lo < n; lo += 64 {
			if err := sink.Write(results[lo:min(lo+64, n)]); err != nil {
				b.Fatal(err)
			}
		}
		if len(o.parts) != 1 {
			b.Fatalf("%d parts committed, want 1", len(o.parts))
		}
		o.Abort()
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "rows/s")
}
