package deploy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Container is one container of a workload, with what the check derived.
type Container struct {
	Owner     Object
	Spec      map[string]any
	Name      string
	Component Component
	// Env is the resolved environment: literal values, Secret and
	// ConfigMap values, placeholders for fieldRef and resourceFieldRef.
	Env map[string]string
	// Files are the mounted files: absolute path -> content.
	Files map[string]string
	// Ports declared: name -> number, and number -> name.
	PortByName map[string]int
	NameByPort map[int]string
	// Config is what the component's ConfigFromEnv made of Env (files
	// materialized under a temporary directory), nil when it failed.
	Config    any
	Listeners []Listener
	// Read are the variable names the code asked for.
	Read map[string]bool
	// fileContent of variables naming files (HOOKMESH_SOURCES_FILE).
	fileContent map[string]string
}

func (c *Container) String() string { return fmt.Sprintf("%v container %s", c.Owner, c.Name) }

// Checker holds the state of one check.
type Checker struct {
	Set        *Set
	Components map[string]Component
	// TempDir receives materialized files and embedded stores.
	TempDir string
	// Live starts the services to check that HTTP probe paths are served.
	Live bool

	p          problems
	containers []*Container
	byImage    map[string]string // image -> component
	tmpSeq     int
}

// Check runs every reference check over objs and returns the problems.
func Check(objs []Object, tempDir string, live bool) []string {
	c := &Checker{Set: Index(objs), Components: Components(), TempDir: tempDir, Live: live, byImage: map[string]string{}}
	c.run()
	return c.p.list
}

func (c *Checker) run() {
	for _, d := range c.Set.Deployments {
		c.workload(d)
	}
	for _, j := range c.Set.Jobs {
		c.workload(j)
	}
	for _, ct := range c.containers {
		c.envNames(ct)
		c.listeners(ct)
		c.probes(ct)
		c.security(ct)
		c.targets(ct)
		c.gracePeriod(ct)
	}
	c.sharedFiles()
	c.jobs()
	c.services()
	c.hpas()
	c.pdbs()
	c.netpols()
}

// --- workloads -----------------------------------------------------------------

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (c *Checker) workload(o Object) {
	pod := mapOf(o.Doc, "spec", "template", "spec")
	if pod == nil {
		c.p.add(o, "no spec.template.spec")
		return
	}
	if o.Kind == "Deployment" {
		sel := stringMap(o.Doc, "spec", "selector", "matchLabels")
		if !labelsMatch(sel, podTemplateLabels(o)) {
			c.p.add(o, "spec.selector.matchLabels %v does not match the pod template's labels %v", sel, podTemplateLabels(o))
		}
	}
	if o.Kind == "Job" {
		if rp := str(pod, "restartPolicy"); rp != "Never" && rp != "OnFailure" {
			c.p.add(o, "restartPolicy %q: a Job needs Never or OnFailure", rp)
		}
	}
	if nonRoot, _ := get(pod, "securityContext", "runAsNonRoot").(bool); !nonRoot {
		c.p.add(o, "pod securityContext.runAsNonRoot is not true")
	}
	volumes := c.volumes(o, pod)
	for _, raw := range list(pod, "containers") {
		spec, _ := raw.(map[string]any)
		ct := &Container{Owner: o, Spec: spec, Name: str(spec, "name"), PortByName: map[string]int{}, NameByPort: map[int]string{}}
		image := str(spec, "image")
		if o.Kind == "Deployment" {
			comp, ok := c.Components[ct.Name]
			if !ok {
				c.p.add(ct, "unknown container name: want one of edge, normalizer, ledger, dispatcher (it names the service the image runs)")
				continue
			}
			ct.Component = comp
			if prev, ok := c.byImage[image]; ok && prev != comp.Name {
				c.p.add(ct, "image %s also runs as %s", image, prev)
			}
			c.byImage[image] = comp.Name
		}
		for _, rp := range list(spec, "ports") {
			n, _ := num(rp, "containerPort")
			name := str(rp, "name")
			if n == 0 {
				c.p.add(ct, "a port has no containerPort")
				continue
			}
			if name != "" {
				ct.PortByName[name] = n
			}
			ct.NameByPort[n] = name
		}
		ct.Env = c.env(ct, spec)
		ct.Files = c.mounts(ct, spec, volumes)
		c.containers = append(c.containers, ct)
	}
	// Job containers run the image of a Deployment's component.
	for _, ct := range c.containers {
		if ct.Owner.Kind == "Job" && ct.Component.Name == "" && ct.Owner.Name == o.Name {
			name, ok := c.byImage[str(ct.Spec, "image")]
			if !ok {
				c.p.add(ct, "image %s is run by no Deployment: which service is it?", str(ct.Spec, "image"))
				continue
			}
			ct.Component = c.Components[name]
		}
	}
}

