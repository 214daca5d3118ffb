package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// deployDir is the repository's deploy/ directory.
const deployDir = "../../deploy"

// TestManifests checks every manifest under deploy/ against the code.
func TestManifests(t *testing.T) {
	objs, err := LoadDir(deployDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) == 0 {
		t.Fatalf("no manifests under %s", deployDir)
	}
	var all []string
	all = append(all, Check(objs, t.TempDir(), true)...)
	all = append(all, CheckRequired(objs)...)
	all = append(all, CheckKustomization(filepath.Join(deployDir, "kubernetes"))...)
	for _, p := range all {
		t.Error(p)
	}
	t.Logf("%d objects checked", len(objs))
}

// TestSharedEnvIsRead keeps SharedEnv honest: the names are read by the
// shared main of every service.
func TestSharedEnvIsRead(t *testing.T) {
	for _, file := range []string{
		"../../services/internal/command/command.go",
	} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range SharedEnv {
			if !strings.Contains(string(b), `"`+name+`"`) {
				t.Errorf("%s does not read %s: update SharedEnv", file, name)
			}
		}
	}
}

func TestParseMultiDocument(t *testing.T) {
	objs, err := Parse("x.yaml", []byte("# comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n--- # next\napiVersion: v1\nkind: Secret\nmetadata: {name: b}\n---\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 || objs[0].Kind != "ConfigMap" || objs[1].Name != "b" {
		t.Fatalf("got %+v", objs)
	}
	if _, err := Parse("x.yaml", []byte("apiVersion: v1\nmetadata: {name: a}\n")); err == nil {
		t.Error("a document without kind was accepted")
	}
	if _, err := Parse("x.yaml", []byte("kind: [\n")); err == nil {
		t.Error("broken YAML was accepted")
	}
}

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		in   string
		host string
		port int
		dns  bool
		bad  bool
	}{
		{in: "dns:///hookmesh-ledger:9092", host: "hookmesh-ledger", port: 9092, dns: true},
		{in: "dns://10.0.0.10:53/hookmesh-ledger.hookmesh.svc.cluster.local:9092", host: "hookmesh-ledger.hookmesh.svc.cluster.local", port: 9092, dns: true},
		{in: "hookmesh-ledger:9092", host: "hookmesh-ledger", port: 9092},
		{in: "passthrough:///hookmesh-ledger:9092", host: "hookmesh-ledger", port: 9092},
		{in: "unix:///run/ledger.sock", bad: true},
		{in: "dns:///hookmesh-ledger", bad: true},
	} {
		host, port, dns, err := parseTarget(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("%s: accepted", tc.in)
			}
			continue
		}
		if err != nil || host != tc.host || port != tc.port || dns != tc.dns {
			t.Errorf("%s: got %q %d %v %v", tc.in, host, port, dns, err)
		}
	}
}

