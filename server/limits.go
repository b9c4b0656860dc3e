package server

import "time"

// Limits bound what one connection and one board may do.
type Limits struct {
	MaxMessageBytes   int64         // largest client frame; over it the socket closes with 1009
	EditsPerSecond    float64       // ops, settings and votes per connection, sustained
	EditBurst         float64       // and in a burst
	PresencePerSecond float64       // presence messages per connection before 4429
	ConnsPerBoard     int           // sockets on one board on one node
	SendQueue         int           // messages queued for one slow client before it is dropped
	PingInterval      time.Duration // heartbeat; a dead peer is gone within two of these
	RecentChanges     int           // changes each room keeps in memory for catch-up
	RoomIdle          time.Duration // how long a room outlives its last connection
	// WelcomeRoster is the most participants a welcome lists whole; on a
	// larger board a participant's welcome lists only themselves and the
	// facilitators (roster.go). Negative: always whole.
	WelcomeRoster int
	// RoundPerConn is how long, per connection, what goes to everyone on
	// a board of more than 32 connections may wait to share its writes
	// (rounds.go); 20 µs unless set.
	RoundPerConn time.Duration
}

func (l Limits) withDefaults() Limits {
	orDefault(&l.MaxMessageBytes, 256<<10)
	orDefault(&l.EditsPerSecond, 30)
	orDefault(&l.EditBurst, 60)
	orDefault(&l.PresencePerSecond, 60)
	orDefault(&l.ConnsPerBoard, 1000)
	orDefault(&l.SendQueue, 1024)
	orDefault(&l.PingInterval, 20*time.Second)
	orDefault(&l.RecentChanges, 2000)
	orDefault(&l.RoomIdle, 30*time.Second)
	orDefault(&l.WelcomeRoster, 200)
	orDefault(&l.RoundPerConn, 20*time.Microsecond)
	return l
}

func orDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}
