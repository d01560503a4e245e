package clickhouse_test

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stockflow/stockflow/internal/chtest"
	"github.com/stockflow/stockflow/sinks/clickhouse"
)

// proxy forwards TCP to a ClickHouse server and can cut it off, as an
// outage would: down closes the listener and every open connection.
type proxy struct {
	t      *testing.T
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, addr: ln.Addr().String(), target: target}
	_ = ln.Close()
	t.Cleanup(p.down)
	return p
}

func (p *proxy) up() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				_ = c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(s, c); _ = s.Close() }()
			go func() { _, _ = io.Copy(c, s); _ = c.Close() }()
		}
	}()
}

func (p *proxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

func TestSinkWaitsOutAClickHouseOutageAndResumes(t *testing.T) {
	t.Parallel()
	addr, db, conn := chtest.Database(t)
	brokers := broker(t)
	px := newProxy(t, addr)
	ms := levelMovements(10, 30)
	first, second := ms[:150], ms[150:]
	// Down from the start: the sink retries its migrations.
	produce(t, brokers, first)
	stop := runSink(t, clickhouse.Config{Brokers: brokers, Addr: px.addr, Database: db, BatchSize: 50, FlushInterval: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}, nil)
	time.Sleep(500 * time.Millisecond)
	px.up()
	waitStored(t, conn, uint64(len(first)))
	// Down mid-stream: inserts fail and are retried.
	px.down()
	produce(t, brokers, second)
	time.Sleep(time.Second)
	if _, d := stored(t, conn); d != uint64(len(first)) {
		t.Fatalf("%d stored while ClickHouse was unreachable, want %d", d, len(first))
	}
	px.up()
	waitStored(t, conn, uint64(len(ms)))
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if rows, distinct := stored(t, conn); rows != distinct {
		t.Fatalf("%d rows for %d movements", rows, distinct)
	}
	checkTotals(t, conn, ms)
}
