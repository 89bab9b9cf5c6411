package experiments

import (
	"strings"
	"testing"

	"github.com/spiralrisk/spiral/engine"
)

// outputs.warnings: defaults, partial overrides, range problems on their
// line, unknown keys, and the round trip through Resolved.
func TestWarningsSection(t *testing.T) {
	if cfg := mustConfig(t, mustParse(t, "quiet.yaml", quietMarket)); cfg.Warnings != engine.DefaultWarnings() {
		t.Errorf("defaults %+v", cfg.Warnings)
	}
	s := mustParse(t, "quiet.yaml", quietMarket+"outputs:\n  warnings:\n    utilization: 0.9\n    depeg: 0\n")
	want := engine.DefaultWarnings()
	want.Utilization, want.Depeg = 0.9, 0
	if cfg := mustConfig(t, s); cfg.Warnings != want {
		t.Errorf("got %+v, want %+v", cfg.Warnings, want)
	}
	again := mustParse(t, "resolved.yaml", string(s.Resolved()))
	if cfg := mustConfig(t, again); cfg.Warnings != want || !strings.Contains(string(s.Resolved()), "  warnings:\n    utilization: 0.9\n") {
		t.Errorf("round trip: %+v\n%s", cfg.Warnings, s.Resolved())
	}
	for src, problem := range map[string]string{
		"outputs:\n  warnings:\n    utilization: 1.5\n": "quiet.yaml:15:18: outputs.warnings.utilization: must be in [0, 1], got 1.5",
		"outputs:\n  warnings:\n    borrow_apr: .nan\n": "outputs.warnings.borrow_apr",
		"outputs:\n  warnings:\n    utilisation: 0.9\n": `did you mean "utilization"`,
	} {
		_, err := Parse("quiet.yaml", []byte(quietMarket+src))
		if err == nil || !strings.Contains(err.Error(), problem) {
			t.Errorf("%q: got %v, want a problem %q", src, err, problem)
		}
	}
}
