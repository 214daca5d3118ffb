// Package logging builds the slog.Logger each service is given. Loggers are
// passed in, never global, so tests can capture and scan what is logged.
package logging

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// New returns a logger writing to w. format is "text" (readable, the
// default for make run) or "json" (for log shippers); level is one of
// debug, info, warn, error.
func New(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(strings.ToUpper(orDefault(level, "info")))); err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch orDefault(format, "text") {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: want text or json", format)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