// env resolves a container's environment; references must resolve.
func (c *Checker) env(ct *Container, spec map[string]any) map[string]string {
	out := map[string]string{}
	for _, raw := range list(spec, "envFrom") {
		prefix := str(raw, "prefix")
		var kind, name string
		if n := str(raw, "secretRef", "name"); n != "" {
			kind, name = "Secret", n
		} else if n := str(raw, "configMapRef", "name"); n != "" {
			kind, name = "ConfigMap", n
		} else {
			c.p.add(ct, "envFrom without secretRef or configMapRef")
			continue
		}
		data, ok := c.data(ct, kind, name)
		if !ok {
			continue
		}
		for k, v := range data {
			out[prefix+k] = v
		}
	}
	for _, raw := range list(spec, "env") {
		name := str(raw, "name")
		if !envNameRE.MatchString(name) {
			c.p.add(ct, "env name %q is not a variable name", name)
			continue
		}
		vf := mapOf(raw, "valueFrom")
		switch {
		case vf == nil:
			out[name] = str(raw, "value")
		case get(vf, "secretKeyRef") != nil:
			out[name] = c.key(ct, name, "Secret", str(vf, "secretKeyRef", "name"), str(vf, "secretKeyRef", "key"))
		case get(vf, "configMapKeyRef") != nil:
			out[name] = c.key(ct, name, "ConfigMap", str(vf, "configMapKeyRef", "name"), str(vf, "configMapKeyRef", "key"))
		case get(vf, "fieldRef") != nil:
			out[name] = "placeholder-" + strings.ReplaceAll(str(vf, "fieldRef", "fieldPath"), ".", "-")
		case get(vf, "resourceFieldRef") != nil:
			out[name] = "1"
		default:
			c.p.add(ct, "env %s: unknown valueFrom", name)
		}
	}
	return out
}

// data returns a Secret's or ConfigMap's keys, reporting a missing object.
func (c *Checker) data(ct fmt.Stringer, kind, name string) (map[string]string, bool) {
	objs := c.Set.Secrets
	if kind == "ConfigMap" {
		objs = c.Set.ConfigMaps
	}
	o, ok := objs[name]
	if !ok {
		c.p.add(ct, "refers to %s %q, which deploy/ does not define", kind, name)
		return nil, false
	}
	d, err := dataOf(o)
	if err != nil {
		c.p.addf("%v", err)
		return nil, false
	}
	return d, true
}

func (c *Checker) key(ct fmt.Stringer, env, kind, name, key string) string {
	d, ok := c.data(ct, kind, name)
	if !ok {
		return ""
	}
	v, ok := d[key]
	if !ok {
		c.p.add(ct, "env %s: %s %q has no key %q (keys: %s)", env, kind, name, key, strings.Join(sortedKeys(d), ", "))
	}
	return v
}

// volumeFiles are the files of one volume: relative path -> content.
type volumeFiles map[string]string

func (c *Checker) volumes(o Object, pod map[string]any) map[string]volumeFiles {
	out := map[string]volumeFiles{}
	project := func(kind, name string, items []any, into volumeFiles) {
		d, ok := c.data(o, kind, name)
		if !ok {
			return
		}
		if len(items) == 0 {
			for k, v := range d {
				into[k] = v
			}
			return
		}
		for _, it := range items {
			k, path := str(it, "key"), str(it, "path")
			v, ok := d[k]
			if !ok {
				c.p.add(o, "volume item: %s %q has no key %q (keys: %s)", kind, name, k, strings.Join(sortedKeys(d), ", "))
				continue
			}
			if path == "" {
				path = k
			}
			into[path] = v
		}
	}
	for _, raw := range list(pod, "volumes") {
		name := str(raw, "name")
		files := volumeFiles{}
		switch {
		case get(raw, "configMap") != nil:
			project("ConfigMap", str(raw, "configMap", "name"), list(raw, "configMap", "items"), files)
		case get(raw, "secret") != nil:
			project("Secret", str(raw, "secret", "secretName"), list(raw, "secret", "items"), files)
		case get(raw, "projected") != nil:
			for _, src := range list(raw, "projected", "sources") {
				if get(src, "configMap") != nil {
					project("ConfigMap", str(src, "configMap", "name"), list(src, "configMap", "items"), files)
				}
				if get(src, "secret") != nil {
					project("Secret", str(src, "secret", "name"), list(src, "secret", "items"), files)
				}
			}
		}
		out[name] = files
	}
	return out
}

