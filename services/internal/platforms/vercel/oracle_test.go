package vercel_test

import (
	"crypto/hmac"
	"crypto/sha1"
)

// oracleSHA1 is HMAC-SHA1 written with crypto/hmac alone, the independent
// oracle FuzzHeader checks against.
func oracleSHA1(key, body []byte) []byte {
	m := hmac.New(sha1.New, key)
	m.Write(body)
	return m.Sum(nil)
}
