package experiments

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/spiralrisk/spiral/stochastic"
)

// combined is a stand-in for a later model holding a list of other models,
// to show that one registry entry is all a new model needs, lists included.
type combined struct {
	Parts []WithdrawalModel `yaml:"parts,required"`
	Scale float64           `yaml:"scale"`
}

func (c *combined) WithdrawalBehaviour() stochastic.WithdrawalBehaviour {
	return c.Parts[0].Spec.WithdrawalBehaviour()
}

func TestRegistryExtension(t *testing.T) {
	saved := slices.Clone(withdrawalModels.entries) // add sorts in place
	t.Cleanup(func() { withdrawalModels.entries = saved })
	withdrawalModels.add("combined_test", "test only", func() WithdrawalSpec { return &combined{Scale: 1} })

	src := strings.Replace(minimal, "withdrawals: {model: self_exciting, baseline: 0.01}", `withdrawals:
    model: combined_test
    parts:
      - {model: self_exciting, baseline: 0.01}
      - model: self_exciting
        baseline: 0.02
        half_life: 1d`, 1)
	s := mustParse(t, "combined.yaml", src)
	c := s.Depositors.Withdrawals.Spec.(*combined)
	if len(c.Parts) != 2 || c.Scale != 1 || c.Parts[1].Spec.(*SelfExciting).HalfLife != Duration(Day) {
		t.Fatalf("decoded %+v", c)
	}
	again := mustParse(t, "resolved.yaml", string(s.Resolved()))
	if string(again.Resolved()) != string(s.Resolved()) {
		t.Errorf("list of models does not round-trip:\n%s\nthen\n%s", s.Resolved(), again.Resolved())
	}

	bad := strings.Replace(src, "baseline: 0.02", "baseline: x", 1)
	bad = strings.Replace(bad, "{model: self_exciting, baseline: 0.01}", "{model: panic}", 1)
	_, err := Parse("bad.yaml", []byte(bad))
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Parse: %v", err)
	}
	checkProblems(t, e.Problems, []want{
		{15, 17, "depositors.withdrawals.parts.0.model", `unknown withdrawal model "panic"`},
		{17, 19, "depositors.withdrawals.parts.1.baseline", "expected a number"},
	})
}
