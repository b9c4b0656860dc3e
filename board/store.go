package board

import (
	"context"
	"time"
)

// PurgeWithin bounds how long after a deletion or an erasure the deleted
// bytes may still be in a store's data files.
const PurgeWithin = 60 * time.Second

// Store keeps everything Processkarta stores. Implementations must be safe
// for concurrent use, and the conformance suite in board/storetest defines
// the behaviour they share. Errors are *Error values with the codes of this
// package: ENotFound, EConflict, ETooOld, and EUnavailable when the backing
// service cannot be reached (a retryable condition).
type Store interface {
	// Ping reports whether the store answers.
	Ping(ctx context.Context) error
	// Close releases the store; subscriptions end.
	Close() error

	// InitMeta stores value under key unless a value is there already and
	// returns the value in force. It keeps the generated organizer key.
	InitMeta(ctx context.Context, key, value string) (string, error)

	// CreateMunicipality stores m; EConflict if its code exists.
	CreateMunicipality(ctx context.Context, m *Municipality) error
	// Municipality returns one municipality by code.
	Municipality(ctx context.Context, code string) (*Municipality, error)
	// Municipalities returns all municipalities ordered by code.
	Municipalities(ctx context.Context) ([]*Municipality, error)

	// CreateStrategy stores s; its municipality must exist (ENotFound).
	CreateStrategy(ctx context.Context, s *Strategy) error
	// Strategy returns one strategy by id.
	Strategy(ctx context.Context, id string) (*Strategy, error)
	// Strategies returns a municipality's strategies ordered by creation.
	Strategies(ctx context.Context, municipality string) ([]*Strategy, error)

	// CreateBoard stores a new board in its initial state (st.Seq is 0)
	// and indexes its join code; EConflict if the id or join code is taken.
	CreateBoard(ctx context.Context, st *State) error
	// Boards returns the info of a municipality's boards ("" for all),
	// ordered by creation, each with its LastChange.
	Boards(ctx context.Context, municipality string) ([]*Info, error)
	// BoardByJoinCode returns the id of the board whose join code is code.
	BoardByJoinCode(ctx context.Context, code string) (string, error)
	// SetJoinCode gives a board a new join code; the old one stops
	// working. EConflict if another board has it. The code "" revokes the
	// board's join code: then no code leads to it.
	SetJoinCode(ctx context.Context, boardID, code string) error
	// Load returns a private copy of a board's current state.
	Load(ctx context.Context, boardID string) (*State, error)

	// Commit runs prepare on the board's current state and, if it returns a
	// change, stores that change atomically under the next seq, then
	// returns it (with Seq set). prepare may run more than once (optimistic
	// concurrency across nodes) and must not modify the state it is given.
	// When Commit returns nil error, the change is durable and every
	// subscriber of the board, on any node, will receive it.
	Commit(ctx context.Context, boardID string, prepare func(*State) (*Change, error)) (*Change, error)
	// Since returns the changes after seq, in order. ETooOld if the log no
	// longer holds all of them; an empty slice if seq is current.
	Since(ctx context.Context, boardID string, seq uint64) ([]*Change, error)
	// Subscribe returns the board's state at some seq S and a channel that
	// delivers every change after S, from every node, in seq order without
	// gaps or duplicates. The channel is closed when ctx ends, when the
	// store closes, or when the subscriber falls too far behind; a closed
	// channel means resubscribe.
	Subscribe(ctx context.Context, boardID string) (*State, <-chan *Change, error)

	// Summaries returns the summaries of the given boards, in that order,
	// leaving out boards that do not exist. Stores keep each board's
	// summary current with its commits, so that this does not load the
	// boards. The summaries may be shared with other callers: read-only.
	Summaries(ctx context.Context, boardIDs []string) ([]*Summary, error)

	// SaveExport stores an export's metadata and PDF, immutably.
	SaveExport(ctx context.Context, e *Export, pdf []byte) error
	// Export returns an export's metadata.
	Export(ctx context.Context, id string) (*Export, error)
	// ExportPDF returns an export's PDF bytes.
	ExportPDF(ctx context.Context, id string) ([]byte, error)
	// Exports returns the exports attached to a strategy, oldest first.
	Exports(ctx context.Context, strategyID string) ([]*Export, error)

	// Erasure. Deleting, and committing a ChangeErase (which also rewrites
	// the logged changes that name the erased, atomically with it), makes
	// the store purge its data files: within PurgeWithin the deleted bytes
	// are gone from disk, not only unlinked (the embedded store compacts
	// its file; the Redis store rewrites the append-only file).

	// DeleteBoard deletes a board with its change log, participants,
	// tokens, join code and exports. Its subscribers' channels close, and
	// Load, Subscribe and Commit answer ENotFound from then on, on every
	// node. ENotFound if there is no such board.
	DeleteBoard(ctx context.Context, boardID string) error
	// DeleteExports deletes the board's exports for which match returns
	// true (all of them with a nil match) and returns how many it deleted.
	DeleteExports(ctx context.Context, boardID string, match func(*Export) bool) (int, error)
	// Lease reports whether this process holds the lease name for ttl: of
	// several nodes asking while it runs, only one gets true. It keeps a
	// periodic job on one node.
	Lease(ctx context.Context, name string, ttl time.Duration) (bool, error)

	// AccountStore keeps the organizers' accounts, sessions and audit log.
	AccountStore
}
