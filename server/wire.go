package server

import (
	"bufio"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// wireConn is a websocket's network connection, shared by two writers: the
// websocket library, which writes the control frames (pong, ping, close),
// each whole in one Write, and the connection's writer goroutine, which
// writes the data frames itself (writeFrames). A mutex keeps their frames
// whole on the wire.
//
// The writer frames messages itself because the library's Write costs a
// context, two locks and a flush per message; at 100,000 messages a second
// that was a quarter of the server's CPU, and a batch of queued messages
// still cost one system call each unless corked. Now a batch is one buffer
// and one system call.
type wireConn struct {
	net.Conn
	mu sync.Mutex
	// writing is when the write in progress began (Unix nanoseconds), or
	// 0: the room's watchdog ends a write that takes longer than the
	// write timeout, so no deadline is set and cleared for every batch.
	writing atomic.Int64
}

func (w *wireConn) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.Conn.Write(p)
}

// writeFrames writes buf, whole frames made by appendFrame, in one call.
func (w *wireConn) writeFrames(buf []byte) error {
	w.writing.Store(time.Now().UnixNano())
	_, err := w.Write(buf)
	w.writing.Store(0)
	return err
}

// stuck reports whether a write has been under way for longer than d; if
// so it ends it with a deadline in the past, so the writer sees an error.
func (w *wireConn) stuck(now time.Time, d time.Duration) bool {
	t := w.writing.Load()
	if t == 0 || now.UnixNano()-t < int64(d) {
		return false
	}
	w.Conn.SetWriteDeadline(now)
	return true
}

// appendFrame appends msg as one websocket text frame, final and unmasked,
// as a server sends it (RFC 6455, section 5.2).
func appendFrame(b, msg []byte) []byte {
	const finText = 0x81
	switch n := len(msg); {
	case n < 126:
		b = append(b, finText, byte(n))
	case n <= 0xffff:
		b = append(b, finText, 126, byte(n>>8), byte(n))
	default:
		b = append(b, finText, 127, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32), byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, msg...)
}

// wireWriter hands the websocket library a wireConn when it hijacks the
// HTTP connection.
type wireWriter struct {
	http.ResponseWriter
	conn *wireConn
}

func (w *wireWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if err := brw.Writer.Flush(); err != nil {
		nc.Close()
		return nil, nil, err
	}
	w.conn = &wireConn{Conn: nc}
	// 4 KB holds any control frame whole, so each reaches Write in one
	// piece.
	return w.conn, bufio.NewReadWriter(brw.Reader, bufio.NewWriterSize(w.conn, 4096)), nil
}

func (w *wireWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