func (c *Checker) mounts(ct *Container, spec map[string]any, volumes map[string]volumeFiles) map[string]string {
	out := map[string]string{}
	for _, m := range list(spec, "volumeMounts") {
		name, at, sub := str(m, "name"), str(m, "mountPath"), str(m, "subPath")
		files, ok := volumes[name]
		if !ok {
			c.p.add(ct, "volumeMount %q: no such volume in the pod", name)
			continue
		}
		if sub != "" {
			if v, ok := files[sub]; ok {
				out[at] = v
			}
			continue
		}
		for rel, v := range files {
			out[filepath.ToSlash(filepath.Join(at, rel))] = v
		}
	}
	return out
}

// --- configuration and environment names ----------------------------------------

// namesFile reports whether a variable names a file to read.
func namesFile(name string) bool {
	return strings.HasSuffix(name, "_FILE") || name == "HOOKMESH_CONFIG"
}

// lookupFor returns the container's environment as a lookup, with files
// materialized under the temporary directory, plus overrides.
func (c *Checker) lookupFor(ct *Container, overrides map[string]string, report bool) func(string) (string, bool) {
	env := map[string]string{}
	for k, v := range ct.Env {
		if namesFile(k) && strings.HasPrefix(v, "/") {
			content, ok := ct.Files[v]
			if !ok {
				if report {
					c.p.add(ct, "%s=%s: no such file is mounted in the container (mounted: %s)", k, v, strings.Join(sortedKeys(ct.Files), ", "))
				}
				continue
			}
			if ct.fileContent == nil {
				ct.fileContent = map[string]string{}
			}
			ct.fileContent[k] = content
			c.tmpSeq++
			p := filepath.Join(c.TempDir, fmt.Sprintf("f%d-%s", c.tmpSeq, filepath.Base(v)))
			if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
				c.p.addf("%v", err)
			}
			v = p
		}
		env[k] = v
	}
	for k, v := range overrides {
		env[k] = v
	}
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

var allowedExtra = map[string]bool{}

func init() {
	for _, n := range append(slices.Clone(SharedEnv), RuntimeEnv...) {
		allowedExtra[n] = true
	}
}

// envNames loads the configuration as the binary would and checks that
// every variable the manifest sets is one the code reads.
func (c *Checker) envNames(ct *Container) {
	if ct.Component.Config == nil {
		return
	}
	read := map[string]bool{}
	inner := c.lookupFor(ct, nil, true)
	cfg, err := ct.Component.Config(func(k string) (string, bool) { read[k] = true; return inner(k) })
	ct.Read = read
	if err != nil {
		c.p.add(ct, "the %s's configuration is rejected: %v", ct.Component.Name, err)
		return
	}
	ct.Config = cfg
	if ct.Component.Validate != nil {
		if off, err := c.offline(ct); err != nil {
			c.p.add(ct, "offline configuration: %v", err)
		} else if err := ct.Component.Validate(off); err != nil {
			c.p.add(ct, "the %s refuses to start: %v", ct.Component.Name, err)
		}
	}
	// A target left at its default dials the pod's own loopback.
	for _, name := range sortedKeys(read) {
		if m := targetEnvRE.FindStringSubmatch(name); m != nil && ct.Owner.Kind == "Deployment" {
			if _, set := ct.Env[name]; !set {
				if _, ours := c.Components[strings.ToLower(m[1])]; ours {
					c.p.add(ct, "leaves %s at its default, the pod's own loopback: point it at the %s's Service", name, strings.ToLower(m[1]))
				}
			}
		}
	}
	for _, name := range sortedKeys(ct.Env) {
		if !read[name] && !allowedExtra[name] {
			c.p.add(ct, "sets %s, which the %s does not read", name, ct.Component.Name)
		}
	}
}

// --- listeners and probes ---------------------------------------------------------

func (c *Checker) listeners(ct *Container) {
	if ct.Config == nil {
		return
	}
	ls, err := Listeners(ct.Config)
	if err != nil {
		c.p.add(ct, "%v", err)
		return
	}
	ct.Listeners = ls
	if ct.Owner.Kind == "Job" {
		return
	}
	byPort := map[int]Listener{}
	for _, l := range ls {
		if !l.Exposed {
			if name, declared := ct.NameByPort[l.Port]; declared {
				c.p.add(ct, "declares port %d (%s), but the %s listens there on %s only (%s)", l.Port, name, ct.Component.Name, l.Host, l.Field)
			}
			continue
		}
		byPort[l.Port] = l
		name, declared := ct.NameByPort[l.Port]
		switch {
		case !declared:
			c.p.add(ct, "the %s listens on :%d (%s) but the container declares no such port", ct.Component.Name, l.Port, l.Field)
		case name != l.PortName:
			c.p.add(ct, "port %d is named %q; want %q (the %s's %s)", l.Port, name, l.PortName, ct.Component.Name, l.Field)
		}
	}
	for _, n := range sortedInts(ct.NameByPort) {
		if _, ok := byPort[n]; !ok {
			if _, loop := c.listenerAt(ct, n); !loop {
				c.p.add(ct, "declares port %d (%s), on which the %s does not listen", n, ct.NameByPort[n], ct.Component.Name)
			}
		}
	}
}

