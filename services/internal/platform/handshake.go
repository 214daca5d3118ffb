package platform

// SecretHandshaker is implemented by the Verifier of a platform whose
// handshake answer depends on the secret that signed the request: Zoom
// answers its endpoint.url_validation with the HMAC of a token the
// request carries, under the app's secret token. The edge asks the
// verifier, after Verify succeeded, in place of Platform.Handshake.
type SecretHandshaker interface {
	// Handshake reports whether r is the platform's URL-verification
	// handshake and returns the answer (see the Challenge* formats).
	Handshake(r Request) (challenge, format string, ok bool)
}
