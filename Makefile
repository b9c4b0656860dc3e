# Processkarta: `make run` serves on http://localhost:8080 with the embedded
# store; `make test` installs what the tests need, then runs every test.

GO        ?= go
BIN       := bin/processkarta
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: run build key test chaos deps lint bench fuzz load soak clean

build:
	$(GO) build -o $(BIN) ./cmd/processkarta
	$(GO) build -o bin/pkload ./cmd/pkload

run: build
	./$(BIN)

key: build
	./$(BIN) -show-organizer-key

# deps installs the programs the tests run for real: redis-server (started
# by the tests on free ports), Chromium (browser tests), qpdf and poppler
# (PDF checks), Node.js (the client's unit tests) and npm (fetches axe-core
# for the accessibility audit). It only calls apt-get for what is missing.
deps:
	@missing=""; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v qpdf >/dev/null || missing="$$missing qpdf"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

test: deps
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed on:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	$(GO) test -race -count=1 -timeout 20m ./...

# chaos runs the fault tests of docs/security.md ("Fault tests"): kill -9
# of a server on either store and of one of two nodes, kill -9 and SIGSTOP
# of redis-server, a client that never reads, damaged data files, and the
# attacks of issue 10 against a real server process. `make test` runs them
# too.
chaos: deps
	$(GO) test -count=1 -timeout 10m -run 'Kill9|RedisStall|NeverReads|DamagedStoreFile|OneParticipantCannotExhaustMemory|OneTokenCannotBlockTheBoard|Attack' -v ./cmd/processkarta
	$(GO) test -count=1 -timeout 5m -run 'TestSlowConsumerIsDroppedNotWaitedOn|TestRedisKilledAndRestarted' -v ./server

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

bench:
	$(GO) test -run '^$$' -bench . -benchtime 2s ./board/... ./export/... ./server/...

# fuzz runs each fuzz target for a short while; longer with FUZZTIME=5m.
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzPrepareOps$$' -fuzztime $(FUZZTIME) ./board
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeClientMsg$$' -fuzztime $(FUZZTIME) ./server
	$(GO) test -run '^$$' -fuzz '^FuzzAPI$$' -fuzztime $(FUZZTIME) ./server
	$(GO) test -run '^$$' -fuzz '^FuzzRender$$' -fuzztime $(FUZZTIME) ./export
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./export/bpmn
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./export/drawio

# load runs the load scenarios of docs/performance.md on this machine.
load:
	bash cmd/pkload/loadbench.sh

# soak puts 200 clients editing on a real server process for SOAK (a Go
# duration, default 30m) and fails if its memory or goroutines grow after
# the warm-up (TestSoak in cmd/processkarta; docs/performance.md). It is
# not part of `make test`, where it would take half an hour.
SOAK ?= 30m
soak:
	PROCESSKARTA_SOAK=$(SOAK) $(GO) test -count=1 -timeout 24h -run '^TestSoak$$' -v ./cmd/processkarta

clean:
	rm -rf bin
