// Package money turns the amounts platforms send into exact Money values:
// int64 minor units of an ISO 4217 currency. It never goes through float64,
// because "19.99"*100 in binary floating point is 1998.9999... and a
// truncation then loses a cent.
package money

import (
	"fmt"
	"math"
	"strings"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

// isoExponent lists the ISO 4217 currencies whose minor unit is not the
// common two decimals. Every other well-formed code has exponent 2.
var isoExponent = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
	"RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
	"CLF": 4, "UYW": 4,
}

// platformExponent lists, per platform, the currencies whose integer
// amounts are NOT in ISO minor units: the number of decimals the platform's
// smallest unit really has. Currencies absent here match ISO.
//
// Stripe (docs.stripe.com/currencies, "Zero-decimal" and "Special cases";
// support.stripe.com "Deprecation of fractional ISK charges"):
//   - ISK is ISO exponent 0 but "remains a two-decimal currency in the
//     Stripe API": 100 means 1 króna, and amounts must be multiples of 100.
//   - UGX is ISO exponent 0 and listed as zero-decimal by Stripe, but the
//     special-cases table says it keeps the two-decimal format for backwards
//     compatibility (amounts divisible by 100). We follow the special case.
//   - MGA is zero-decimal at Stripe while ISO 4217 gives it 2 decimals, so a
//     Stripe MGA integer is whole ariary and is multiplied by 100 here.
//
// Stripe's other zero-decimal and three-decimal currencies match ISO.
//
// Adyen (docs.adyen.com/development-resources/currency-codes): amounts are
// in minor units "given the number of decimals of the currency" in Adyen's
// table, which differs from ISO 4217 for four codes, marked there "differs
// from standard": CLP 2 (ISO 0), CVE 0 (ISO 2), IDR 0 (ISO 2), ISK 2 (ISO 0).
//
// Square ("Working with monetary amounts": the base unit, cents for USD and
// yen for JPY), Paddle (the lowest denomination, as strings) and Twitch
// match ISO and need no entry.
var platformExponent = map[string]map[string]int{
	"stripe": {"ISK": 2, "UGX": 2, "MGA": 0},
	"adyen":  {"CLP": 2, "CVE": 0, "IDR": 0, "ISK": 2},
}

// Exponent returns the ISO 4217 exponent of currency (upper case): the
// number of decimal digits of its minor unit.
func Exponent(currency string) int {
	if e, ok := isoExponent[currency]; ok {
		return e
	}
	return 2
}

// NormalizeCurrency upper-cases currency and checks it is three ASCII
// letters, the shape of an ISO 4217 alphabetic code.
func NormalizeCurrency(currency string) (string, error) {
	c := strings.ToUpper(currency)
	if len(c) != 3 {
		return "", fmt.Errorf("currency %q: %w: want a 3-letter ISO 4217 code", currency, apperr.ErrInvalid)
	}
	for i := 0; i < len(c); i++ {
		if c[i] < 'A' || c[i] > 'Z' {
			return "", fmt.Errorf("currency %q: %w: want a 3-letter ISO 4217 code", currency, apperr.ErrInvalid)
		}
	}
	return c, nil
}

