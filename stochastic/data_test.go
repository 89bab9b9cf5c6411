package stochastic

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// dataDir holds the project's optional historical data (never in the repo).
const dataDir = "/work/shared/data"

func readDataSeries(t *testing.T, file string) PriceSeries {
	t.Helper()
	f, err := os.Open(filepath.Join(dataDir, file))
	if err != nil {
		t.Skipf("historical data absent (%v)", err)
	}
	defer f.Close()
	s, err := ReadPriceCSV(f, file)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestFitHistoricalDaily fits every model to the ETH and BTC daily closes
// when the data is present and checks the estimates are sane.
func TestFitHistoricalDaily(t *testing.T) {
	for _, file := range []string{
		"eth_usdt_1d_2017-08-17_2026-03-30_binance.csv",
		"btc_usdt_1d_2017-08-17_2026-03-30_binance.csv",
	} {
		t.Run(file, func(t *testing.T) {
			s := readDataSeries(t, file)
			if s.Step != 24*time.Hour {
				t.Fatalf("step %v, want 24h", s.Step)
			}
			for _, fitter := range []func(PriceSeries) (Fit, error){FitGBM, FitMerton, FitGARCHT} {
				fit, err := fitter(s)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("\n%s", fit)
				t.Logf("\n%s", fit.YAML("    "))
				checkSaneFit(t, fit)
			}
		})
	}
}

func checkSaneFit(t *testing.T, fit Fit) {
	t.Helper()
	p, err := fit.Process(fit.LastPrice)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Validate(); err != nil {
		t.Errorf("%s: fitted process invalid: %v", fit.Model, err)
	}
	for i, n := range fit.Names {
		if se := fit.StdErrors[i]; !(se > 0) {
			t.Errorf("%s: %s standard error %v, want > 0", fit.Model, n, se)
		}
	}
	switch fit.Model {
	case "gbm":
		if v := fit.get("volatility"); v < 0.4 || v > 1.2 {
			t.Errorf("gbm volatility %v outside [0.4, 1.2]", v)
		}
	case "merton":
		if v := fit.get("volatility"); v < 0.2 || v > 1.2 {
			t.Errorf("merton volatility %v outside [0.2, 1.2]", v)
		}
		if l := fit.get("jump_intensity"); l < 1 || l > 365 {
			t.Errorf("merton jump_intensity %v outside [1, 365] per year", l)
		}
	case "garch_t":
		a, b := fit.get("alpha"), fit.get("beta")
		if a <= 0.01 || b < 0.5 || a+b >= 1 {
			t.Errorf("garch alpha %v beta %v not a persistent stationary GARCH", a, b)
		}
		if nu := fit.get("nu"); nu < 2.1 || nu > 10 {
			t.Errorf("garch nu %v outside [2.1, 10] (daily crypto returns are heavy-tailed)", nu)
		}
	}
}