// listenerAt returns the exposed listener on port n.
func (c *Checker) listenerAt(ct *Container, n int) (Listener, bool) {
	for _, l := range ct.Listeners {
		if l.Port == n && l.Exposed {
			return l, true
		}
	}
	return Listener{}, false
}

func sortedInts[V any](m map[int]V) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// portRef resolves a probe's or Service's port reference in a container.
func (ct *Container) portRef(v any) (int, bool) {
	n, name, ok := intOrString(v)
	if !ok {
		return 0, false
	}
	if name != "" {
		n, ok = ct.PortByName[name]
		return n, ok
	}
	_, ok = ct.NameByPort[n]
	return n, ok
}

type httpProbe struct {
	kind, path string
	port       int
}

func (c *Checker) probes(ct *Container) {
	if ct.Owner.Kind != "Deployment" {
		return
	}
	var live []httpProbe
	for _, kind := range []string{"readinessProbe", "livenessProbe", "startupProbe"} {
		pr := mapOf(ct.Spec, kind)
		if pr == nil {
			if kind != "startupProbe" {
				c.p.add(ct, "no %s", kind)
			}
			continue
		}
		switch {
		case get(pr, "httpGet") != nil:
			raw := get(pr, "httpGet", "port")
			n, ok := ct.portRef(raw)
			if !ok {
				c.p.add(ct, "%s: httpGet port %v is not a declared container port", kind, raw)
				continue
			}
			l, ok := c.listenerAt(ct, n)
			if ct.Config != nil && (!ok || l.GRPC) {
				c.p.add(ct, "%s: httpGet on port %d, which is not an HTTP listener of the %s", kind, n, ct.Component.Name)
				continue
			}
			path := str(pr, "httpGet", "path")
			if path == "" || !strings.HasPrefix(path, "/") {
				c.p.add(ct, "%s: httpGet path %q", kind, path)
				continue
			}
			live = append(live, httpProbe{kind: kind, path: path, port: n})
		case get(pr, "grpc") != nil:
			n, isNum := num(pr, "grpc", "port")
			if !isNum {
				c.p.add(ct, "%s: grpc.port must be a number (Kubernetes takes no name there)", kind)
				continue
			}
			if _, ok := ct.NameByPort[n]; !ok {
				c.p.add(ct, "%s: grpc port %d is not a declared container port", kind, n)
				continue
			}
			if l, ok := c.listenerAt(ct, n); ct.Config != nil && (!ok || !l.GRPC) {
				c.p.add(ct, "%s: grpc probe on port %d, which is not the %s's gRPC listener", kind, n, ct.Component.Name)
			}
		case get(pr, "tcpSocket") != nil:
			raw := get(pr, "tcpSocket", "port")
			if _, ok := ct.portRef(raw); !ok {
				c.p.add(ct, "%s: tcpSocket port %v is not a declared container port", kind, raw)
			}
		case get(pr, "exec") != nil:
			c.p.add(ct, "%s: exec probes cannot work: the images have no shell or tools", kind)
		default:
			c.p.add(ct, "%s: no handler", kind)
		}
	}
	if len(live) > 0 && c.Live && ct.Config != nil {
		c.serveProbes(ct, live)
	}
}

// offline is the container's configuration for a run inside the test:
// the component's Offline overrides and a fresh data directory.
func (c *Checker) offline(ct *Container) (any, error) {
	c.tmpSeq++
	overrides := map[string]string{"HOOKMESH_DATA_DIR": filepath.Join(c.TempDir, fmt.Sprintf("data-%s-%d", ct.Component.Name, c.tmpSeq))}
	for k, v := range ct.Component.Offline {
		overrides[k] = v
	}
	return ct.Component.Config(c.lookupFor(ct, overrides, false))
}