// ParseDecimal parses a decimal string such as "19.99", "-5" or "1.234"
// into minor units of currency. The grammar is an optional '-', digits, and
// an optional '.' followed by digits: no '+', no exponent, no spaces, no
// thousands separators. Digits beyond the currency's exponent must be
// zeros ("19.990" USD is 1999); a non-zero one ("19.999" USD) is an error
// rather than a silent rounding, because which rounding is right depends on
// the business, not on the transport.
func ParseDecimal(amount, currency string) (*eventv1.Money, error) {
	cur, err := NormalizeCurrency(currency)
	if err != nil {
		return nil, err
	}
	exp := Exponent(cur)
	bad := func(reason string) error {
		return fmt.Errorf("amount %q %s: %w: %s", amount, cur, apperr.ErrInvalid, reason)
	}
	s := amount
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || (hasDot && frac == "") {
		return nil, bad("want digits, optionally with a '.' and more digits")
	}
	if !allDigits(intPart) || !allDigits(frac) {
		return nil, bad("want digits, optionally with a '.' and more digits")
	}
	if len(frac) > exp {
		if strings.Trim(frac[exp:], "0") != "" {
			return nil, bad(fmt.Sprintf("more than %d decimal places", exp))
		}
		frac = frac[:exp]
	}
	frac += strings.Repeat("0", exp-len(frac))

	// Accumulate the magnitude in uint64 so that -9223372036854775808 fits.
	limit := uint64(math.MaxInt64)
	if neg {
		limit++
	}
	var mag uint64
	for _, d := range intPart + frac {
		v := uint64(d - '0')
		if mag > (limit-v)/10 {
			return nil, bad("out of int64 range")
		}
		mag = mag*10 + v
	}
	units := int64(mag) // wraps to MinInt64 exactly when neg && mag == 1<<63
	if neg {
		units = -units
	}
	return &eventv1.Money{MinorUnits: units, Currency: cur}, nil
}

// FromMinorUnits converts amount, an integer in platform's smallest unit of
// currency, to ISO minor units. For most platforms and currencies the two
// are the same; platformExponent lists the exceptions. A platform amount
// that is not a whole number of ISO minor units (a legacy fractional ISK
// charge at Stripe, say) is an error rather than a rounding.
func FromMinorUnits(platform string, amount int64, currency string) (*eventv1.Money, error) {
	cur, err := NormalizeCurrency(currency)
	if err != nil {
		return nil, err
	}
	iso := Exponent(cur)
	src, ok := platformExponent[platform][cur]
	if !ok {
		src = iso
	}
	units := amount
	switch {
	case src > iso:
		div := pow10(src - iso)
		if amount%div != 0 {
			return nil, fmt.Errorf("%s amount %d %s: %w: not a whole number of ISO minor units (%s sends %d decimals, ISO has %d)",
				platform, amount, cur, apperr.ErrInvalid, platform, src, iso)
		}
		units = amount / div
	case src < iso:
		mul := pow10(iso - src)
		if amount > math.MaxInt64/mul || amount < math.MinInt64/mul {
			return nil, fmt.Errorf("%s amount %d %s: %w: out of int64 range in ISO minor units", platform, amount, cur, apperr.ErrInvalid)
		}
		units = amount * mul
	}
	return &eventv1.Money{MinorUnits: units, Currency: cur}, nil
}

// Format renders m as a decimal string in its currency's major unit
// ("19.99" for 1999 USD, "1000" for 1000 JPY), the inverse of ParseDecimal.
func Format(m *eventv1.Money) string {
	exp := Exponent(m.GetCurrency())
	u := m.GetMinorUnits()
	sign := ""
	mag := uint64(u)
	if u < 0 {
		sign = "-"
		mag = uint64(-(u + 1)) + 1 // no overflow at MinInt64
	}
	digits := fmt.Sprintf("%0*d", exp+1, mag)
	if exp == 0 {
		return sign + digits
	}
	return sign + digits[:len(digits)-exp] + "." + digits[len(digits)-exp:]
}

// Add returns a+b in the same currency, failing on a currency mismatch or
// int64 overflow: summing refund transactions must not wrap around.
func Add(a, b *eventv1.Money) (*eventv1.Money, error) {
	if a.GetCurrency() != b.GetCurrency() {
		return nil, fmt.Errorf("add %s to %s: %w: currencies differ", b.GetCurrency(), a.GetCurrency(), apperr.ErrInvalid)
	}
	x, y := a.GetMinorUnits(), b.GetMinorUnits()
	if (y > 0 && x > math.MaxInt64-y) || (y < 0 && x < math.MinInt64-y) {
		return nil, fmt.Errorf("add %d to %d %s: %w: out of int64 range", y, x, a.GetCurrency(), apperr.ErrInvalid)
	}
	return &eventv1.Money{MinorUnits: x + y, Currency: a.GetCurrency()}, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}
