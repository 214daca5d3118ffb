package env

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// ConfigVar names the optional configuration file (HOOKMESH_CONFIG).
const ConfigVar = "HOOKMESH_CONFIG"

// fileKeysOutsidePrefix are the names a configuration file may set that do
// not start with HOOKMESH_.
var fileKeysOutsidePrefix = []string{"DATABASE_URL", "REDIS_URL"}

// FileLookup returns a lookup over the YAML file at path, a flat mapping of
// KEY: value pairs using the environment's names, behind next: a key set by
// next (the environment) to a non-empty value wins over the file, so a
// deployment overrides one value without editing the file. Every key must start with HOOKMESH_ (or
// be DATABASE_URL or REDIS_URL) and every value must be a scalar; the error
// names the file and lists every key that is not.
func FileLookup(path string, next func(string) (string, bool)) (func(string) (string, bool), error) {
	if next == nil {
		next = os.LookupEnv
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ConfigVar, err)
	}
	var raw map[string]any
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s %s: not a YAML mapping of KEY: value: %w", ConfigVar, path, err)
	}
	vals := make(map[string]string, len(raw))
	var unknown, notScalar []string
	for k, v := range raw {
		if !strings.HasPrefix(k, "HOOKMESH_") && !slices.Contains(fileKeysOutsidePrefix, k) {
			unknown = append(unknown, k)
			continue
		}
		if k == ConfigVar {
			unknown = append(unknown, k) // a file naming another file
			continue
		}
		s, ok := scalar(v)
		if !ok {
			notScalar = append(notScalar, k)
			continue
		}
		vals[k] = s
	}
	var errs []error
	if len(unknown) > 0 {
		sort.Strings(unknown)
		errs = append(errs, fmt.Errorf("%s %s: unknown keys %s: want the environment's names (HOOKMESH_*, DATABASE_URL, REDIS_URL)",
			ConfigVar, path, strings.Join(unknown, ", ")))
	}
	if len(notScalar) > 0 {
		sort.Strings(notScalar)
		errs = append(errs, fmt.Errorf("%s %s: keys %s: want a string, number or boolean (write lists comma-separated)",
			ConfigVar, path, strings.Join(notScalar, ", ")))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return func(key string) (string, bool) {
		if v, ok := next(key); ok && strings.TrimSpace(v) != "" {
			return v, true
		}
		v, ok := vals[key]
		return v, ok
	}, nil
}

// WithConfigFile returns lookup extended by the file HOOKMESH_CONFIG names
// (see FileLookup), or lookup itself when the variable is unset.
func WithConfigFile(lookup func(string) (string, bool)) (func(string) (string, bool), error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	path, ok := lookup(ConfigVar)
	if path = strings.TrimSpace(path); !ok || path == "" {
		return lookup, nil
	}
	return FileLookup(path, lookup)
}

// scalar renders a YAML scalar as the environment would hold it. Numbers
// decoded through JSON are float64: integral ones print without exponent.
func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case nil:
		return "", true
	}
	return "", false
}