// serveProbes starts the component on loopback listeners and asks each
// HTTP probe path: a liveness path must answer 200, a readiness path must
// exist (its dependencies are not running here, so 503 is fine).
func (c *Checker) serveProbes(ct *Container, probes []httpProbe) {
	comp := ct.Component
	if comp.Run == nil {
		c.p.add(ct, "cannot start the %s to check its HTTP probe paths", comp.Name)
		return
	}
	cfg, err := c.offline(ct)
	if err != nil {
		c.p.add(ct, "offline configuration: %v", err)
		return
	}
	cfg, addrs, closeAll, err := withListeners(cfg)
	if err != nil {
		c.p.add(ct, "%v", err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- comp.Run(ctx, cfg, discard) }()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			c.p.add(ct, "the %s did not stop within 20 s", comp.Name)
		}
		closeAll()
	}()
	client := &http.Client{Timeout: 5 * time.Second}
	for _, pr := range probes {
		addr, ok := addrs[pr.port]
		if !ok {
			c.p.add(ct, "%s: no listener of the %s serves port %d", pr.kind, comp.Name, pr.port)
			continue
		}
		code, err := get200(ctx, client, "http://"+addr+pr.path, done)
		switch {
		case err != nil:
			c.p.add(ct, "%s: GET %s: %v", pr.kind, pr.path, err)
		case code == http.StatusNotFound || code == http.StatusMethodNotAllowed:
			c.p.add(ct, "%s: GET %s on port %d answers %d: the %s serves no such path", pr.kind, pr.path, pr.port, code, comp.Name)
		case pr.kind == "livenessProbe" && code != http.StatusOK:
			c.p.add(ct, "%s: GET %s answers %d while the process is alive; a liveness path must answer 200", pr.kind, pr.path, code)
		}
	}
}

func get200(ctx context.Context, client *http.Client, url string, done <-chan error) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	type result struct {
		code int
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		resp, err := client.Do(req)
		if err != nil {
			ch <- result{0, err}
			return
		}
		resp.Body.Close()
		ch <- result{resp.StatusCode, nil}
	}()
	select {
	case r := <-ch:
		return r.code, r.err
	case err := <-done:
		return 0, fmt.Errorf("the service stopped: %v", err)
	}
}

// --- security and resources -------------------------------------------------------

func (c *Checker) security(ct *Container) {
	sc := mapOf(ct.Spec, "securityContext")
	if ro, _ := get(sc, "readOnlyRootFilesystem").(bool); !ro {
		c.p.add(ct, "securityContext.readOnlyRootFilesystem is not true")
	}
	if esc, ok := get(sc, "allowPrivilegeEscalation").(bool); !ok || esc {
		c.p.add(ct, "securityContext.allowPrivilegeEscalation is not false")
	}
	if !slices.Contains(list(sc, "capabilities", "drop"), any("ALL")) {
		c.p.add(ct, "securityContext.capabilities.drop does not contain ALL")
	}
	for _, r := range []string{"requests.cpu", "requests.memory", "limits.memory"} {
		a, b, _ := strings.Cut(r, ".")
		if get(ct.Spec, "resources", a, b) == nil {
			c.p.add(ct, "no resources.%s", r)
		}
	}
}

// --- gRPC targets -----------------------------------------------------------------

var targetEnvRE = regexp.MustCompile(`^HOOKMESH_([A-Z]+)_TARGET$`)

// parseTarget splits a gRPC target into host and port; dns reports the
// dns resolver (client-side view of every address).
func parseTarget(t string) (host string, port int, dns bool, err error) {
	rest := t
	switch {
	case strings.HasPrefix(t, "dns:///"):
		rest, dns = strings.TrimPrefix(t, "dns:///"), true
	case strings.HasPrefix(t, "dns://"):
		_, rest, _ = strings.Cut(strings.TrimPrefix(t, "dns://"), "/")
		dns = true
	case strings.HasPrefix(t, "passthrough:///"):
		rest = strings.TrimPrefix(t, "passthrough:///")
	case strings.Contains(t, "://"):
		return "", 0, false, fmt.Errorf("scheme of %q: want dns:/// or host:port", t)
	}
	h, p, err := splitHostPort(rest)
	if err != nil {
		return "", 0, false, fmt.Errorf("%q: %v", t, err)
	}
	return h, p, dns, nil
}

func splitHostPort(s string) (string, int, error) {
	i := strings.LastIndexByte(s, ':')
	if i <= 0 {
		return "", 0, errors.New("want host:port")
	}
	n, err := strconv.Atoi(s[i+1:])
	if err != nil {
		return "", 0, errors.New("port is not a number")
	}
	return s[:i], n, nil
}

