package ingest

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

// ErrUnsupportedEncoding is returned for a Content-Encoding other than
// gzip or identity; the HTTP route answers 415. It wraps apperr.ErrInvalid,
// so the gRPC path answers INVALID_ARGUMENT.
var ErrUnsupportedEncoding = fmt.Errorf("unsupported content-encoding: %w", apperr.ErrInvalid)

// errCapped is what capReader returns past its cap.
var errCapped = errors.New("over the cap")

// ReadBody reads a request body of at most max bytes, decompressing it
// when Content-Encoding is gzip (x-gzip is the same). The cap applies to
// the compressed bytes read and again to the decompressed bytes, and
// reading stops as soon as it is passed, so a zip bomb costs at most max
// bytes of memory before it is refused with apperr.ErrTooLarge.
//
// Signatures are checked on the decompressed bytes: senders sign their
// payload and compression is a transfer detail applied afterwards
// (docs/platforms.md describes every signed body as the payload itself;
// no supported platform documents signing a compressed form). For the same reason the decompressed bytes are what is stored
// and normalized, and the returned header — the one to verify and store —
// no longer carries Content-Encoding or Content-Length, so the stored
// receipt describes the bytes it holds.
//
// Any other encoding wraps ErrUnsupportedEncoding, and is refused before
// anything is read; a malformed gzip stream wraps apperr.ErrInvalid.
//
// A reader that knows its length (a *bytes.Reader, as on the gRPC path)
// is read as ReadBodySize reads one of announced size.
func ReadBody(r io.Reader, h http.Header, max int64) ([]byte, http.Header, error) {
	size := int64(-1)
	if l, ok := r.(interface{ Len() int }); ok {
		size = int64(l.Len())
	}
	return ReadBodySize(r, h, max, size)
}

// ReadBodySize is ReadBody for a body of announced length size (an HTTP
// request's ContentLength; -1 when unknown): the bytes are read into one
// buffer of that length instead of one grown by doubling. size is only a
// hint — a body of another length is read whole all the same, and more
// than max is never allocated for it — and it sizes the buffer of an
// uncompressed body only (a gzip body's size says nothing of its
// decompressed length).
func ReadBodySize(r io.Reader, h http.Header, max, size int64) ([]byte, http.Header, error) {
	gz, err := gzipped(h)
	if err != nil {
		return nil, nil, err
	}
	in := &capReader{r: r, left: max}
	if !gz {
		b, err := readAll(in, size, max)
		if err != nil {
			return nil, nil, readError(err, gz, max)
		}
		return b, h, nil
	}
	zr, err := newGzipReader(in)
	if err != nil {
		return nil, nil, readError(err, gz, max)
	}
	defer freeGzipReader(zr)
	b, err := io.ReadAll(&capReader{r: zr, left: max})
	if err != nil {
		return nil, nil, readError(err, gz, max)
	}
	out := h.Clone()
	out.Del("Content-Encoding")
	out.Del("Content-Length")
	return b, out, nil
}

// readAll is io.ReadAll into a buffer sized for a body of size bytes
// (capped at max; unknown when negative), with one spare byte for the
// read that reports the end.
func readAll(r io.Reader, size, max int64) ([]byte, error) {
	if size < 0 {
		return io.ReadAll(r)
	}
	b := make([]byte, 0, min(size, max)+1)
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
		if len(b) == cap(b) { // longer than announced: grow
			b = append(b, 0)[:len(b)]
		}
	}
}

// gzipReaders keeps inflaters between requests: one holds tens of
// kilobytes of window and tables, which NewReader allocates afresh and
// Reset reuses. Nothing of a request outlives it through the pool: the
// decompressed bytes were copied out by io.ReadAll, and the reference a
// pooled reader keeps to its last source is never read again (Reset
// replaces it).
var gzipReaders sync.Pool

// newGzipReader is gzip.NewReader(r) from the pool; the reader goes back
// with freeGzipReader, whether or not the header was read.
func newGzipReader(r io.Reader) (*gzip.Reader, error) {
	if zr, ok := gzipReaders.Get().(*gzip.Reader); ok {
		if err := zr.Reset(r); err != nil {
			gzipReaders.Put(zr)
			return nil, err
		}
		return zr, nil
	}
	return gzip.NewReader(r)
}

func freeGzipReader(zr *gzip.Reader) {
	_ = zr.Close()
	gzipReaders.Put(zr)
}

// gzipped reports whether the body is gzip-compressed; an encoding other
// than gzip or identity, or gzip twice, wraps ErrUnsupportedEncoding.
func gzipped(h http.Header) (bool, error) {
	var codings []string
	for _, v := range h.Values("Content-Encoding") {
		for _, c := range strings.Split(v, ",") {
			switch c = strings.ToLower(strings.TrimSpace(c)); c {
			case "", "identity":
			default:
				codings = append(codings, c)
			}
		}
	}
	switch {
	case len(codings) == 0:
		return false, nil
	case len(codings) == 1 && (codings[0] == "gzip" || codings[0] == "x-gzip"):
		return true, nil
	}
	return false, fmt.Errorf("%q: %w", strings.Join(codings, ", "), ErrUnsupportedEncoding)
}

// readError classifies a failed read: past the cap (ours or
// http.MaxBytesReader's) is ErrTooLarge, anything else — a broken gzip
// stream (gz), a client that went away or was too slow — ErrInvalid.
func readError(err error, gz bool, max int64) error {
	var tooLarge *http.MaxBytesError
	if errors.Is(err, errCapped) || errors.As(err, &tooLarge) {
		return fmt.Errorf("body exceeds %d bytes: %w", max, apperr.ErrTooLarge)
	}
	if gz && (errors.Is(err, gzip.ErrHeader) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, io.ErrUnexpectedEOF)) {
		return fmt.Errorf("malformed gzip body: %w", apperr.ErrInvalid)
	}
	// The cause (a timeout, a reset) is not added: this text reaches the
	// sender, and the cause names the edge's own addresses.
	return fmt.Errorf("read body: %w", apperr.ErrInvalid)
}

// capReader reads at most left bytes from r and fails with errCapped if r
// has more, without reading more than one byte past the cap.
type capReader struct {
	r    io.Reader
	left int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var probe [1]byte
		n, err := c.r.Read(probe[:])
		if n > 0 {
			return 0, errCapped
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}
