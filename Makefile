# Anxin (安薪) — run `make help` for the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export ANXIN_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/anxin?sslmode=disable
export ANXIN_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
export ANXIN_DATA_DIR ?= $(CURDIR)/.data

SQLC_VERSION := v1.31.1
BIN := $(CURDIR)/bin
SQLC := $(BIN)/sqlc
GO_PKGS := ./...
# Test run limits: the whole suite must stay well under 15 minutes on 2 cores.
# Tests wait on Postgres and Temporal far more than on the CPU: four
# parallel tests per package keep two cores busy.
TEST_FLAGS ?= -count=1 -timeout 20m -parallel 4

.PHONY: help
help: ## Show this help
	@awk 'BEGIN {FS = ":.*##"; printf "Targets:\n"} /^[a-zA-Z_-]+:.*##/ {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: run
run: db ## Run the whole system on this machine (Postgres, embedded Temporal, worker, API on :8080, demo data)
	go run ./cmd/anxin dev

.PHONY: db
db: ## Make sure Postgres answers at ANXIN_DATABASE_URL (starts a private cluster when none does)
	@./scripts/pg-ensure.sh "$(ANXIN_DATABASE_URL)"

.PHONY: test-db
test-db:
	@./scripts/pg-ensure.sh "$(ANXIN_TEST_DATABASE_URL)"

.PHONY: test
test: test-db ## Run every test (real Postgres, real Temporal, real HTTP)
	go test $(TEST_FLAGS) $(GO_PKGS)

.PHONY: build
build: ## Build bin/anxin
	go build -o $(BIN)/anxin ./cmd/anxin

$(SQLC):
	@mkdir -p $(BIN)
	GOBIN=$(BIN) go install github.com/sqlc-dev/sqlc/cmd/sqlc@$(SQLC_VERSION)

.PHONY: tools
tools: $(SQLC) ## Install the pinned code generators into bin/

.PHONY: generate
generate: $(SQLC) ## Regenerate sqlc code from queries/ and db/migrations/
	$(SQLC) generate

.PHONY: verify
verify: $(SQLC) ## Fail when generated code is stale, code is unformatted, vet complains or go.mod is untidy
	$(SQLC) diff
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	go vet $(GO_PKGS)
	@tmp=$$(mktemp -d) && cp go.mod go.sum "$$tmp"/ && go mod tidy && \
	  if ! cmp -s go.mod "$$tmp/go.mod" || ! cmp -s go.sum "$$tmp/go.sum"; then \
	    echo "go.mod/go.sum are not tidy (run go mod tidy)"; cp "$$tmp"/go.mod "$$tmp"/go.sum .; exit 1; fi

.PHONY: fuzz
fuzz: ## Run each fuzz target for FUZZTIME (default 20s)
	@for t in FuzzParseResidentID FuzzParseCreditCode FuzzParsePhone FuzzParseBankCard; do \
	  go test ./ident -run '^$$' -fuzz "^$$t$$" -fuzztime $${FUZZTIME:-20s} || exit 1; done
	go test ./excel -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $${FUZZTIME:-20s}

.PHONY: seed-city
seed-city: db ## Load the city-scale synthetic data set into ANXIN_DATABASE_URL (must be empty)
	go run ./cmd/anxin seed --scale city

.PHONY: bench
bench: test-db ## Run the Go benchmarks (see docs/BENCHMARKS.md for the city-scale ones)
	go test -run '^$$' -bench . -benchmem $(GO_PKGS)

.PHONY: clean
clean: ## Remove build output (keeps .data)
	rm -rf $(BIN)/anxin