func (c *Checker) targets(ct *Container) {
	for _, name := range sortedKeys(ct.Env) {
		m := targetEnvRE.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		want := strings.ToLower(m[1])
		if _, ok := c.Components[want]; !ok {
			continue // not a service of deploy/ (the env name check reports unknown names)
		}
		host, port, dns, err := parseTarget(ct.Env[name])
		if err != nil {
			c.p.add(ct, "%s: %v", name, err)
			continue
		}
		svcName, _, _ := strings.Cut(host, ".")
		svc, ok := c.service(svcName)
		if !ok {
			c.p.add(ct, "%s=%s: no Service %q in deploy/", name, ct.Env[name], svcName)
			continue
		}
		var sp map[string]any
		for _, raw := range list(svc.Doc, "spec", "ports") {
			if n, _ := num(raw, "port"); n == port {
				sp, _ = raw.(map[string]any)
			}
		}
		if sp == nil {
			c.p.add(ct, "%s=%s: Service %s has no port %d", name, ct.Env[name], svcName, port)
			continue
		}
		if dns && str(svc.Doc, "spec", "clusterIP") != "None" {
			c.p.add(ct, "%s=%s: Service %s is not headless (clusterIP: None), so dns:/// resolves one virtual IP", name, ct.Env[name], svcName)
		}
		backends := c.backends(svc)
		if len(backends) == 0 {
			continue // reported by the Service check
		}
		for _, b := range backends {
			if b.Component.Name != want {
				c.p.add(ct, "%s=%s: Service %s selects the %s, not the %s", name, ct.Env[name], svcName, b.Component.Name, want)
				continue
			}
			tp := get(sp, "targetPort")
			if tp == nil {
				tp = float64(port)
			}
			n, ok := b.portRef(tp)
			if !ok {
				continue // reported by the Service check
			}
			if l, ok := c.listenerAt(b, n); b.Config != nil && (!ok || !l.GRPC) {
				c.p.add(ct, "%s=%s: Service %s sends port %d to %d, not the %s's gRPC listener", name, ct.Env[name], svcName, port, n, want)
			}
		}
	}
}

func (c *Checker) service(name string) (Object, bool) {
	for _, s := range c.Set.Services {
		if s.Name == name {
			return s, true
		}
	}
	return Object{}, false
}

// backends are the Deployment containers a Service selects.
func (c *Checker) backends(svc Object) []*Container {
	sel := stringMap(svc.Doc, "spec", "selector")
	var out []*Container
	for _, ct := range c.containers {
		if ct.Owner.Kind == "Deployment" && labelsMatch(sel, podTemplateLabels(ct.Owner)) {
			out = append(out, ct)
		}
	}
	return out
}

// --- other per-container rules -------------------------------------------------

// gracePeriod: a component with a DrainTimeout must be given longer to stop.
func (c *Checker) gracePeriod(ct *Container) {
	if ct.Config == nil || ct.Owner.Kind != "Deployment" {
		return
	}
	drain, ok := durationField(ct.Config, "DrainTimeout")
	if !ok {
		return
	}
	grace := 30
	if n, ok := num(ct.Owner.Doc, "spec", "template", "spec", "terminationGracePeriodSeconds"); ok {
		grace = n
	}
	if float64(grace) <= drain {
		c.p.add(ct, "terminationGracePeriodSeconds %d does not exceed the %s's drain timeout (%gs)", grace, ct.Component.Name, drain)
	}
}

// sharedFiles: a file variable set in several containers (the sources file
// of edge and normalizer) must name the same content everywhere.
func (c *Checker) sharedFiles() {
	seen := map[string]*Container{}
	for _, ct := range c.containers {
		for _, k := range sortedKeys(ct.fileContent) {
			if prev, ok := seen[k]; ok && prev.fileContent[k] != ct.fileContent[k] {
				c.p.add(ct, "%s differs from the one %v reads", k, prev)
			}
			seen[k] = ct
		}
	}
}

// jobs: a Job runs a service's image as a subcommand (the ledger's
// migrate), with the same database as the service.
func (c *Checker) jobs() {
	for _, ct := range c.containers {
		if ct.Owner.Kind != "Job" || ct.Component.Name == "" {
			continue
		}
		if cmd := list(ct.Spec, "command"); len(cmd) > 0 {
			c.p.add(ct, "sets command %v: the image's entrypoint is the binary; pass the subcommand in args", cmd)
		}
		args := list(ct.Spec, "args")
		if ct.Component.Name == "ledger" && !slices.Equal(args, []any{"migrate"}) {
			c.p.add(ct, "args %v: the ledger's migration subcommand is [migrate]", args)
		}
		for _, d := range c.containers {
			if d.Owner.Kind == "Deployment" && d.Component.Name == ct.Component.Name {
				for _, k := range []string{"DATABASE_URL"} {
					if ref(d.Spec, k) != ref(ct.Spec, k) {
						c.p.add(ct, "%s comes from %s, but the %s's from %s", k, ref(ct.Spec, k), d.Component.Name, ref(d.Spec, k))
					}
				}
			}
		}
	}
}

