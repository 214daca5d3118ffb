package paypal

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"hash/crc32"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

// Header names PayPal sends.
const (
	TransmissionIDHeader   = "Paypal-Transmission-Id"
	TransmissionTimeHeader = "Paypal-Transmission-Time"
	TransmissionSigHeader  = "Paypal-Transmission-Sig"
	CertURLHeader          = "Paypal-Cert-Url"
	AuthAlgoHeader         = "Paypal-Auth-Algo"
)

// AuthAlgo is the only algorithm PayPal uses and hookmesh accepts.
const AuthAlgo = "SHA256withRSA"

// DefaultTolerance is ours: PayPal signs the transmission time but
// documents no window.
const DefaultTolerance = 5 * time.Minute

const (
	// maxSigB64 bounds the signature header: an 8192-bit RSA signature,
	// 1024 bytes, is 1368 characters of base64.
	maxSigB64 = 1368
	// maxTransmissionID bounds the transmission id (PayPal's are UUIDs;
	// its API allows 50 characters).
	maxTransmissionID = 128
)

type entry struct {
	webhookID string
	key       *rsa.PublicKey
}

type verifier struct {
	entries []entry
	tol     time.Duration
}

// newVerifier parses each secret, "<webhook id>:<base64 DER certificate
// or public key>"; one that does not parse wraps apperr.ErrInvalid.
func newVerifier(secrets []string, tolerance time.Duration) (platform.Verifier, error) {
	v := &verifier{tol: sig.OrDefault(tolerance, DefaultTolerance)}
	for i, s := range secrets {
		if s == "" {
			continue
		}
		e, err := parseSecret(s)
		if err != nil {
			return nil, fmt.Errorf("paypal: secret #%d: %w", i+1, err)
		}
		v.entries = append(v.entries, e)
	}
	return v, nil
}

func parseSecret(s string) (entry, error) {
	id, b64, ok := strings.Cut(s, ":")
	if !ok || id == "" || b64 == "" {
		return entry{}, fmt.Errorf("want <webhook id>:<base64 DER certificate or public key>: %w", apperr.ErrInvalid)
	}
	der, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return entry{}, fmt.Errorf("key not base64: %w", apperr.ErrInvalid)
	}
	var pub any
	if cert, err := x509.ParseCertificate(der); err == nil {
		pub = cert.PublicKey
	} else if pub, err = x509.ParsePKIXPublicKey(der); err != nil {
		return entry{}, fmt.Errorf("key is neither a DER certificate nor a DER public key: %w", apperr.ErrInvalid)
	}
	k, ok := pub.(*rsa.PublicKey)
	if !ok {
		return entry{}, fmt.Errorf("key is not RSA: %w", apperr.ErrInvalid)
	}
	return entry{webhookID: id, key: k}, nil
}

// Verify checks the transmission signature against every configured
// webhook id and key. PAYPAL-CERT-URL is never read.
func (v *verifier) Verify(r platform.Request) error {
	if len(v.entries) == 0 {
		return sig.Fail(name, sig.ReasonNoSecrets)
	}
	id, ts, sigB64 := r.HeaderValue(TransmissionIDHeader), r.HeaderValue(TransmissionTimeHeader), r.HeaderValue(TransmissionSigHeader)
	switch {
	case id == "":
		return sig.Fail(name, "missing PAYPAL-TRANSMISSION-ID header")
	case ts == "":
		return sig.Fail(name, "missing PAYPAL-TRANSMISSION-TIME header")
	case sigB64 == "":
		return sig.Fail(name, "missing PAYPAL-TRANSMISSION-SIG header")
	case r.HeaderValue(AuthAlgoHeader) != AuthAlgo:
		return sig.Fail(name, "PAYPAL-AUTH-ALGO is not SHA256withRSA")
	case len(id) > maxTransmissionID:
		return sig.Fail(name, sig.ReasonMalformed)
	}
	at, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		return sig.Fail(name, sig.ReasonBadTimestamp)
	}
	if len(sigB64) > maxSigB64 {
		return sig.Fail(name, sig.ReasonMalformed)
	}
	signature, err := base64.StdEncoding.Strict().DecodeString(sigB64)
	if err != nil || len(signature) == 0 {
		return sig.Fail(name, sig.ReasonMalformed)
	}
	if err := sig.CheckWindowTime(name, at, r.NowOrClock(), v.tol); err != nil {
		return err
	}
	crc := strconv.FormatUint(uint64(crc32.ChecksumIEEE(r.Body)), 10)
	for _, e := range v.entries {
		digest := sha256.Sum256([]byte(id + "|" + ts + "|" + e.webhookID + "|" + crc))
		if rsa.VerifyPKCS1v15(e.key, crypto.SHA256, digest[:], signature) == nil {
			return nil
		}
	}
	return sig.Fail(name, "no signature match")
}

// SignedString is what PayPal signs for a transmission of body to the
// webhook webhookID.
func SignedString(transmissionID, transmissionTime, webhookID string, body []byte) string {
	return transmissionID + "|" + transmissionTime + "|" + webhookID + "|" + strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10)
}

// sign is Platform.Sign: a new transmission of in.Body, signed with the
// private key of in.Secret, "<webhook id>:<base64 PKCS #8 DER RSA private
// key>", at in.Now.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	id, b64, ok := strings.Cut(in.Secret, ":")
	if !ok {
		return nil, nil, fmt.Errorf("paypal sign: want <webhook id>:<base64 PKCS #8 private key>: %w", apperr.ErrInvalid)
	}
	der, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, nil, fmt.Errorf("paypal sign: private key not base64: %w", apperr.ErrInvalid)
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	priv, isRSA := k.(*rsa.PrivateKey)
	if err != nil || !isRSA {
		return nil, nil, fmt.Errorf("paypal sign: not a PKCS #8 RSA private key: %w", apperr.ErrInvalid)
	}
	tid := randid.UUID()
	ts := in.Now.UTC().Format(time.RFC3339)
	digest := sha256.Sum256([]byte(SignedString(tid, ts, id, in.Body)))
	s, err := rsa.SignPKCS1v15(nil, priv, crypto.SHA256, digest[:])
	if err != nil {
		return nil, nil, fmt.Errorf("paypal sign: %w", err)
	}
	h := http.Header{}
	h.Set(TransmissionSigHeader, base64.StdEncoding.EncodeToString(s))
	h.Set(TransmissionIDHeader, tid)
	h.Set(TransmissionTimeHeader, ts)
	h.Set(AuthAlgoHeader, AuthAlgo)
	h.Set(CertURLHeader, "https://api.paypal.com/v1/notifications/certs/CERT-hookmesh-development")
	return h, in.Body, nil
}
