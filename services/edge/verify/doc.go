// Package verify proves that a webhook was sent by the platform it claims to
// come from, by checking the platform's signature over the exact raw bytes
// of the request, and signs webhooks exactly as each platform does.
//
// It is a public package of the edge module, not an internal one, on
// purpose: the CLI, the benchmark and the chaos harness use its Sign
// functions to produce webhooks byte-for-byte as each platform's sender
// produces them (22 presets, see Platforms, plus sources defined in
// configuration, see Generic), so that what they send
// is checked by the very code the edge runs, and a signing bug cannot hide
// behind a matching verification bug in a second implementation. The
// published test vectors of GitHub, Slack, Standard Webhooks, Twilio,
// Adyen and SendGrid are tests here for the same reason. The per-platform
// reference table (header, signed bytes, algorithm, window, dedup key,
// handshake) is docs/platforms.md.
//
// # Using it
//
// Build one Verifier per platform and source with New (or a per-platform
// constructor) from the list of active secrets, then call Verify with the
// body read exactly once, under a size cap, before anything parsed it:
//
//	v, err := verify.New("stripe", secrets, 0) // 0: the platform's default tolerance
//	...
//	if err := v.Verify(verify.Request{Header: r.Header, Body: body, Now: receivedAt}); err != nil {
//		// log err (it names the platform and a fixed reason), count it, answer 401
//	}
//
// A failure is always an *Error wrapping apperr.ErrUnauthenticated. Its
// Reason is one of a fixed set of short strings, never text taken from the
// request, so it is safe to log and to use as a metric label; it must not be
// sent back to the caller, who gets a generic 401.
//
// # Rules shared by every platform
//
//   - Rotation: a verifier holds a list of secrets and accepts a request if
//     ANY of them produced ANY of the signatures the request carries. Empty
//     secrets are dropped (an HMAC under an empty key is forgeable by
//     anyone); other secrets are used exactly as given, never trimmed.
//   - Comparison is constant-time (hmac.Equal) on decoded bytes: candidate
//     signatures are hex- or base64-decoded first, so letter case and
//     encoding quirks cannot turn a byte comparison into a string one.
//   - Downgrade protection: only the scheme each platform documents as
//     current counts (Stripe v1, Slack v0, GitHub sha256, Standard Webhooks
//     v1). Stripe's v0, GitHub's SHA-1 X-Hub-Signature, Standard Webhooks'
//     v1a (Ed25519) and unknown schemes are ignored, never used.
//   - Bounded work: a header listing more than 16 entries is rejected
//     before any HMAC is computed, and the HMAC of the body is computed once
//     per secret, not once per candidate signature, so a hostile header
//     cannot burn CPU.
//   - Untrusted input never panics: every malformed header is a plain
//     verification failure. Fuzz tests hold this, and hold that no input is
//     accepted unless it carries a genuine signature.
//   - Header names are matched case-insensitively, also in an http.Header
//     built by hand with non-canonical keys (as the gRPC Ingest path does).
//     When a header is repeated, only its first value is read.
//   - Timestamps are decimal unix seconds made of ASCII digits only (no
//     sign, no fraction). A request exactly at the edge of the tolerance
//     window is accepted. Request.Now zero means time.Now().
//
// # What is verified per platform
//
// Platforms moved to services/internal/platforms (stripe, slack, ...) document
// their scheme in their own package; the Standard Webhooks family
// (standard, svix, clerk, resend) shares platform/stdwebhooks.
//
// The other presets are documented on their constructors and in
// docs/platforms.md: GitLab (shared token, constant-time), Bitbucket (sha256=
// hex), Paddle (ts;h1 over "ts:body", 5 s), Linear (hex of the body,
// webhookTimestamp in the body, 60 s), Intercom (sha1= hex: Intercom's
// algorithm), Zendesk (base64 over timestamp+body), HubSpot v3 (method,
// URL, body, timestamp in ms, 5 min), Square (notification URL + body),
// Twilio (URL + sorted form parameters, HMAC-SHA1), Twitch EventSub (id +
// timestamp + body, 10 min), Discord (Ed25519 with the application's public
// key), SendGrid (ECDSA P-256 with the account's public key), Mailgun
// (signature object inside the body) and Adyen (HMAC of each
// notification item, inside the body).
//
// # Request URL and method
//
// HubSpot, Square, Twilio and configured sources using {url} sign the URL
// the sender requested, so Request.URL must be that exact external URL
// (scheme, host, path, query). Behind a proxy the edge cannot see it: it
// builds it from HOOKMESH_PUBLIC_URL and the request target; over gRPC
// Ingest the caller states it (IngestRequest.url, checked by the edge to
// be its own). These platforms fail with "request URL unknown" when
// Request.URL is empty.
//
// # Asymmetric presets
//
// Discord and SendGrid are verified with the sender's public key: their
// configured "secret" is the public key (Discord: 64 hex digits; SendGrid:
// base64 DER SubjectPublicKeyInfo of a P-256 key), several allowed for
// rotation. Signing needs the private key, which Sign takes in place of the
// secret (Discord: hex or base64 Ed25519 seed or private key; SendGrid:
// base64 DER PKCS#8 or SEC 1). DevKeyPair returns fixed, public
// development pairs for both.
//
// # Signing
//
// The Sign<Platform> functions return the signature values a platform
// would send; Sign returns the full set of signing headers for a platform
// name, and SignRequest also the body for the two presets that sign inside
// it (Adyen, Mailgun), the URL and method for those that sign them, and
// SignGeneric signs for a configured source. They exist for tests and
// tools: the edge itself never signs.
package verify