// base is a small, correct set of manifests; each case of
// TestCheckFindsBreakage breaks one reference in it.
const base = `
apiVersion: v1
kind: Secret
metadata: {name: s}
stringData: {DATABASE_URL: "postgres://u:p@db:5432/x", HOOKMESH_SECRET_STRIPE: whsec_x,
  HOOKMESH_INTERNAL_TOKEN_EDGE: edge-token-0123456789, HOOKMESH_INTERNAL_TOKEN_DISPATCHER: dispatcher-token-0123456789}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
data:
  sources.yaml: "sources: []\n"
  subscriptions.yaml: "subscriptions: [{name: billing, target: 'dns:///billing:9000'}]\n"
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: edge}
spec:
  selector: {matchLabels: {app: edge}}
  template:
    metadata: {labels: {app: edge}}
    spec:
      securityContext: {runAsNonRoot: true}
      containers:
        - name: edge
          image: img/edge
          ports: [{name: http, containerPort: 8080}, {name: grpc, containerPort: 9090}]
          env:
            - {name: HOOKMESH_EDGE_GRPC_ADDR, value: ":9090"}
            - {name: HOOKMESH_INTERNAL_TOKEN_EDGE, valueFrom: {secretKeyRef: {name: s, key: HOOKMESH_INTERNAL_TOKEN_EDGE}}}
            - {name: HOOKMESH_LEDGER_TARGET, value: "dns:///ledger:9092"}
            - {name: HOOKMESH_NORMALIZER_TARGET, value: "dns:///normalizer:9091"}
            - {name: HOOKMESH_SOURCES_FILE, value: /etc/hookmesh/sources.yaml}
            - {name: HOOKMESH_LOG_FORMAT, value: json}
            - {name: HOOKMESH_SECRET_STRIPE, valueFrom: {secretKeyRef: {name: s, key: HOOKMESH_SECRET_STRIPE}}}
          volumeMounts: [{name: config, mountPath: /etc/hookmesh}]
          readinessProbe: {httpGet: {path: /ready, port: http}}
          livenessProbe: {httpGet: {path: /health, port: 8080}}
          resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 256Mi}}
          securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
      volumes: [{name: config, configMap: {name: cm, items: [{key: sources.yaml, path: sources.yaml}]}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: normalizer}
spec:
  selector: {matchLabels: {app: normalizer}}
  template:
    metadata: {labels: {app: normalizer}}
    spec:
      securityContext: {runAsNonRoot: true}
      containers:
        - name: normalizer
          image: img/normalizer
          ports: [{name: grpc, containerPort: 9091}]
          env:
            - {name: HOOKMESH_NORMALIZER_GRPC_ADDR, value: ":9091"}
            - {name: HOOKMESH_INTERNAL_TOKEN_EDGE, valueFrom: {secretKeyRef: {name: s, key: HOOKMESH_INTERNAL_TOKEN_EDGE}}}
            - {name: HOOKMESH_INTERNAL_TOKEN_DISPATCHER, valueFrom: {secretKeyRef: {name: s, key: HOOKMESH_INTERNAL_TOKEN_DISPATCHER}}}
          readinessProbe: {grpc: {port: 9091}}
          livenessProbe: {grpc: {port: 9091}}
          resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 256Mi}}
          securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ledger}
spec:
  replicas: 2
  selector: {matchLabels: {app: ledger}}
  template:
    metadata: {labels: {app: ledger}}
    spec:
      securityContext: {runAsNonRoot: true}
      containers:
        - name: ledger
          image: img/ledger
          ports: [{name: grpc, containerPort: 9092}]
          env:
            - {name: DATABASE_URL, valueFrom: {secretKeyRef: {name: s, key: DATABASE_URL}}}
            - {name: HOOKMESH_SUBSCRIPTIONS_FILE, value: /etc/hookmesh/subscriptions.yaml}
            - {name: HOOKMESH_LEDGER_GRPC_ADDR, value: ":9092"}
            - {name: HOOKMESH_INTERNAL_TOKEN_EDGE, valueFrom: {secretKeyRef: {name: s, key: HOOKMESH_INTERNAL_TOKEN_EDGE}}}
            - {name: HOOKMESH_INTERNAL_TOKEN_DISPATCHER, valueFrom: {secretKeyRef: {name: s, key: HOOKMESH_INTERNAL_TOKEN_DISPATCHER}}}
          volumeMounts: [{name: config, mountPath: /etc/hookmesh}]
          readinessProbe: {grpc: {port: 9092}}
          livenessProbe: {tcpSocket: {port: grpc}}
          resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 256Mi}}
          securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
      volumes: [{name: config, configMap: {name: cm}}]
---
apiVersion: v1
kind: Service
metadata: {name: ledger}
spec:
  clusterIP: None
  selector: {app: ledger}
  ports: [{name: grpc, port: 9092, targetPort: grpc}]
---
apiVersion: v1
kind: Service
metadata: {name: normalizer}
spec:
  clusterIP: None
  selector: {app: normalizer}
  ports: [{name: grpc, port: 9091, targetPort: 9091}]
---
apiVersion: v1
kind: Service
metadata: {name: edge}
spec:
  selector: {app: edge}
  ports: [{name: http, port: 80, targetPort: http}, {name: grpc, port: 9090}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ledger}
spec:
  podSelector: {matchLabels: {app: ledger}}
  ingress: [{from: [{podSelector: {matchLabels: {app: edge}}}], ports: [{port: 9092}]}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: edge}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: edge}
  minReplicas: 2
  maxReplicas: 4
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: ledger}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: ledger}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    spec:
      restartPolicy: OnFailure
      securityContext: {runAsNonRoot: true}
      containers:
        - name: migrate
          image: img/ledger
          args: [migrate]
          env: [{name: DATABASE_URL, valueFrom: {secretKeyRef: {name: s, key: DATABASE_URL}}}]
          resources: {requests: {cpu: 50m, memory: 32Mi}, limits: {memory: 128Mi}}
          securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
`

