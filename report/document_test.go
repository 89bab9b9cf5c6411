package report

import (
	"bytes"
	"errors"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// pdftoppm returns the path of poppler's pdftoppm, installing
// poppler-utils with apt-get when it is missing. Without it the test skips,
// except in CI (CI=true), where it fails.
func pdftoppm(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("pdftoppm"); err == nil {
		return p
	}
	if _, err := exec.LookPath("apt-get"); err == nil {
		// A new machine has no package lists: update them first.
		for _, args := range [][]string{{"update", "-q"}, {"install", "-y", "-q", "poppler-utils"}} {
			if out, err := exec.Command("apt-get", args...).CombinedOutput(); err != nil {
				t.Logf("apt-get %v: %v\n%s", args, err, out)
			}
		}
		if p, err := exec.LookPath("pdftoppm"); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("pdftoppm (poppler-utils) is missing and could not be installed: CI must render report.pdf")
	}
	t.Skip("pdftoppm (poppler-utils) is missing and could not be installed (apt-get install poppler-utils); report.pdf is not rendered")
	return ""
}

// renderPages renders every page of pdf with pdftoppm at dpi and returns
// the PNG files in page order.
func renderPages(t *testing.T, pdf string, dpi int) []string {
	t.Helper()
	tool := pdftoppm(t)
	dir := t.TempDir()
	out, err := exec.Command(tool, "-r", strconv.Itoa(dpi), "-png", pdf, filepath.Join(dir, "page")).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftoppm %s: %v\n%s", pdf, err, out)
	}
	if len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("pdftoppm reports problems with %s:\n%s", pdf, out)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "page-*.png"))
	return pages // pdftoppm pads the page numbers, so names sort by page
}

// inked returns the share of the pixels of a page above its footer (the
// top 92 %) that are not near white.
func inked(t *testing.T, path string) float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b := img.Bounds()
	b.Max.Y = b.Min.Y + b.Dy()*92/100
	dark := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r+g+bl < 3*0xe000 {
				dark++
			}
		}
	}
	return float64(dark) / float64(b.Dx()*b.Dy())
}

