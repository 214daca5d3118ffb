// Package deploy checks the Kubernetes manifests under deploy/ against the
// code: every YAML document is parsed into generic maps (no Kubernetes
// client libraries), and the references between the objects (Service
// selectors and target ports, probes, Secret and ConfigMap keys, HPA and
// PDB targets, gRPC targets) and between the manifests and the services
// (listen ports, environment variable names, configuration files) are
// checked. Check returns every problem found, so one run names them all.
package deploy

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// Object is one YAML document of a manifest file.
type Object struct {
	File string // path relative to the directory loaded
	Kind string
	Name string
	Doc  map[string]any
}

func (o Object) String() string { return fmt.Sprintf("%s: %s/%s", o.File, o.Kind, o.Name) }

var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*(#.*)?$`)

// Parse reads the documents of one manifest file (several documents
// separated by "---" lines); empty documents are skipped.
func Parse(file string, content []byte) ([]Object, error) {
	var out []Object
	for i, part := range docSeparator.Split(string(content), -1) {
		var doc map[string]any
		if err := yaml.Unmarshal([]byte(part), &doc); err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", file, i, err)
		}
		if len(doc) == 0 {
			continue
		}
		kind, _ := doc["kind"].(string)
		if kind == "" {
			return nil, fmt.Errorf("%s: document %d has no kind", file, i)
		}
		if kind != "Kustomization" {
			if _, ok := doc["apiVersion"].(string); !ok {
				return nil, fmt.Errorf("%s: document %d (%s) has no apiVersion", file, i, kind)
			}
		}
		name := str(doc, "metadata", "name")
		if name == "" && kind != "Kustomization" {
			return nil, fmt.Errorf("%s: document %d (%s) has no metadata.name", file, i, kind)
		}
		out = append(out, Object{File: file, Kind: kind, Name: name, Doc: doc})
	}
	return out, nil
}

// LoadDir parses every .yaml and .yml file under dir, recursively.
func LoadDir(dir string) ([]Object, error) {
	var out []Object
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ext := filepath.Ext(path); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		objs, err := Parse(filepath.ToSlash(rel), b)
		if err != nil {
			return err
		}
		out = append(out, objs...)
		return nil
	})
	return out, err
}

// --- generic map helpers ---------------------------------------------------

// get walks nested maps by keys.
func get(v any, path ...string) any {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func str(v any, path ...string) string { s, _ := get(v, path...).(string); return s }

func list(v any, path ...string) []any { l, _ := get(v, path...).([]any); return l }

func mapOf(v any, path ...string) map[string]any { m, _ := get(v, path...).(map[string]any); return m }

// num returns an integer field (JSON numbers decode as float64).
func num(v any, path ...string) (int, bool) {
	switch n := get(v, path...).(type) {
	case float64:
		return int(n), n == float64(int(n))
	case int:
		return n, true
	case int64:
		return int(n), true
	}
	return 0, false
}

// stringMap returns a map of strings (labels, selectors).
func stringMap(v any, path ...string) map[string]string {
	out := map[string]string{}
	for k, x := range mapOf(v, path...) {
		s, _ := x.(string)
		out[k] = s
	}
	return out
}

// intOrString renders a port reference (a number or a name).
func intOrString(v any) (n int, name string, ok bool) {
	switch x := v.(type) {
	case float64:
		return int(x), "", true
	case string:
		if i, err := strconv.Atoi(x); err == nil {
			return i, "", true
		}
		return 0, x, x != ""
	}
	return 0, "", false
}

// --- the objects a check works on ---------------------------------------------

// Set indexes parsed objects.
type Set struct {
	All            []Object
	Deployments    []Object
	Jobs           []Object
	Services       []Object
	HPAs           []Object
	PDBs           []Object
	NetPols        []Object
	Secrets        map[string]Object
	ConfigMaps     map[string]Object
	Kustomizations []Object
}

// Index sorts objects by kind.
func Index(objs []Object) *Set {
	s := &Set{All: objs, Secrets: map[string]Object{}, ConfigMaps: map[string]Object{}}
	for _, o := range objs {
		switch o.Kind {
		case "Deployment":
			s.Deployments = append(s.Deployments, o)
		case "Job":
			s.Jobs = append(s.Jobs, o)
		case "Service":
			s.Services = append(s.Services, o)
		case "HorizontalPodAutoscaler":
			s.HPAs = append(s.HPAs, o)
		case "PodDisruptionBudget":
			s.PDBs = append(s.PDBs, o)
		case "NetworkPolicy":
			s.NetPols = append(s.NetPols, o)
		case "Secret":
			s.Secrets[o.Name] = o
		case "ConfigMap":
			s.ConfigMaps[o.Name] = o
		case "Kustomization":
			s.Kustomizations = append(s.Kustomizations, o)
		}
	}
	return s
}

// dataOf returns the keys and values of a Secret (data decoded, stringData)
// or a ConfigMap (data, binaryData decoded).
func dataOf(o Object) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range mapOf(o.Doc, "stringData") {
		out[k], _ = v.(string)
	}
	for k, v := range mapOf(o.Doc, "data") {
		s, _ := v.(string)
		if o.Kind == "Secret" {
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return nil, fmt.Errorf("%v: data.%s is not base64", o, k)
			}
			s = string(b)
		}
		out[k] = s
	}
	for k, v := range mapOf(o.Doc, "binaryData") {
		s, _ := v.(string)
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("%v: binaryData.%s is not base64", o, k)
		}
		out[k] = string(b)
	}
	return out, nil
}

// labelsMatch reports whether every selector pair is in labels.
func labelsMatch(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// podTemplateLabels of a Deployment or Job.
func podTemplateLabels(o Object) map[string]string {
	return stringMap(o.Doc, "spec", "template", "metadata", "labels")
}

// problems collects what is wrong.
type problems struct{ list []string }

func (p *problems) add(o fmt.Stringer, format string, args ...any) {
	p.list = append(p.list, o.String()+": "+fmt.Sprintf(format, args...))
}

func (p *problems) addf(format string, args ...any) {
	p.list = append(p.list, fmt.Sprintf(format, args...))
}

// sortedKeys of a map, for stable messages.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// --- kustomization ------------------------------------------------------------

// CheckKustomization checks a kustomization.yaml in dir: every resource it
// lists exists, and every other manifest of dir is listed, except
// *.example.yaml files (examples are applied by hand, never by -k).
func CheckKustomization(dir string) []string {
	var p problems
	b, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", dir, err)}
	}
	var k map[string]any
	if err := yaml.Unmarshal(b, &k); err != nil {
		return []string{fmt.Sprintf("%s/kustomization.yaml: %v", dir, err)}
	}
	listed := map[string]bool{}
	for _, r := range list(k, "resources") {
		name, _ := r.(string)
		listed[name] = true
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			p.addf("%s/kustomization.yaml: resource %q does not exist", dir, name)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return []string{err.Error()}
	}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || n == "kustomization.yaml" || strings.HasSuffix(n, ".example.yaml") ||
			(filepath.Ext(n) != ".yaml" && filepath.Ext(n) != ".yml") {
			continue
		}
		if !listed[n] {
			p.addf("%s/kustomization.yaml: %s is not listed in resources", dir, n)
		}
	}
	return p.list
}