// TestCheckFindsBreakage proves the check fails on broken references:
// each case replaces one string of base (exactly once) and expects a
// problem matching want.
func TestCheckFindsBreakage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, old, new, want string
	}{
		{name: "base is clean"},
		{"service selector matches nothing", "selector: {app: ledger}\n  ports", "selector: {app: ledgr}\n  ports",
			`Service/ledger: selector .* matches no Deployment`},
		{"service targetPort name unknown", "port: 9092, targetPort: grpc}", "port: 9092, targetPort: rpc}",
			`Service/ledger: port 9092: targetPort rpc is not a port`},
		{"service targetPort number unknown", "port: 9091, targetPort: 9091}", "port: 9091, targetPort: 9191}",
			`Service/normalizer: port 9091: targetPort 9191 is not a port`},
		{"container port differs from the code", "ports: [{name: grpc, containerPort: 9092}]", "ports: [{name: grpc, containerPort: 9099}]",
			`the ledger listens on :9092 \(GRPCAddr\) but the container declares no such port`},
		{"container port misnamed", "ports: [{name: grpc, containerPort: 9091}]", "ports: [{name: rpc, containerPort: 9091}]",
			`port 9091 is named "rpc"; want "grpc"`},
		{"container port on a loopback listener", "{name: grpc, containerPort: 9090}]", "{name: grpc, containerPort: 9090}, {name: admin, containerPort: 8081}]",
			`declares port 8081 \(admin\), but the edge listens there on 127.0.0.1 only`},
		{"listen address moved by env", `- {name: HOOKMESH_LOG_FORMAT, value: json}`, `- {name: HOOKMESH_HTTP_ADDR, value: ":8088"}`,
			`the edge listens on :8088 \(HTTPAddr\)`},
		{"readiness path not served", "path: /ready,", "path: /readyz,",
			`readinessProbe: GET /readyz on port 8080 answers 404`},
		{"liveness path that fails while alive", "path: /health,", "path: /ready,",
			`livenessProbe: GET /ready answers 503 while the process is alive`},
		{"http probe on an undeclared port", "port: 8080}}", "port: 8081}}",
			`livenessProbe: httpGet port 8081 is not a declared container port`},
		{"http probe on the gRPC port", "path: /health, port: 8080", "path: /health, port: grpc",
			`httpGet on port 9090, which is not an HTTP listener`},
		{"grpc probe on an undeclared port", "readinessProbe: {grpc: {port: 9092}}", "readinessProbe: {grpc: {port: 9093}}",
			`readinessProbe: grpc port 9093 is not a declared container port`},
		{"missing readiness probe", "          readinessProbe: {grpc: {port: 9091}}\n", "",
			`container normalizer: no readinessProbe`},
		{"env name the code does not read", "- {name: HOOKMESH_SUBSCRIPTIONS_FILE", "- {name: HOOKMESH_LEDGER_MAX_CONN, value: \"8\"}\n            - {name: HOOKMESH_SUBSCRIPTIONS_FILE",
			`sets HOOKMESH_LEDGER_MAX_CONN, which the ledger does not read`},
		{"planned env name not read yet", "- {name: HOOKMESH_LOG_FORMAT, value: json}", "- {name: HOOKMESH_SECRET_STRIPEX, value: x}",
			`sets HOOKMESH_SECRET_STRIPEX, which the edge does not read`},
		{"secretKeyRef to a missing key", "key: DATABASE_URL}}}\n            - {name: HOOKMESH_SUBSCRIPTIONS_FILE",
			"key: DATABASE_URI}}}\n            - {name: HOOKMESH_SUBSCRIPTIONS_FILE",
			`env DATABASE_URL: Secret "s" has no key "DATABASE_URI"`},
		{"secretKeyRef to a missing Secret", "{secretKeyRef: {name: s, key: HOOKMESH_SECRET_STRIPE}}", "{secretKeyRef: {name: s2, key: HOOKMESH_SECRET_STRIPE}}",
			`refers to Secret "s2", which deploy/ does not define`},
		{"configMap volume item missing", "items: [{key: sources.yaml,", "items: [{key: source.yaml,",
			`ConfigMap "cm" has no key "source.yaml"`},
		{"configMap volume to a missing ConfigMap", "configMap: {name: cm}}]", "configMap: {name: cm2}}]",
			`refers to ConfigMap "cm2", which deploy/ does not define`},
		{"volumeMount without volume", "volumeMounts: [{name: config, mountPath: /etc/hookmesh}]\n          readinessProbe: {httpGet",
			"volumeMounts: [{name: cfg, mountPath: /etc/hookmesh}]\n          readinessProbe: {httpGet", `volumeMount "cfg": no such volume`},
		{"file variable naming an unmounted file", "value: /etc/hookmesh/sources.yaml}", "value: /etc/other/sources.yaml}",
			`HOOKMESH_SOURCES_FILE=/etc/other/sources.yaml: no such file is mounted`},
		{"sources file the code rejects", `sources.yaml: "sources: []\n"`, `sources.yaml: "sources: [{name: Bad}]\n"`,
			`the edge's configuration is rejected: .*HOOKMESH_SOURCES_FILE`},
		{"subscriptions file the ledger rejects", "{name: billing, target:", "{name: Billing, target:",
			`the ledger refuses to start: .*subscription`},
		{"target left at its loopback default", "            - {name: HOOKMESH_NORMALIZER_TARGET, value: \"dns:///normalizer:9091\"}\n", "",
			`leaves HOOKMESH_NORMALIZER_TARGET at its default`},
		{"target to a missing Service", `"dns:///ledger:9092"`, `"dns:///ledgr:9092"`, `HOOKMESH_LEDGER_TARGET=dns:///ledgr:9092: no Service "ledgr"`},
		{"target to a missing Service port", `"dns:///ledger:9092"`, `"dns:///ledger:9093"`, `Service ledger has no port 9093`},
		{"dns target to a ClusterIP Service", "clusterIP: None\n  selector: {app: ledger}", "selector: {app: ledger}", `Service ledger is not headless`},
		{"target to the wrong service", `"dns:///normalizer:9091"`, `"dns:///ledger:9092"`, `Service ledger selects the ledger, not the normalizer`},
		{"target with a scheme gRPC cannot use here", `"dns:///ledger:9092"`, `"unix:///ledger.sock"`, `HOOKMESH_LEDGER_TARGET: scheme`},
		{"network policy for missing pods", "podSelector: {matchLabels: {app: ledger}}", "podSelector: {matchLabels: {app: ledgr}}",
			`NetworkPolicy/ledger: podSelector .* matches no Deployment`},
		{"network policy from missing pods", "matchLabels: {app: edge}}}]", "matchLabels: {app: egde}}}]",
			`from podSelector .* matches no Deployment`},
		{"network policy on an undeclared port", "ports: [{port: 9092}]", "ports: [{port: 9029}]",
			`port 9029 is not a container port of ledger`},
		{"HPA to a missing Deployment", "kind: Deployment, name: edge}", "kind: Deployment, name: edgy}", `scaleTargetRef Deployment/edgy is not a Deployment`},
		{"HPA and replicas both set", "metadata: {name: edge}\nspec:\n  selector: {matchLabels", "metadata: {name: edge}\nspec:\n  replicas: 3\n  selector: {matchLabels",
			`sets spec.replicas although HorizontalPodAutoscaler edge owns the count`},
		{"HPA on CPU without CPU requests", "port: 8080}}\n          resources: {requests: {cpu: 100m, memory: 64Mi}", "port: 8080}}\n          resources: {requests: {memory: 64Mi}",
			`HorizontalPodAutoscaler/edge: scales on cpu, but .* requests no cpu`},
		{"PDB selector matches nothing", "selector: {matchLabels: {app: ledger}}\n---\napiVersion: batch/v1", "selector: {matchLabels: {app: ledgr}}\n---\napiVersion: batch/v1",
			`PodDisruptionBudget/ledger: selector .* matches no Deployment`},
		{"PDB that blocks evictions", "replicas: 2", "replicas: 1", `minAvailable 1 with 1 replica\(s\) of ledger blocks every voluntary eviction`},
		{"migration Job without migrate", "args: [migrate]", "args: [migrat]", `args \[migrat\]: the ledger's migration subcommand is \[migrate\]`},
		{"migration Job on another image", "image: img/ledger\n          args", "image: img/ledger:old\n          args", `image img/ledger:old is run by no Deployment`},
		{"migration Job on another database", "args: [migrate]\n          env: [{name: DATABASE_URL, valueFrom: {secretKeyRef: {name: s, key: DATABASE_URL}}}]",
			"args: [migrate]\n          env: [{name: DATABASE_URL, value: \"postgres://u:p@other:5432/x\"}]", `DATABASE_URL comes from value .*, but the ledger's from Secret s key DATABASE_URL`},
		{"writable root filesystem", "resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 256Mi}}\n          securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ledger}",
			"resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 256Mi}}\n          securityContext: {readOnlyRootFilesystem: false, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ledger}",
			`container normalizer: securityContext.readOnlyRootFilesystem is not true`},
		{"root allowed", "metadata: {labels: {app: normalizer}}\n    spec:\n      securityContext: {runAsNonRoot: true}", "metadata: {labels: {app: normalizer}}\n    spec:\n      securityContext: {}",
			`Deployment/normalizer: pod securityContext.runAsNonRoot is not true`},
		{"unknown container", "- name: normalizer\n", "- name: normaliser\n", `unknown container name`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			text := base
			if tc.old != "" {
				if n := strings.Count(base, tc.old); n != 1 {
					t.Fatalf("the case's old string occurs %d times in base, want once", n)
				}
				text = strings.Replace(base, tc.old, tc.new, 1)
			}
			objs, err := Parse("base.yaml", []byte(text))
			if err != nil {
				t.Fatal(err)
			}
			got := Check(objs, t.TempDir(), true)
			if tc.want == "" && tc.old == "" {
				for _, p := range got {
					t.Errorf("unexpected problem: %s", p)
				}
				return
			}
			want := tc.want
			re := regexp.MustCompile(want)
			for _, p := range got {
				if re.MatchString(p) {
					return
				}
			}
			t.Errorf("no problem matches %q; got:\n  %s", want, strings.Join(got, "\n  "))
		})
	}
}