// reportRun writes a finished run with liquidations of paths paths to a
// new directory and returns it.
func reportRun(t *testing.T, paths int) string {
	t.Helper()
	results := synthetic(0, paths, 30, 48)
	withLiquidations(results)
	dir := filepath.Join(t.TempDir(), "out")
	m := testMeta(paths)
	m.ScenarioYAML, m.ScenarioSHA256, m.Liquidations = riskYAML, "", true
	m.Description = "A synthetic lending market for the report tests.\n\nWhere the numbers come from:\n- nowhere: they are drawn\n  from fixed seeds (≥ 1 of them)."
	m.PartPaths = 400
	o := mustCreate(t, dir, m, Fresh)
	feed(t, o.Sink(), results, 100)
	if err := o.Finish(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// report.pdf is a vector document whose every page renders with ink on
// it; report.md links every chart and holds the risk table.
func TestReportPDFAndMarkdown(t *testing.T) {
	dir := reportRun(t, 1200)
	pdf := filepath.Join(dir, ReportPDF)
	b, err := os.ReadFile(pdf)
	if err != nil {
		t.Fatal(err)
	}
	checkSolidPDF(t, ReportPDF, b)
	if !bytes.Contains(b, []byte("/Type /Pages")) {
		t.Fatal("report.pdf is not a PDF")
	}
	pages := renderPages(t, pdf, 30)
	if len(pages) < 6 {
		t.Errorf("report.pdf has %d pages, want the title and risk table, the description, the charts, the metrics table", len(pages))
	}
	for i, p := range pages {
		if ink := inked(t, p); ink < 0.003 {
			t.Errorf("page %d of report.pdf is blank (%.2f %% of its pixels inked)", i+1, 100*ink)
		}
	}
	if *keepDir != "" {
		os.MkdirAll(*keepDir, 0o755)
		for _, p := range pages {
			c, _ := os.ReadFile(p)
			os.WriteFile(filepath.Join(*keepDir, filepath.Base(p)), c, 0o644)
		}
	}

	md, err := os.ReadFile(filepath.Join(dir, ReportMarkdown))
	if err != nil {
		t.Fatal(err)
	}
	text := string(md)
	links := regexp.MustCompile(`!\[[^]]*\]\(([^)]+)\)`).FindAllStringSubmatch(text, -1)
	charts, _ := filepath.Glob(filepath.Join(dir, PlotsDir, "*.png"))
	if len(links) != len(charts) || len(links) < 7 {
		t.Errorf("report.md links %d charts, plots/ holds %d PNGs", len(links), len(charts))
	}
	for _, l := range links {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(l[1]))); err != nil {
			t.Errorf("report.md links %s: %v", l[1], err)
		}
	}
	for _, want := range []string{
		"# test: risk report", "## Headline risk metrics", "| VaR99 of bad debt | Gauntlet:", "| 24 h VaR95 of bad debt | Chaos Labs:",
		"| P(>1 % of debt under-collateralized) | Kao et al.", "### Were the paths enough?", "## Scenario", "  from fixed seeds (≥ 1 of them).",
		"## All metrics", "| bad_debt_usd | 1,200 |", "plots/convergence.png", "## Methods", "scenario SHA-256",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	for _, unwanted := range []string{"spiral run", "Start", "T0", "shard"} {
		if strings.Contains(text, unwanted) {
			t.Errorf("report.md holds %q: it must not depend on how or when the run was made", unwanted)
		}
	}
}

// Recompute rebuilds the derived files from the parts alone: the same
// report.md, aggregates and manifest as Finish; shards never merged give
// the same report; an incomplete directory is refused and left as it was.
func TestRecompute(t *testing.T) {
	const paths = 400
	single := reportRun(t, paths)
	read := func(dir, f string) string {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	derived := []string{ReportMarkdown, AggregateJSON, AggregateParquet, ManifestFile, "plots/convergence.png", "plots/bad_debt_hist.png"}
	before := map[string]string{}
	for _, f := range derived {
		before[f] = read(single, f)
	}
	os.Remove(filepath.Join(single, ReportPDF))
	if _, err := Recompute(single, MergeOptions{Args: []string{"spiral", "report"}}); err != nil {
		t.Fatal(err)
	}
	for _, f := range derived {
		if read(single, f) != before[f] {
			t.Errorf("Recompute changed %s", f)
		}
	}
	if _, err := os.Stat(filepath.Join(single, ReportPDF)); err != nil {
		t.Errorf("Recompute did not write report.pdf: %v", err)
	}

	// Shards written separately and never merged.
	results := synthetic(0, paths, 30, 48)
	withLiquidations(results)
	sharded := filepath.Join(t.TempDir(), "sharded")
	for i, r := range []Range{{0, 150}, {150, 250}} {
		m := testMeta(paths)
		m.ScenarioYAML, m.ScenarioSHA256, m.Liquidations = riskYAML, "", true
		m.Description = "A synthetic lending market for the report tests.\n\nWhere the numbers come from:\n- nowhere: they are drawn\n  from fixed seeds (≥ 1 of them)."
		m.Shard, m.Shards, m.FirstPath, m.NumPaths, m.PartPaths = i, 2, r.First, r.Count, 60
		o := mustCreate(t, sharded, m, Fresh)
		feed(t, o.Sink(), results[r.First:r.End()], 33)
		if err := o.Finish(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Recompute(sharded, MergeOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{ReportMarkdown, AggregateJSON, "plots/convergence.png"} {
		if read(sharded, f) != before[f] {
			t.Errorf("%s of the shards differs from the single process's", f)
		}
	}

	// A missing part: refused, nothing rewritten.
	os.Remove(filepath.Join(sharded, PartPath(SummaryDir, "base", 270)))
	os.Remove(filepath.Join(sharded, PartPath(SeriesDir, "base", 270)))
	md := read(sharded, ReportMarkdown)
	_, err := Recompute(sharded, MergeOptions{})
	var ce *CheckError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "paths [270, 330) are missing (shard 1/2") {
		t.Fatalf("Recompute of an incomplete directory: %v", err)
	}
	if read(sharded, ReportMarkdown) != md {
		t.Error("a refused Recompute changed report.md")
	}
	if _, err := os.Stat(filepath.Join(sharded, SuccessFile)); err != nil {
		t.Error("a refused Recompute removed _SUCCESS")
	}
	if _, err := Recompute(t.TempDir(), MergeOptions{}); !errors.As(err, &ce) {
		t.Errorf("Recompute of an empty directory: %v", err)
	}
}

// Several variants: one section each, charts under plots/variant=<v>/, and
// the comparison section that will hold the sweep charts.
func TestReportVariants(t *testing.T) {
	const paths = 120
	dir := filepath.Join(t.TempDir(), "out")
	for i, v := range []string{"a", "b"} {
		m := testMeta(paths)
		m.Variant = v
		mode := Fresh
		if i > 0 {
			mode = Overwrite
		}
		o := mustCreate(t, dir, m, mode)
		results := synthetic(0, paths, 5, 24)
		for k := range results {
			results[k].Summary.StuckShare *= float64(1 + i)
		}
		feed(t, o.Sink(), results, 60)
		if err := o.Finish(); err != nil {
			t.Fatal(err)
		}
	}
	agg, err := Recompute(dir, MergeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(agg.Variants) != 2 {
		t.Fatalf("%d variants", len(agg.Variants))
	}
	b, err := os.ReadFile(filepath.Join(dir, ReportMarkdown))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, want := range []string{"## Headline risk metrics (variant a)", "## Headline risk metrics (variant b)",
		"## Comparison of the variants", "common random numbers", "| Metric | a | b |", "plots/variant=b/convergence.png"} {
		if !strings.Contains(text, want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	pages := renderPages(t, filepath.Join(dir, ReportPDF), 20)
	for i, p := range pages {
		if ink := inked(t, p); ink < 0.003 {
			t.Errorf("page %d of the two-variant report.pdf is blank", i+1)
		}
	}
}

// Text in the PDF is written in code page 1252.
func TestToCP1252(t *testing.T) {
	for in, want := range map[string]string{
		"plain":        "plain",
		"95 % ± 2 × 3": "95 % \xb1 2 \xd7 3",
		"a – b … €":    "a \x96 b \x85 \x80",
		"x ≥ 1, y ≤ 2": "x >= 1, y <= 2",
		"1/√n, σ, 漢":   "1/sqrtn, sigma, ?",
		"café déjà vu": "caf\xe9 d\xe9j\xe0 vu",
	} {
		if got := toCP1252(in); got != want {
			t.Errorf("toCP1252(%q) = %q, want %q", in, got, want)
		}
	}
}

// formatNumber keeps 4 significant digits with separators.
func TestFormatNumber(t *testing.T) {
	for v, want := range map[float64]string{0.012345: "0.01235", 12.345: "12.35", 66213: "66,210", 12345678: "12,350,000", -45678: "-45,680"} {
		if got := formatNumber(v); got != want {
			t.Errorf("formatNumber(%v) = %q, want %q", v, got, want)
		}
	}
}
