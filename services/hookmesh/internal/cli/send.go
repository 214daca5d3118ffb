package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hookmesh/hookmesh/services/edge"
	"github.com/hookmesh/hookmesh/services/edge/verify"
	"github.com/hookmesh/hookmesh/services/hookmesh/sample"
)

// sendUsage is `hookmesh send --help`: the top-level usage has one line
// per command, and the secrets of send need more than one.
const sendUsage = `Usage: hookmesh send <platform> [--type T] [--file F] [--count N] [--parallel P] [--edge URL]

Builds a realistic webhook of <platform> (a fresh event id each time) or takes
the payload in F, signs it exactly as the platform does and POSTs it to
<edge>/webhooks/<platform>. Hubspot, square and twilio sign that URL: the edge
must see the same one (HOOKMESH_PUBLIC_URL on the edge, else the Host header).

Secrets:
  HOOKMESH_SECRET_<PLATFORM>       the secret to sign with (the first of a
                                   comma-separated list); default: the edge's
                                   development secret (HOOKMESH_DEV_SECRETS)
  HOOKMESH_SIGNING_KEY_<PLATFORM>  discord, sendgrid: the PRIVATE key to sign with
                                   (Ed25519 seed or key, hex or base64; P-256 key,
                                   base64 DER). Their HOOKMESH_SECRET_ is the PUBLIC
                                   key the edge verifies with, so it cannot sign;
                                   default: the development private key, which
                                   matches only the development public key.

Platforms: %s
`

// Send posts signed webhooks to the edge, signed exactly as the platform
// signs them with the configured (or development) secret.
func Send(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fmt.Fprintf(stdout, sendUsage, strings.Join(sample.Platforms(), ", "))
			return nil
		}
	}
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	typ := fs.String("type", "", "sample event type (default: the platform's most common)")
	file := fs.String("file", "", "send this payload instead of a sample")
	count := fs.Int("count", 1, "number of webhooks, each with a fresh event id")
	parallel := fs.Int("parallel", 4, "requests in flight with --count")
	edgeURL := fs.String("edge", getenv("HOOKMESH_EDGE_URL", "http://localhost:8080"), "edge base URL")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("send: name one platform (%s); hookmesh send --help for more", strings.Join(sample.Platforms(), ", "))
	}
	platform := pos[0]
	if *count < 1 || *parallel < 1 {
		return usageError("send: --count and --parallel must be at least 1")
	}
	secret, dev, err := signingSecretFor(platform)
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	if dev {
		fmt.Fprintf(stderr, "send: signing with the development secret for %s (%s to override)\n", platform, secretVar(platform))
	}
	var payload []byte
	if *file != "" {
		if payload, err = os.ReadFile(*file); err != nil {
			return fmt.Errorf("send: %w", err)
		}
	}
	build := func() (sample.Webhook, error) {
		if payload != nil {
			return sample.FromFile(platform, payload, *typ), nil
		}
		return sample.Build(platform, *typ, time.Now())
	}
	client := &http.Client{Timeout: 15 * time.Second}
	// The URL signed is the URL posted to, so URL-signing platforms verify
	// at an edge that rebuilds it from its Host header.
	url := strings.TrimRight(*edgeURL, "/") + "/webhooks/" + platform

	if *count == 1 {
		w, err := build()
		if err != nil {
			return fmt.Errorf("send: %w", err)
		}
		status, body, err := post(ctx, client, url, secret, w)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s %s %s\n%s\n", platform, orDash(w.EventID), status, strings.TrimSpace(string(body)))
		if !strings.HasPrefix(status, "2") {
			return fmt.Errorf("send: the edge answered %s", status)
		}
		return nil
	}

	var (
		mu       sync.Mutex
		statuses = map[string]int{}
		done     int
	)
	bar := &progress{w: stderr, total: *count, label: "send " + platform}
	jobs := make(chan struct{})
	var wg sync.WaitGroup
	for range *parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				st := "error"
				if w, err := build(); err == nil {
					if s, _, err := post(ctx, client, url, secret, w); err == nil {
						st = s
					}
				}
				mu.Lock()
				statuses[st]++
				done++
				bar.set(done)
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < *count && ctx.Err() == nil; i++ {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	bar.finish()
	var keys []string
	for k := range statuses {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(stdout, "%-28s %d\n", k, statuses[k])
	}
	// Any 2xx is a success: handshakes (a discord ping) are answered 200
	// or 204, recorded webhooks 202.
	ok := 0
	for k, n := range statuses {
		if strings.HasPrefix(k, "2") {
			ok += n
		}
	}
	if ok != *count {
		return fmt.Errorf("send: %d of %d webhooks were not accepted", *count-ok, *count)
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-" // a key known only to the edge (a mailgun file without event id)
	}
	return s
}

func post(ctx context.Context, client *http.Client, url, secret string, w sample.Webhook) (string, []byte, error) {
	h, body, err := w.Sign(secret, time.Now(), url)
	if err != nil {
		return "", nil, fmt.Errorf("sign: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return "", nil, err
	}
	req.Header = h
	resp, err := client.Do(req)
	if err != nil {
		return "", nil, fmt.Errorf("post %s: %w", url, err)
	}
	defer resp.Body.Close()
	respBody, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.Status, respBody, nil
}

// secretVar names the variable holding what send signs platform with.
func secretVar(platform string) string {
	if verify.Asymmetric(platform) {
		return "HOOKMESH_SIGNING_KEY_" + strings.ToUpper(platform)
	}
	return "HOOKMESH_SECRET_" + strings.ToUpper(platform)
}

// signingSecretFor returns what to sign platform's webhooks with: the
// first configured secret (HMAC presets) or the configured private key
// (discord, sendgrid), else the development signing secret (dev = true).
// For discord and sendgrid HOOKMESH_SECRET_ holds the public key the edge
// verifies with; signing with the development private key while another
// public key is configured could only produce rejected webhooks, so that
// is an error rather than a silent 401.
func signingSecretFor(platform string) (secret string, dev bool, err error) {
	if v := getenv(secretVar(platform), ""); v != "" {
		return strings.TrimSpace(strings.Split(v, ",")[0]), false, nil
	}
	if verify.Asymmetric(platform) {
		up := strings.ToUpper(platform)
		for _, pub := range strings.Split(getenv("HOOKMESH_SECRET_"+up, ""), ",") {
			if pub = strings.TrimSpace(pub); pub != "" && pub != edge.DevSecrets[platform] {
				return "", false, fmt.Errorf("HOOKMESH_SECRET_%s is a public key other than the development one: set HOOKMESH_SIGNING_KEY_%s to its private key", up, up)
			}
		}
	}
	secret = edge.DevSigningSecrets[platform]
	if secret == "" {
		return "", false, fmt.Errorf("no secret for %s: set %s", platform, secretVar(platform))
	}
	return secret, true, nil
}
