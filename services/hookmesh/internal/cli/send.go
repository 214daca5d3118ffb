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
	"github.com/hookmesh/hookmesh/services/hookmesh/sample"
)

// Send posts signed webhooks to the edge, signed exactly as the platform
// signs them with the configured (or development) secret.
func Send(ctx context.Context, args []string, stdout, stderr io.Writer) error {
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
		return usageError("send: name one platform (%s)", strings.Join(sample.Platforms(), ", "))
	}
	platform := pos[0]
	if *count < 1 || *parallel < 1 {
		return usageError("send: --count and --parallel must be at least 1")
	}
	secret, dev := secretFor(platform)
	if secret == "" {
		return fmt.Errorf("send: no secret for %s: set HOOKMESH_SECRET_%s", platform, strings.ToUpper(platform))
	}
	if dev {
		fmt.Fprintf(stderr, "send: using the development secret for %s (set HOOKMESH_SECRET_%s to override)\n", platform, strings.ToUpper(platform))
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
		fmt.Fprintf(stdout, "%s %s %s\n%s\n", platform, w.EventID, status, strings.TrimSpace(string(body)))
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
	if statuses["202 Accepted"] != *count {
		return fmt.Errorf("send: %d of %d webhooks were not accepted", *count-statuses["202 Accepted"], *count)
	}
	return nil
}

func post(ctx context.Context, client *http.Client, url, secret string, w sample.Webhook) (string, []byte, error) {
	h, err := w.Sign(secret, time.Now())
	if err != nil {
		return "", nil, fmt.Errorf("sign: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(w.Body))
	if err != nil {
		return "", nil, err
	}
	req.Header = h
	resp, err := client.Do(req)
	if err != nil {
		return "", nil, fmt.Errorf("post %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.Status, body, nil
}

// secretFor returns the signing secret: the first configured active
// secret, else the development secret (dev = true).
func secretFor(platform string) (secret string, dev bool) {
	if v := getenv("HOOKMESH_SECRET_"+strings.ToUpper(platform), ""); v != "" {
		return strings.TrimSpace(strings.Split(v, ",")[0]), false
	}
	return edge.DevSecrets[platform], true
}
