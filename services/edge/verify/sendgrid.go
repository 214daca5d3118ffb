package verify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strconv"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

const (
	sendgridPlatform        = "sendgrid"
	sendgridSignatureHeader = "X-Twilio-Email-Event-Webhook-Signature"
	sendgridTimestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp"
	// maxECDSASigB64 bounds the signature header: a DER P-256 signature
	// is at most 72 bytes, 96 in base64.
	maxECDSASigB64 = 96
)

// DefaultSendGridTolerance is our choice: SendGrid signs the timestamp but
// documents no window, so we apply the common 5 minutes, both directions.
const DefaultSendGridTolerance = 5 * time.Minute

type sendgridVerifier struct {
	keys []*ecdsa.PublicKey
	tol  time.Duration
}

// SendGrid returns a Verifier of SendGrid's Signed Event Webhook:
// X-Twilio-Email-Event-Webhook-Signature is the base64 ASN.1 DER ECDSA
// P-256 signature over the SHA-256 of X-Twilio-Email-Event-Webhook-Timestamp
// (as sent) followed by the raw body. Each "secret" is the verification
// key shown in SendGrid's Mail Settings: base64 DER SubjectPublicKeyInfo of
// a P-256 key. It fails, wrapping apperr.ErrInvalid, when a key does not
// decode or is not P-256.
func SendGrid(publicKeys []string, tolerance time.Duration) (Verifier, error) {
	keys := make([]*ecdsa.PublicKey, 0, len(publicKeys))
	for i, s := range publicKeys {
		if s == "" {
			continue
		}
		k, err := sendgridPublicKey(s)
		if err != nil {
			return nil, fmt.Errorf("sendgrid: public key #%d: %w", i+1, err)
		}
		keys = append(keys, k)
	}
	return &sendgridVerifier{keys: keys, tol: orDefault(tolerance, DefaultSendGridTolerance)}, nil
}

func sendgridPublicKey(s string) (*ecdsa.PublicKey, error) {
	der, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("not base64: %w", apperr.ErrInvalid)
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("not a DER public key: %w", apperr.ErrInvalid)
	}
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok || k.Curve != elliptic.P256() {
		return nil, fmt.Errorf("not an ECDSA P-256 key: %w", apperr.ErrInvalid)
	}
	return k, nil
}

func (v *sendgridVerifier) Verify(r Request) error {
	if len(v.keys) == 0 {
		return fail(sendgridPlatform, reasonNoSecrets)
	}
	h := r.HeaderValue(sendgridSignatureHeader)
	if h == "" {
		return fail(sendgridPlatform, "missing X-Twilio-Email-Event-Webhook-Signature header")
	}
	t := r.HeaderValue(sendgridTimestampHeader)
	if t == "" {
		return fail(sendgridPlatform, "missing X-Twilio-Email-Event-Webhook-Timestamp header")
	}
	ts, ok := parseUnix(t)
	if !ok {
		return fail(sendgridPlatform, reasonBadTimestamp)
	}
	if len(h) > maxECDSASigB64 {
		return fail(sendgridPlatform, reasonMalformed)
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(h)
	if err != nil || len(sig) == 0 {
		return fail(sendgridPlatform, reasonMalformed)
	}
	if err := checkWindow(sendgridPlatform, ts, r.NowOrClock(), v.tol); err != nil {
		return err
	}
	d := sha256.New()
	d.Write([]byte(t))
	d.Write(r.Body)
	digest := d.Sum(nil)
	for _, k := range v.keys {
		if ecdsa.VerifyASN1(k, digest, sig) {
			return nil
		}
	}
	return fail(sendgridPlatform, "no signature match")
}

// sendgridPrivateKey parses a base64 DER EC private key, PKCS#8 or SEC 1.
func sendgridPrivateKey(s string) (*ecdsa.PrivateKey, error) {
	der, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("sendgrid private key: not base64: %w", apperr.ErrInvalid)
	}
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		if ek, ok := k.(*ecdsa.PrivateKey); ok && ek.Curve == elliptic.P256() {
			return ek, nil
		}
		return nil, fmt.Errorf("sendgrid private key: not ECDSA P-256: %w", apperr.ErrInvalid)
	}
	k, err := x509.ParseECPrivateKey(der)
	if err != nil || k.Curve != elliptic.P256() {
		return nil, fmt.Errorf("sendgrid private key: want base64 PKCS#8 or SEC 1 DER of a P-256 key: %w", apperr.ErrInvalid)
	}
	return k, nil
}

// SignSendGrid returns the X-Twilio-Email-Event-Webhook-Signature and
// -Timestamp values SendGrid would send for body at ts, signed with
// privateKey (base64 DER, PKCS#8 or SEC 1). ECDSA signatures are
// randomized: two calls give different, equally valid values.
func SignSendGrid(privateKey string, ts time.Time, body []byte) (signature, timestamp string, err error) {
	k, err := sendgridPrivateKey(privateKey)
	if err != nil {
		return "", "", err
	}
	timestamp = strconv.FormatInt(ts.Unix(), 10)
	d := sha256.New()
	d.Write([]byte(timestamp))
	d.Write(body)
	sig, err := ecdsa.SignASN1(rand.Reader, k, d.Sum(nil))
	if err != nil {
		return "", "", fmt.Errorf("sendgrid sign: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), timestamp, nil
}