// ref describes where an env variable comes from.
func ref(spec map[string]any, name string) string {
	for _, raw := range list(spec, "env") {
		if str(raw, "name") != name {
			continue
		}
		if s := mapOf(raw, "valueFrom", "secretKeyRef"); s != nil {
			return fmt.Sprintf("Secret %s key %s", str(s, "name"), str(s, "key"))
		}
		return fmt.Sprintf("value %q", str(raw, "value"))
	}
	return "nowhere"
}

// --- Services, HPAs, PDBs ---------------------------------------------------------

func (c *Checker) services() {
	for _, s := range c.Set.Services {
		sel := stringMap(s.Doc, "spec", "selector")
		if len(sel) == 0 {
			c.p.add(s, "no selector")
			continue
		}
		backends := c.backends(s)
		if len(backends) == 0 {
			c.p.add(s, "selector %v matches no Deployment's pod labels", sel)
			continue
		}
		ports := list(s.Doc, "spec", "ports")
		if len(ports) == 0 {
			c.p.add(s, "no ports")
		}
		for _, raw := range ports {
			port, _ := num(raw, "port")
			if len(ports) > 1 && str(raw, "name") == "" {
				c.p.add(s, "port %d has no name (required with several ports)", port)
			}
			tp := get(raw, "targetPort")
			if tp == nil {
				tp = float64(port)
			}
			for _, b := range backends {
				if _, ok := b.portRef(tp); !ok {
					c.p.add(s, "port %d: targetPort %v is not a port of %v", port, tp, b)
				}
			}
		}
	}
}

func (c *Checker) deployment(name string) (Object, bool) {
	for _, d := range c.Set.Deployments {
		if d.Name == name {
			return d, true
		}
	}
	return Object{}, false
}

// hpaFor returns the HPA scaling Deployment name.
func (c *Checker) hpaFor(name string) (Object, bool) {
	for _, h := range c.Set.HPAs {
		if str(h.Doc, "spec", "scaleTargetRef", "kind") == "Deployment" && str(h.Doc, "spec", "scaleTargetRef", "name") == name {
			return h, true
		}
	}
	return Object{}, false
}

func (c *Checker) hpas() {
	for _, h := range c.Set.HPAs {
		kind, name := str(h.Doc, "spec", "scaleTargetRef", "kind"), str(h.Doc, "spec", "scaleTargetRef", "name")
		d, ok := c.deployment(name)
		if kind != "Deployment" || !ok {
			c.p.add(h, "scaleTargetRef %s/%s is not a Deployment of deploy/", kind, name)
			continue
		}
		minR, ok := num(h.Doc, "spec", "minReplicas")
		if !ok {
			minR = 1
		}
		maxR, _ := num(h.Doc, "spec", "maxReplicas")
		if minR < 1 || maxR < minR {
			c.p.add(h, "minReplicas %d, maxReplicas %d", minR, maxR)
		}
		if _, set := num(d.Doc, "spec", "replicas"); set {
			c.p.add(d, "sets spec.replicas although HorizontalPodAutoscaler %s owns the count (every apply would reset it)", h.Name)
		}
		for _, m := range list(h.Doc, "spec", "metrics") {
			res := str(m, "resource", "name")
			if str(m, "type") != "Resource" || res == "" {
				continue
			}
			for _, ct := range c.containers {
				if ct.Owner.Name == d.Name && ct.Owner.Kind == "Deployment" && get(ct.Spec, "resources", "requests", res) == nil {
					c.p.add(h, "scales on %s, but %v requests no %s", res, ct, res)
				}
			}
		}
	}
}

// replicas is a Deployment's lowest replica count: its HPA's minReplicas,
// else spec.replicas (default 1).
func (c *Checker) replicas(d Object) int {
	if h, ok := c.hpaFor(d.Name); ok {
		if n, ok := num(h.Doc, "spec", "minReplicas"); ok {
			return n
		}
		return 1
	}
	if n, ok := num(d.Doc, "spec", "replicas"); ok {
		return n
	}
	return 1
}

func (c *Checker) pdbs() {
	for _, p := range c.Set.PDBs {
		sel := stringMap(p.Doc, "spec", "selector", "matchLabels")
		var matched []Object
		for _, d := range c.Set.Deployments {
			if labelsMatch(sel, podTemplateLabels(d)) {
				matched = append(matched, d)
			}
		}
		if len(matched) == 0 {
			c.p.add(p, "selector %v matches no Deployment's pod labels", sel)
			continue
		}
		if minA, ok := num(p.Doc, "spec", "minAvailable"); ok {
			for _, d := range matched {
				if r := c.replicas(d); r <= minA {
					c.p.add(p, "minAvailable %d with %d replica(s) of %s blocks every voluntary eviction (node drains hang)", minA, r, d.Name)
				}
			}
		}
	}
}

