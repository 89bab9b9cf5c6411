package experiments

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/spiralrisk/spiral/engine/lending"
)

// dataDir is the calibration data folder (not part of the repository):
// $SPIRAL_DATA, else the shared folder next to the working tree.
func dataDir(t *testing.T) string {
	dir := os.Getenv("SPIRAL_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "data")
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("calibration data not available (%v); set SPIRAL_DATA to run this check", err)
	}
	return dir
}

// readCSV returns the rows of a data file as maps from column to value.
func readCSV(t *testing.T, dir, name string) []map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		t.Skipf("%s: %v", name, err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil || len(records) < 2 {
		t.Fatalf("%s: %v", name, err)
	}
	rows := make([]map[string]string, 0, len(records)-1)
	for _, rec := range records[1:] {
		row := map[string]string{}
		for i, col := range records[0] {
			row[col] = rec[i]
		}
		rows = append(rows, row)
	}
	return rows
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// The baseline's numbers agree with the data files its description cites.
// Optional: skipped when the data folder is absent.
func TestBaselineMatchesData(t *testing.T) {
	dir := dataDir(t)
	s, err := Load("baseline")
	if err != nil {
		t.Fatal(err)
	}
	cfg := mustConfig(t, s)

	var found bool
	for _, r := range readCSV(t, dir, "aave_stablecoin_eth_reserves_1h_2023-02-15_2023-04-15.csv") {
		if r["timestamp"] != "2023-03-01T00:00:00Z" || r["aave_version"] != "v3" || r["reserve"] != "USDC" {
			continue
		}
		found = true
		supplied, borrowed := num(t, r["total_supplied"]), num(t, r["total_borrowed"])
		if math.Abs(supplied-cfg.Pool.Deposits) > 1 {
			t.Errorf("deposits %v, data %v", cfg.Pool.Deposits, supplied)
		}
		u := borrowed / supplied
		if math.Abs(u-cfg.Pool.Utilization) > 5e-5 {
			t.Errorf("utilization %v, data %v", cfg.Pool.Utilization, u)
		}
		borrowAPR := num(t, r["variable_borrow_apr_pct"]) / 100
		if got := cfg.Pool.Rates.BorrowRate(u); math.Abs(got-borrowAPR) > 1e-5 {
			t.Errorf("borrow rate at U=%v: model %v, data %v", u, got, borrowAPR)
		}
		supplyAPR := num(t, r["supply_apr_pct"]) / 100
		if got := lending.SupplyRate(borrowAPR, u, cfg.Pool.ReserveFactor); math.Abs(got-supplyAPR) > 1e-5 {
			t.Errorf("supply rate: model %v, data %v", got, supplyAPR)
		}
	}
	if !found {
		t.Error("no v3 USDC row at 2023-03-01T00:00Z")
	}

	eth := readCSV(t, dir, "eth_usdt_1d_2017-08-17_2026-03-30_binance.csv")
	var sum, sumSq float64
	var n int
	for i, r := range eth {
		if r["timestamp"] == "2023-03-01T00:00:00Z" {
			if open := num(t, r["open"]); math.Abs(open-1600) > 0.01*1600 {
				t.Errorf("ETH opened 2023-03-01 at %v, baseline uses 1600", open)
			}
		}
		if i > 0 {
			x := math.Log(num(t, r["close"]) / num(t, eth[i-1]["close"]))
			sum += x
			sumSq += x * x
			n++
		}
	}
	vol := math.Sqrt((sumSq-sum*sum/float64(n))/float64(n-1)) * math.Sqrt(365)
	if math.Abs(vol-0.89) > 0.005 {
		t.Errorf("ETH annualised daily vol %v, baseline uses 0.89", vol)
	}
}
