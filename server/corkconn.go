package server

import (
	"bufio"
	"net"
	"net/http"
	"sync"
)

// corkConn is a websocket's network connection as its writer sees it.
// The websocket library flushes every frame on its own; while the writer
// holds the connection corked, those flushes gather in memory, and uncork
// sends them in one write. A writer with many messages queued (a welcome
// and its catch-up, or a burst of edits) so makes one system call instead
// of one per message; the frames on the wire are the same.
type corkConn struct {
	net.Conn
	mu     sync.Mutex
	corked bool
	buf    []byte
}

func (c *corkConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.corked {
		c.buf = append(c.buf, p...)
		return len(p), nil
	}
	return c.Conn.Write(p)
}

func (c *corkConn) cork() {
	c.mu.Lock()
	c.corked = true
	c.mu.Unlock()
}

// uncork sends what gathered, within the connection's write deadline.
func (c *corkConn) uncork() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.corked = false
	if len(c.buf) == 0 {
		return nil
	}
	_, err := c.Conn.Write(c.buf)
	// An idle connection keeps no more than a few edits' worth: a
	// thousand connections each keeping their welcome's batch would be
	// tens of megabytes.
	if cap(c.buf) > 4<<10 {
		c.buf = nil
	} else {
		c.buf = c.buf[:0]
	}
	return err
}

// corkingWriter hands the websocket library a corkConn when it hijacks
// the HTTP connection.
type corkingWriter struct {
	http.ResponseWriter
	conn *corkConn
}

func (w *corkingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if err := brw.Writer.Flush(); err != nil {
		nc.Close()
		return nil, nil, err
	}
	w.conn = &corkConn{Conn: nc}
	return w.conn, bufio.NewReadWriter(brw.Reader, bufio.NewWriterSize(w.conn, 4096)), nil
}

func (w *corkingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
