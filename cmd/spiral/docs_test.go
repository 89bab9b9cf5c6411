package main

import (
	"os"
	"strings"
	"testing"

	"github.com/spiralrisk/spiral/engine"
	"github.com/spiralrisk/spiral/report"
)

// docs/outputs.md documents every output column (of aggregate.parquet, those
// of the warning rows).
func TestOutputsDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/outputs.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, c := range engine.SummaryColumns {
		if !strings.Contains(doc, "| `"+c.Name+"` |") {
			t.Errorf("summary column %s is not in docs/outputs.md", c.Name)
		}
	}
	for _, c := range engine.SeriesColumns {
		if !strings.Contains(doc, "| `"+c.Name+"` |") {
			t.Errorf("series column %s is not in docs/outputs.md", c.Name)
		}
	}
	for _, c := range report.WarningColumns {
		if !strings.Contains(doc, "| `"+c+"` |") {
			t.Errorf("aggregate.parquet column %s of the warning rows is not in docs/outputs.md", c)
		}
	}
}
