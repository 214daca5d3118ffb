package load

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// conn is one keep-alive HTTP/1.1 connection owned by one worker. Writing
// prebuilt bytes and reading the answer with http.ReadResponse costs far
// less CPU than net/http's client, which matters: the load generator
// shares the machine with the system it measures.
type conn struct {
	addr    string
	timeout time.Duration
	c       net.Conn
	br      *bufio.Reader
	bw      *bufio.Writer
	used    bool // a request completed on c: the server may have closed it since
}

// Client keeps the idle connections to one address across runs, so a
// step starts on connections the previous one opened (and a request is
// never slowed by a TCP handshake once the system is warm).
type Client struct {
	addr    string
	timeout time.Duration
	mu      sync.Mutex
	idle    []*conn
}

// NewClient returns a client of addr whose requests time out after timeout.
func NewClient(addr string, timeout time.Duration) *Client {
	return &Client{addr: addr, timeout: timeout}
}

// get returns the most recently used idle connection (connections are
// dialed lazily by their first request).
func (cl *Client) get() *conn {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if n := len(cl.idle); n > 0 {
		c := cl.idle[n-1]
		cl.idle = cl.idle[:n-1]
		return c
	}
	return &conn{addr: cl.addr, timeout: cl.timeout}
}

func (cl *Client) put(c *conn) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	cl.idle = append(cl.idle, c)
}

// Conns is the number of idle connections open.
func (cl *Client) Conns() int {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	n := 0
	for _, c := range cl.idle {
		if c.c != nil {
			n++
		}
	}
	return n
}

// Close closes every idle connection.
func (cl *Client) Close() {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	for _, c := range cl.idle {
		c.close()
	}
	cl.idle = nil
}

// do sends r and returns the status code. A request that fails on a
// reused connection before any answer byte (the server closed an idle
// connection) is sent once more on a new one, as net/http does.
func (c *conn) do(r *Request) (int, error) {
	code, err, retry := c.try(r)
	if err != nil && retry {
		code, err, _ = c.try(r)
	}
	return code, err
}

func (c *conn) try(r *Request) (code int, err error, retry bool) {
	if c.c == nil {
		nc, err := net.DialTimeout("tcp", c.addr, c.timeout)
		if err != nil {
			return 0, err, false
		}
		if tc, ok := nc.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true)
		}
		c.c, c.used = nc, false
		c.br = bufio.NewReaderSize(nc, 4096)
		c.bw = bufio.NewWriterSize(nc, 32<<10)
	}
	reused := c.used
	_ = c.c.SetDeadline(time.Now().Add(c.timeout))
	c.bw.WriteString("POST ")
	c.bw.WriteString(r.Path)
	c.bw.WriteString(" HTTP/1.1\r\nHost: ")
	c.bw.WriteString(c.addr)
	c.bw.WriteString("\r\n")
	c.bw.Write(r.Rest)
	if err := c.bw.Flush(); err != nil {
		c.close()
		return 0, err, reused
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		c.close()
		return 0, err, reused && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF))
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || resp.Close {
		c.close()
	} else {
		c.used = true
	}
	return resp.StatusCode, nil, false
}

func (c *conn) close() {
	if c.c != nil {
		c.c.Close()
		c.c = nil
	}
}
