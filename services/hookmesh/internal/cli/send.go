package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookmesh/hookmesh/services/hookmesh/sample"
)

var _ = register(newSendCmd)

// sendLong is `hookmesh send --help`: the secrets of send need more than
// one line.
const sendLong = `Build a realistic webhook of <platform> (a fresh event id each time) or take
the payload in --file, sign it exactly as the platform does and POST it to
<edge>/webhooks/<platform>. Hubspot, square and twilio sign that URL: the edge
must see the same one (HOOKMESH_PUBLIC_URL on the edge, else the Host header).

Platforms: the presets below, and every source defined in HOOKMESH_SOURCES_FILE
(signed with its own scheme; its body is built from its paths unless --file
is given).

Secrets:
  HOOKMESH_SECRET_<PLATFORM>       the secret to sign with (the first of a
                                   comma-separated list; or the first in the
                                   file HOOKMESH_SECRET_<PLATFORM>_FILE names);
                                   presets default to the edge's development
                                   secret (HOOKMESH_DEV_SECRETS)
  HOOKMESH_SIGNING_KEY_<PLATFORM>  discord, sendgrid and ed25519 sources: the
                                   PRIVATE key to sign with (Ed25519 seed or
                                   key, hex or base64; P-256 key, base64 DER).
                                   Their HOOKMESH_SECRET_ is the PUBLIC key the
                                   edge verifies with, so it cannot sign;
                                   presets default to the development private
                                   key, which matches only the development
                                   public key.

Presets: `

func newSendCmd(a *app) *cobra.Command {
	var o sendOptions
	cmd := &cobra.Command{
		Use:     "send <platform>",
		Short:   "Send signed webhooks to the edge, as the platform signs them",
		Long:    sendLong + strings.Join(sample.Platforms(), ", "),
		GroupID: groupData,
		Example: `  hookmesh send stripe
  hookmesh send github --type pull_request
  hookmesh send shopify --count 100 --parallel 8
  hookmesh send stripe --file payload.json --edge https://hooks.example.com
  HOOKMESH_SOURCES_FILE=sources.yaml HOOKMESH_SECRET_ACME=... hookmesh send acme`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError("%s: name one platform (%s); hookmesh send --help for more",
					c.CommandPath(), strings.Join(sample.Platforms(), ", "))
			}
			return nil
		},
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			names := sample.Platforms()
			if srcs, err := a.configuredSources(); err == nil {
				for _, s := range srcs {
					names = append(names, s.Name)
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.typ, "type", "", "sample event type (default: the platform's most common)")
	fs.StringVar(&o.file, "file", "", "send this payload instead of a sample")
	fs.IntVar(&o.count, "count", 1, "number of webhooks, each with a fresh event id")
	fs.IntVar(&o.parallel, "parallel", 4, "requests in flight with --count")
	fs.StringVar(&o.edgeURL, "edge", a.getenv("HOOKMESH_EDGE_URL", "http://localhost:8080"), "edge base URL (HOOKMESH_EDGE_URL)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return a.send(cmd.Context(), args[0], o, cmd.OutOrStdout(), cmd.ErrOrStderr())
	}
	return cmd
}

// sendOptions are the flags of send.
type sendOptions struct {
	typ, file, edgeURL string
	count, parallel    int
}

// send posts signed webhooks to the edge, signed exactly as the platform
// signs them with the configured (or development) secret.
func (a *app) send(ctx context.Context, platform string, o sendOptions, stdout, stderr io.Writer) error {
	if o.count < 1 || o.parallel < 1 {
		return usageError("send: --count and --parallel must be at least 1")
	}
	var payload []byte
	if o.file != "" {
		var err error
		if payload, err = os.ReadFile(o.file); err != nil {
			return fmt.Errorf("send: %w", err)
		}
	}
	s, err := a.signerFor(platform)
	if err != nil {
		return err
	}
	if s.dev {
		fmt.Fprintf(stderr, "send: signing with the development secret for %s (%s to override)\n", platform, secretVar(platform))
	}
	build := func() (sample.Webhook, error) { return s.build(payload, o.typ, time.Now()) }
	client := &http.Client{Timeout: 15 * time.Second}
	// The URL signed is the URL posted to, so URL-signing platforms verify
	// at an edge that rebuilds it from its Host header.
	url := strings.TrimRight(o.edgeURL, "/") + "/webhooks/" + platform

	if o.count == 1 {
		w, err := build()
		if err != nil {
			return fmt.Errorf("send: %w", err)
		}
		status, body, err := post(ctx, client, url, s.secret, w)
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
	bar := newProgress(stderr, o.count, "send "+platform)
	jobs := make(chan struct{})
	var wg sync.WaitGroup
	for range o.parallel {
		wg.Go(func() {
			for range jobs {
				st := "error"
				if w, err := build(); err == nil {
					if code, _, err := post(ctx, client, url, s.secret, w); err == nil {
						st = code
					}
				}
				mu.Lock()
				statuses[st]++
				done++
				bar.set(done)
				mu.Unlock()
			}
		})
	}
	for i := 0; i < o.count && ctx.Err() == nil; i++ {
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
	if ok != o.count {
		return fmt.Errorf("send: %d of %d webhooks were not accepted", o.count-ok, o.count)
	}
	return nil
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
