package money

import (
	"errors"
	"math"
	"math/big"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

func TestParseDecimal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		amount, currency string
		want             int64
		wantCur          string
	}{
		{"19.99", "USD", 1999, "USD"},
		{"0.29", "usd", 29, "USD"}, // 0.29*100 is 28.999... in float64
		{"19.990", "USD", 1999, "USD"},
		{"19", "EUR", 1900, "EUR"},
		{"19.9", "EUR", 1990, "EUR"},
		{"1000", "JPY", 1000, "JPY"},
		{"1000.00", "JPY", 1000, "JPY"},
		{"1.234", "KWD", 1234, "KWD"},
		{"0.5", "KWD", 500, "KWD"},
		{"1.2345", "CLF", 12345, "CLF"},
		{"500", "ISK", 500, "ISK"},
		{"-5.10", "GBP", -510, "GBP"},
		{"-0", "USD", 0, "USD"},
		{"007.50", "USD", 750, "USD"},
		{"92233720368547758.07", "USD", math.MaxInt64, "USD"},
		{"-92233720368547758.08", "USD", math.MinInt64, "USD"},
	}
	for _, tt := range tests {
		got, err := ParseDecimal(tt.amount, tt.currency)
		if err != nil {
			t.Errorf("ParseDecimal(%q, %q): %v", tt.amount, tt.currency, err)
			continue
		}
		if got.GetMinorUnits() != tt.want || got.GetCurrency() != tt.wantCur {
			t.Errorf("ParseDecimal(%q, %q) = %d %s, want %d %s", tt.amount, tt.currency, got.GetMinorUnits(), got.GetCurrency(), tt.want, tt.wantCur)
		}
	}
}

func TestParseDecimalRejects(t *testing.T) {
	t.Parallel()
	tests := []struct{ amount, currency string }{
		{"1.5", "JPY"},
		{"19.999", "USD"},
		{"1.2345", "KWD"},
		{"", "USD"},
		{"-", "USD"},
		{".5", "USD"},
		{"5.", "USD"},
		{"+5", "USD"},
		{"1e3", "USD"},
		{"1E3", "USD"},
		{"1.5e2", "USD"},
		{" 1", "USD"},
		{"1,000.00", "USD"},
		{"1.2.3", "USD"},
		{"--1", "USD"},
		{"NaN", "USD"},
		{"Infinity", "USD"},
		{"0x10", "USD"},
		{"92233720368547758.08", "USD"},
		{"-92233720368547758.09", "USD"},
		{"99999999999999999999", "JPY"},
		{"1.00", "US"},
		{"1.00", "USDX"},
		{"1.00", "U$D"},
		{"1.00", ""},
	}
	for _, tt := range tests {
		got, err := ParseDecimal(tt.amount, tt.currency)
		if err == nil {
			t.Errorf("ParseDecimal(%q, %q) = %v, want an error", tt.amount, tt.currency, got)
			continue
		}
		if !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("ParseDecimal(%q, %q): error %v does not wrap apperr.ErrInvalid", tt.amount, tt.currency, err)
		}
	}
}

func TestFromMinorUnits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		platform, currency string
		amount, want       int64
		wantCur            string
	}{
		{"stripe", "usd", 1999, 1999, "USD"},
		{"stripe", "jpy", 1000, 1000, "JPY"},
		{"stripe", "kwd", 1230, 1230, "KWD"},
		{"stripe", "isk", 50000, 500, "ISK"}, // Stripe sends ISK x100
		{"stripe", "ugx", 370000, 3700, "UGX"},
		{"stripe", "mga", 1000, 100000, "MGA"}, // zero-decimal at Stripe, 2 in ISO
		{"stripe", "isk", -200, -2, "ISK"},
		{"other", "isk", 500, 500, "ISK"}, // no override: platform units are ISO units
		{"adyen", "EUR", 1000, 1000, "EUR"},
		{"adyen", "ISK", 279000, 2790, "ISK"},   // Adyen: ISK has 2 decimals
		{"adyen", "CLP", 150000, 1500, "CLP"},   // Adyen: CLP has 2 decimals
		{"adyen", "IDR", 15000, 1500000, "IDR"}, // Adyen: IDR has 0 decimals, ISO 2
		{"adyen", "CVE", 250, 25000, "CVE"},     // Adyen: CVE has 0 decimals, ISO 2
		{"square", "JPY", 2, 2, "JPY"},
		{"paddle", "USD", 1999, 1999, "USD"},
	}
	for _, tt := range tests {
		got, err := FromMinorUnits(tt.platform, tt.amount, tt.currency)
		if err != nil {
			t.Errorf("FromMinorUnits(%s, %d, %s): %v", tt.platform, tt.amount, tt.currency, err)
			continue
		}
		if got.GetMinorUnits() != tt.want || got.GetCurrency() != tt.wantCur {
			t.Errorf("FromMinorUnits(%s, %d, %s) = %d %s, want %d %s", tt.platform, tt.amount, tt.currency, got.GetMinorUnits(), got.GetCurrency(), tt.want, tt.wantCur)
		}
	}
}

func TestFromMinorUnitsRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		platform, currency string
		amount             int64
	}{
		{"stripe", "isk", 4010}, // fractional króna cannot be ISO minor units
		{"adyen", "CLP", 150001},
		{"stripe", "mga", math.MaxInt64},
		{"stripe", "mga", math.MinInt64},
		{"stripe", "us", 100},
		{"stripe", "", 100},
	}
	for _, tt := range tests {
		if got, err := FromMinorUnits(tt.platform, tt.amount, tt.currency); !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("FromMinorUnits(%s, %d, %s) = %v, %v; want ErrInvalid", tt.platform, tt.amount, tt.currency, got, err)
		}
	}
}

func TestFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		amount, currency, want string
	}{
		{"19.99", "USD", "19.99"},
		{"0.05", "USD", "0.05"},
		{"-0.05", "USD", "-0.05"},
		{"1000", "JPY", "1000"},
		{"1.234", "KWD", "1.234"},
		{"-92233720368547758.08", "USD", "-92233720368547758.08"},
	}
	for _, tt := range tests {
		m, err := ParseDecimal(tt.amount, tt.currency)
		if err != nil {
			t.Fatalf("ParseDecimal(%q): %v", tt.amount, err)
		}
		if got := Format(m); got != tt.want {
			t.Errorf("Format(%v) = %q, want %q", m, got, tt.want)
		}
	}
}

func TestAdd(t *testing.T) {
	t.Parallel()
	a, _ := ParseDecimal("10.01", "USD")
	b, _ := ParseDecimal("0.99", "USD")
	sum, err := Add(a, b)
	if err != nil || sum.GetMinorUnits() != 1100 {
		t.Fatalf("Add = %v, %v; want 1100 USD", sum, err)
	}
	eur, _ := ParseDecimal("1", "EUR")
	if _, err := Add(a, eur); !errors.Is(err, apperr.ErrInvalid) {
		t.Errorf("Add(USD, EUR) err = %v, want ErrInvalid", err)
	}
	max, _ := ParseDecimal("92233720368547758.07", "USD")
	if _, err := Add(max, b); !errors.Is(err, apperr.ErrInvalid) {
		t.Errorf("Add overflow err = %v, want ErrInvalid", err)
	}
}

// FuzzParseDecimal checks two properties of every accepted input: the value
// equals the exact rational value of the string scaled by the exponent (an
// independent oracle through math/big), and Format then ParseDecimal gives
// the same Money back.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range []struct{ amount, currency string }{
		{"19.99", "USD"}, {"0.29", "usd"}, {"1000", "JPY"}, {"1.234", "KWD"}, {"19.990", "USD"},
		{"-5.10", "GBP"}, {"92233720368547758.07", "USD"}, {"1.5", "JPY"}, {"1e3", "USD"}, {"", "USD"},
		{"1.2345", "CLF"}, {"-0", "XOF"},
	} {
		f.Add(s.amount, s.currency)
	}
	f.Fuzz(func(t *testing.T, amount, currency string) {
		m, err := ParseDecimal(amount, currency)
		if err != nil {
			if !errors.Is(err, apperr.ErrInvalid) {
				t.Fatalf("ParseDecimal(%q, %q): error %v does not wrap ErrInvalid", amount, currency, err)
			}
			return
		}
		want, ok := new(big.Rat).SetString(amount)
		if !ok {
			t.Fatalf("ParseDecimal accepted %q, which is not a number", amount)
		}
		scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(Exponent(m.GetCurrency()))), nil)
		want.Mul(want, new(big.Rat).SetInt(scale))
		if !want.IsInt() || want.Num().Cmp(big.NewInt(m.GetMinorUnits())) != 0 {
			t.Fatalf("ParseDecimal(%q, %q) = %d, want %s", amount, currency, m.GetMinorUnits(), want.RatString())
		}
		s := Format(m)
		back, err := ParseDecimal(s, m.GetCurrency())
		if err != nil {
			t.Fatalf("reparse of Format(%v) = %q: %v", m, s, err)
		}
		if back.GetMinorUnits() != m.GetMinorUnits() || back.GetCurrency() != m.GetCurrency() {
			t.Fatalf("round trip %q -> %v -> %q -> %v", amount, m, s, back)
		}
	})
}
