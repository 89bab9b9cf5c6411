package report

import (
	"strings"
	"testing"
)

func cascadeVariant(name string, paths, capped, cap int) VariantAggregate {
	return VariantAggregate{Variant: name, Paths: paths, CascadeCap: cap, CascadePaths: capped,
		Metrics: []MetricStats{{Metric: CascadeColumn, N: paths}}}
}

// The cascade cap is noted when reached on at least 1 % of a variant's
// paths, saying on how many; for a sweep, naming each variant.
func TestCascadeNote(t *testing.T) {
	if n := cascadeNote([]VariantAggregate{cascadeVariant("base", 1000, 9, 10)}, false); n != "" {
		t.Errorf("9 of 1000 paths (0.9 %%): note %q, want none", n)
	}
	if n := cascadeNote([]VariantAggregate{cascadeVariant("base", 1000, 0, 0)}, false); n != "" {
		t.Errorf("no cap known: note %q, want none", n)
	}
	n := cascadeNote([]VariantAggregate{cascadeVariant("base", 1000, 10, 10)}, false)
	if !strings.HasPrefix(n, "cascade cap: on 1 % of the paths (10 of 1,000) a step's liquidation cascade reached liquidators.max_rounds (10 rounds)") ||
		!strings.Contains(n, "raise liquidators.max_rounds") {
		t.Errorf("10 of 1000 paths: note %q", n)
	}
	n = cascadeNote([]VariantAggregate{cascadeVariant("base", 400, 0, 10), cascadeVariant("v000", 400, 400, 1), cascadeVariant("v001", 400, 3, 10),
		cascadeVariant("v002", 400, 37, 10)}, true)
	if !strings.Contains(n, "of variants v000 (400 of 400 paths, 100 %, max_rounds 1), v002 (37 of 400 paths, 9.25 %, max_rounds 10): ") {
		t.Errorf("sweep: note %q", n)
	}
}
