package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// poster sends POST requests built once, over one kept-alive HTTP/1.1
// connection of its own. The order scenarios use one per client instead of
// net/http's client, whose per-request work (two goroutines per connection
// and the hand-offs between them, a header map per request) cost about as
// much CPU per sold-out order as the service answering it: on a machine
// the load generator shares with the service, that measured the load
// generator. The service sees the same requests either way.
type poster struct {
	addr     string
	requests [][]byte
	conn     net.Conn
	in       *bufio.Reader
}

// newPoster prepares one request per body: POST path on base with the
// bearer token.
func newPoster(base, path, token string, bodies []any) (*poster, error) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("loadgen needs an http:// URL, got %q", base)
	}
	p := &poster{addr: u.Host}
	for _, b := range bodies {
		body, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
			"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n", path, u.Host, token, len(body))
		p.requests = append(p.requests, append([]byte(head), body...))
	}
	return p, nil
}

// clone is a poster of the same requests with a connection of its own.
func (p *poster) clone() *poster {
	return &poster{addr: p.addr, requests: p.requests}
}

// post sends request i and reads the whole answer; a connection that
// fails or that the server closes is replaced at the next call.
func (p *poster) post(i int) (int, error) {
	if p.conn == nil {
		conn, err := net.DialTimeout("tcp", p.addr, 5*time.Second)
		if err != nil {
			return 0, err
		}
		p.conn, p.in = conn, bufio.NewReader(conn)
	}
	if err := p.conn.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		p.close()
		return 0, err
	}
	if _, err := p.conn.Write(p.requests[i]); err != nil {
		p.close()
		return 0, err
	}
	resp, err := http.ReadResponse(p.in, nil)
	if err != nil {
		p.close()
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || resp.Close {
		p.close()
	}
	return resp.StatusCode, err
}

func (p *poster) close() {
	if p.conn != nil {
		p.conn.Close()
		p.conn = nil
	}
}
