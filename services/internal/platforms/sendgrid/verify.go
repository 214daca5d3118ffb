package sendgrid

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	name            = "sendgrid"
	signatureHeader = "X-Twilio-Email-Event-Webhook-Signature"
	timestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp"
	// maxECDSASigB64 bounds the signature header: a DER P-256 signature
	// is at most 72 bytes, 96 in base64.
	maxECDSASigB64 = 96
)

// DefaultTolerance is our choice: SendGrid signs the timestamp but
// documents no window, so we apply the common 5 minutes, both directions.
const DefaultTolerance = 5 * time.Minute

type verifier struct {
	keys []*ecdsa.PublicKey
	tol  time.Duration
}

// NewVerifier returns a Verifier of SendGrid's Signed Event Webhook:
// X-Twilio-Email-Event-Webhook-Signature is the base64 ASN.1 DER ECDSA
// P-256 signature over the SHA-256 of X-Twilio-Email-Event-Webhook-Timestamp
// (as sent) followed by the raw body. Each "secret" is the verification
// key shown in SendGrid's Mail Settings: base64 DER SubjectPublicKeyInfo of
// a P-256 key. It fails, wrapping apperr.ErrInvalid, when a key does not
// decode or is not P-256.
func NewVerifier(publicKeys []string, tolerance time.Duration) (platform.Verifier, error) {
	keys := make([]*ecdsa.PublicKey, 0, len(publicKeys))
	for i, s := range publicKeys {
		if s == "" {
			continue
		}
		k, err := publicKey(s)
		if err != nil {
			return nil, fmt.Errorf("public key #%d: %w", i+1, err)
		}
		keys = append(keys, k)
	}
	return &verifier{keys: keys, tol: sig.OrDefault(tolerance, DefaultTolerance)}, nil
}

// publicKey parses a base64 DER SubjectPublicKeyInfo of a P-256 key.
func publicKey(s string) (*ecdsa.PublicKey, error) {
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

// Verify checks the signature headers of r.
func (v *verifier) Verify(r platform.Request) error {
	if len(v.keys) == 0 {
		return sig.Fail(name, sig.ReasonNoSecrets)
	}
	h := r.HeaderValue(signatureHeader)
	if h == "" {
		return sig.Fail(name, "missing X-Twilio-Email-Event-Webhook-Signature header")
	}
	t := r.HeaderValue(timestampHeader)
	if t == "" {
		return sig.Fail(name, "missing X-Twilio-Email-Event-Webhook-Timestamp header")
	}
	ts, ok := sig.ParseUnix(t)
	if !ok {
		return sig.Fail(name, sig.ReasonBadTimestamp)
	}
	if len(h) > maxECDSASigB64 {
		return sig.Fail(name, sig.ReasonMalformed)
	}
	der, err := base64.StdEncoding.Strict().DecodeString(h)
	if err != nil || len(der) == 0 {
		return sig.Fail(name, sig.ReasonMalformed)
	}
	if err := sig.CheckWindow(name, ts, r.NowOrClock(), v.tol); err != nil {
		return err
	}
	d := sha256.New()
	d.Write([]byte(t))
	d.Write(r.Body)
	digest := d.Sum(nil)
	for _, k := range v.keys {
		if ecdsa.VerifyASN1(k, digest, der) {
			return nil
		}
	}
	return sig.Fail(name, "no signature match")
}

// privateKey parses a base64 DER EC private key, PKCS#8 or SEC 1.
func privateKey(s string) (*ecdsa.PrivateKey, error) {
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

// Signature returns the X-Twilio-Email-Event-Webhook-Signature and
// -Timestamp values SendGrid would send for body at ts, signed with
// private (base64 DER, PKCS#8 or SEC 1). ECDSA signatures are
// randomized: two calls give different, equally valid values.
func Signature(private string, ts time.Time, body []byte) (signature, timestamp string, err error) {
	k, err := privateKey(private)
	if err != nil {
		return "", "", err
	}
	timestamp = strconv.FormatInt(ts.Unix(), 10)
	d := sha256.New()
	d.Write([]byte(timestamp))
	d.Write(body)
	der, err := ecdsa.SignASN1(rand.Reader, k, d.Sum(nil))
	if err != nil {
		return "", "", fmt.Errorf("sendgrid sign: %w", err)
	}
	return base64.StdEncoding.EncodeToString(der), timestamp, nil
}

// sign is Platform.Sign: the signature and timestamp headers, signed with
// the private key in.Secret.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	s, ts, err := Signature(in.Secret, in.Now, in.Body)
	if err != nil {
		return nil, nil, err
	}
	return platform.Headers(signatureHeader, s, timestampHeader, ts), in.Body, nil
}