// netpols checks that every NetworkPolicy selects pods that exist, lets
// in pods that exist, and opens ports those pods declare: with a
// default-deny policy, a typo in any of them cuts a service off.
func (c *Checker) netpols() {
	match := func(sel map[string]string) []Object {
		var out []Object
		for _, d := range c.Set.Deployments {
			if labelsMatch(sel, podTemplateLabels(d)) {
				out = append(out, d)
			}
		}
		return out
	}
	for _, np := range c.Set.NetPols {
		sel := stringMap(np.Doc, "spec", "podSelector", "matchLabels")
		selected := match(sel)
		if len(selected) == 0 {
			c.p.add(np, "podSelector %v matches no Deployment's pod labels", sel)
			continue
		}
		for i, rule := range list(np.Doc, "spec", "ingress") {
			for _, from := range list(rule, "from") {
				if fsel := stringMap(from, "podSelector", "matchLabels"); len(fsel) > 0 && len(match(fsel)) == 0 {
					c.p.add(np, "ingress rule %d: from podSelector %v matches no Deployment's pod labels", i, fsel)
				}
			}
			for _, port := range list(rule, "ports") {
				n, ok := num(port, "port")
				if !ok {
					continue
				}
				for _, d := range selected {
					if !declaresPort(d, n) {
						c.p.add(np, "ingress rule %d: port %d is not a container port of %s", i, n, d.Name)
					}
				}
			}
		}
	}
}

// declaresPort reports whether a container of d declares containerPort n.
func declaresPort(d Object, n int) bool {
	for _, ct := range list(d.Doc, "spec", "template", "spec", "containers") {
		for _, p := range list(ct, "ports") {
			if got, _ := num(p, "containerPort"); got == n {
				return true
			}
		}
	}
	return false
}

// --- what deploy/ must contain ----------------------------------------------------

// CheckRequired checks that the set is a complete deployment: one
// Deployment per service, HPAs for edge and dispatcher, a PDB for every
// Deployment, the ledger's migration Job, a Secret and a ConfigMap.
func CheckRequired(objs []Object) []string {
	c := &Checker{Set: Index(objs), Components: Components(), byImage: map[string]string{}}
	var p problems
	count := map[string][]Object{}
	for _, d := range c.Set.Deployments {
		for _, raw := range list(d.Doc, "spec", "template", "spec", "containers") {
			count[str(raw, "name")] = append(count[str(raw, "name")], d)
		}
	}
	for _, name := range sortedKeys(c.Components) {
		if n := len(count[name]); n != 1 {
			p.addf("want one Deployment running the %s, found %d", name, n)
		}
	}
	for _, name := range []string{"edge", "dispatcher"} {
		for _, d := range count[name] {
			if _, ok := c.hpaFor(d.Name); !ok {
				p.add(d, "no HorizontalPodAutoscaler")
			}
		}
	}
	for _, d := range c.Set.Deployments {
		covered := false
		for _, pdb := range c.Set.PDBs {
			if labelsMatch(stringMap(pdb.Doc, "spec", "selector", "matchLabels"), podTemplateLabels(d)) {
				covered = true
			}
		}
		if !covered {
			p.add(d, "no PodDisruptionBudget")
		}
	}
	migrate := false
	ledgerImage := ""
	for _, d := range count["ledger"] {
		for _, raw := range list(d.Doc, "spec", "template", "spec", "containers") {
			if str(raw, "name") == "ledger" {
				ledgerImage = str(raw, "image")
			}
		}
	}
	for _, j := range c.Set.Jobs {
		for _, raw := range list(j.Doc, "spec", "template", "spec", "containers") {
			if str(raw, "image") == ledgerImage && slices.Equal(list(raw, "args"), []any{"migrate"}) {
				migrate = true
			}
		}
	}
	if !migrate {
		p.addf("no Job runs the ledger image (%s) with args [migrate]", ledgerImage)
	}
	for _, d := range c.Set.Deployments {
		covered := false
		for _, np := range c.Set.NetPols {
			if labelsMatch(stringMap(np.Doc, "spec", "podSelector", "matchLabels"), podTemplateLabels(d)) {
				covered = true
			}
		}
		if !covered {
			p.add(d, "no NetworkPolicy selects its pods: its ports are open to the whole cluster")
		}
	}
	if len(c.Set.Secrets) == 0 || len(c.Set.ConfigMaps) == 0 {
		p.addf("want a Secret and a ConfigMap example in deploy/")
	}
	return p.list
}
