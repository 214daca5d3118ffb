package ingest

import (
	"fmt"
	"strings"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

// webhookPath is the path of the HTTP route before the platform's name.
const webhookPath = "/webhooks/"

// StatedURL checks the URL a gRPC caller states as the one p's sender
// requested and signed (IngestRequest.url), and returns the URL to verify
// against: "" for a platform that signs no URL (whatever was stated), else
// the stated URL. For a platform that signs the URL it is required, and it
// must be a URL the HTTP route could have received for p: ExternalURL of
// some Host and the target /webhooks/<name>, with any query. Errors wrap
// apperr.ErrInvalid.
//
// The signature covers the URL, so a caller who states a URL the platform
// did not sign only fails verification. The shape check is for a URL the
// platform did sign, but for another endpoint: a URL-signing secret often
// signs more than this edge's requests (a Twilio Auth Token signs every
// webhook of the account, a HubSpot client secret every request of the
// app), and over HTTP such a request can never verify here, since the edge
// puts its own URL in. The check keeps gRPC exactly as strict.
func (s *Service) StatedURL(p Platform, u string) (string, error) {
	if !p.SignsURL {
		return "", nil
	}
	if u == "" {
		return "", fmt.Errorf("url is required: platform %s signs the request URL; send the full URL it requested: %w", p.Name, apperr.ErrInvalid)
	}
	if !s.ownURL(p.Name, u) {
		base := s.publicBase
		if base == "" {
			base = "http://<host>"
		}
		return "", fmt.Errorf("url is not this edge's URL for platform %s: want %s%s%s with an optional query: %w",
			p.Name, base, webhookPath, p.Name, apperr.ErrInvalid)
	}
	return u, nil
}

// ownURL reports whether u is ExternalURL(host, target) for some host and
// a target whose path is exactly /webhooks/<name>. Without PublicURL the
// host is whatever the Host header said, so any host is allowed, but it
// must be one: non-empty and without the characters that would end it or
// add user information.
func (s *Service) ownURL(name, u string) bool {
	var target string
	if s.publicBase != "" {
		rest, ok := strings.CutPrefix(u, s.publicBase)
		if !ok {
			return false
		}
		target = rest
	} else {
		rest, ok := strings.CutPrefix(u, "http://")
		if !ok {
			return false
		}
		i := strings.IndexByte(rest, '/')
		if i <= 0 || strings.ContainsAny(rest[:i], "?#@ \t\r\n") {
			return false
		}
		target = rest[i:]
	}
	query, ok := strings.CutPrefix(target, webhookPath+name)
	return ok && (query == "" || query[0] == '?')
}
