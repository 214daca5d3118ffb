package console

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// apiTimeout bounds one in-process API call: the gateway passes it on
// to the ledger as the gRPC deadline.
const apiTimeout = 15 * time.Second

// maxAPIBody caps what the console reads of one API answer (a page of
// events with their bodies stays far below).
const maxAPIBody = 32 << 20

// apiError is a refusal of the admin API: its HTTP status and the
// message of its {code, message} body.
type apiError struct {
	Status  int
	Code    int
	Message string
}

func (e *apiError) Error() string { return fmt.Sprintf("admin API: %d: %s", e.Status, e.Message) }

// JSON as the gateway speaks it: proto field names; unknown fields are
// ignored so that a newer API does not break an older console.
var (
	apiMarshal   = protojson.MarshalOptions{UseProtoNames: true}
	apiUnmarshal = protojson.UnmarshalOptions{DiscardUnknown: true}
)

// call sends one request to the admin API in process, as the operator
// (their token as the bearer), and decodes the answer into out (a proto
// message) when it is non-nil. body, when non-nil, is sent as JSON. It
// returns the raw answer too (the /metrics text).
func (c *Console) call(r *http.Request, s session, method, path string, body proto.Message, out proto.Message) ([]byte, error) {
	var in io.Reader = http.NoBody
	if body != nil {
		b, err := apiMarshal.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		in = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(r.Context(), apiTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, path, in)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Host = r.Host
	req.RemoteAddr = r.RemoteAddr
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	rec := &recorder{header: http.Header{}}
	c.api.ServeHTTP(rec, req)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if rec.status >= 300 {
		ae := &apiError{Status: rec.status, Message: http.StatusText(rec.status)}
		var shape struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		}
		if json.Unmarshal(rec.body.Bytes(), &shape) == nil && shape.Message != "" {
			ae.Code, ae.Message = shape.Code, shape.Message
		}
		return nil, ae
	}
	if rec.over {
		return nil, fmt.Errorf("%s %s: answer over %d bytes", method, path, maxAPIBody)
	}
	if out != nil {
		if err := apiUnmarshal.Unmarshal(rec.body.Bytes(), out); err != nil {
			return nil, fmt.Errorf("decode %s %s: %w", method, path, err)
		}
	}
	return rec.body.Bytes(), nil
}

// get is call for a GET with query parameters.
func (c *Console) get(r *http.Request, s session, path string, q url.Values, out proto.Message) error {
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	_, err := c.call(r, s, http.MethodGet, path, nil, out)
	return err
}

// recorder is the in-process ResponseWriter of call: it keeps the
// answer, up to maxAPIBody.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
	over   bool
}

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.body.Len()+len(p) > maxAPIBody {
		w.over = true
		return 0, fmt.Errorf("console: API answer over %d bytes", maxAPIBody)
	}
	return w.body.Write(p)
}
