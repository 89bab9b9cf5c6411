package main

import (
	"os"
	"strings"
	"testing"

	"github.com/spiralrisk/spiral/engine"
)

// docs/outputs.md documents every output column.
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
}
