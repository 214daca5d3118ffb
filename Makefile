# hookmesh — every command a developer or CI needs. `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO ?= go
TOOLS_BIN := $(CURDIR)/.tools/bin
export PATH := $(TOOLS_BIN):$(PATH)

# Pinned tool versions: buf and its local plugins (the schema registry is not
# reachable, so nothing is remote), and grpcurl for poking the APIs.
BUF_VERSION                := v1.75.0
PROTOC_GEN_GO_VERSION      := v1.36.12
PROTOC_GEN_GO_GRPC_VERSION := v1.6.0
GRPC_GATEWAY_VERSION       := v2.33.0
PROTOC_GEN_GO_VTPROTO_VERSION := v0.6.1-0.20240319094008-0393e58bdf10
GRPCURL_VERSION            := v1.9.4

# Every Go module of the workspace (go.work).
MODULES := gen services/internal services/edge services/normalizer services/ledger services/dispatcher services/hookmesh examples tests bench
SERVICES := edge normalizer ledger dispatcher

# Tests use their own schemas and databases inside this server.
export TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
# make run-services' database: created by the ledger when missing. (make run
# uses DATABASE_URL when set, else the embedded store under ./data.)
PG_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/hookmesh?sslmode=disable)
FUZZTIME ?= 30s

TOOL_STAMPS := $(TOOLS_BIN)/.buf-$(BUF_VERSION) $(TOOLS_BIN)/.protoc-gen-go-$(PROTOC_GEN_GO_VERSION) \
	$(TOOLS_BIN)/.protoc-gen-go-grpc-$(PROTOC_GEN_GO_GRPC_VERSION) \
	$(TOOLS_BIN)/.protoc-gen-grpc-gateway-$(GRPC_GATEWAY_VERSION) \
	$(TOOLS_BIN)/.protoc-gen-openapiv2-$(GRPC_GATEWAY_VERSION) $(TOOLS_BIN)/.grpcurl-$(GRPCURL_VERSION) \
	$(TOOLS_BIN)/.protoc-gen-go-vtproto-$(PROTOC_GEN_GO_VTPROTO_VERSION)

.PHONY: help
help: ## Show this list (coloured only on a terminal).
	@if [ -t 1 ]; then on='\033[36m'; off='\033[0m'; else on=; off=; fi; \
	  awk -v on="$$on" -v off="$$off" 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %s%-16s%s %s\n", on, $$1, off, $$2}' $(MAKEFILE_LIST)

.PHONY: tools
tools: $(TOOL_STAMPS) ## Install the pinned code-generation tools into .tools/bin.

$(TOOLS_BIN)/.buf-%:
	GOBIN=$(TOOLS_BIN) $(GO) install github.com/bufbuild/buf/cmd/buf@$*
	@touch $@
$(TOOLS_BIN)/.protoc-gen-go-%:
	GOBIN=$(TOOLS_BIN) $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@$*
	@touch $@
$(TOOLS_BIN)/.protoc-gen-go-grpc-%:
	GOBIN=$(TOOLS_BIN) $(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@$*
	@touch $@
$(TOOLS_BIN)/.protoc-gen-grpc-gateway-%:
	GOBIN=$(TOOLS_BIN) $(GO) install github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-grpc-gateway@$*
	@touch $@
$(TOOLS_BIN)/.protoc-gen-go-vtproto-%:
	GOBIN=$(TOOLS_BIN) $(GO) install github.com/planetscale/vtprotobuf/cmd/protoc-gen-go-vtproto@$*
	@touch $@
$(TOOLS_BIN)/.protoc-gen-openapiv2-%:
	GOBIN=$(TOOLS_BIN) $(GO) install github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-openapiv2@$*
	@touch $@
$(TOOLS_BIN)/.grpcurl-%:
	GOBIN=$(TOOLS_BIN) $(GO) install github.com/fullstorydev/grpcurl/cmd/grpcurl@$*
	@touch $@

# Generated outside gen/: the admin REST API's OpenAPI description, in the
# edge package that embeds it (go:embed cannot reach another module's files).
GENERATED := gen/ services/edge/internal/openapi/spec/

.PHONY: generate
generate: tools ## Regenerate gen/ (and the OpenAPI description) from proto/ with buf.
	buf generate

.PHONY: check-generate
check-generate: generate ## Fail when gen/ (or the OpenAPI description) differs from what proto/ generates.
	@git diff --exit-code --stat -- $(GENERATED) || { echo "generated files are stale ($(GENERATED)): run 'make generate' and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- $(GENERATED))" || { git status --porcelain -- $(GENERATED); echo "untracked generated files: run 'make generate' and commit"; exit 1; }

BREAKING_AGAINST ?= .git\#branch=main
.PHONY: breaking
breaking: tools ## Check proto/ for wire or JSON breaking changes against BREAKING_AGAINST (default: main).
	buf breaking --against '$(BREAKING_AGAINST)'

.PHONY: lint
lint: tools ## buf lint, gofmt and go vet on every module.
	buf lint
	@bad=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^gen/') 2>/dev/null); \
	  test -z "$$bad" || { echo "gofmt needed: $$bad"; exit 1; }
	@for m in $(MODULES); do (cd $$m && $(GO) vet ./...); done

.PHONY: build
build: ## Build the service binaries, the example consumer and hookmesh into bin/.
	@mkdir -p bin
	@for s in $(SERVICES); do $(GO) build -o bin/$$s ./services/$$s/cmd/$$s; done
	@$(GO) build -o bin/consumer ./examples/consumer/cmd/consumer
	@$(GO) build -o bin/hookmesh ./services/hookmesh/cmd/hookmesh

# -timeout only catches a hung package: a busy 2-core machine runs the end-to-end packages several
# times slower than a quiet one, and a package that is merely slow must not fail.
.PHONY: test
test: check-generate lint ## Run every test: unit, golden, fuzz seeds, PostgreSQL, end to end.
	@failed=""; \
	for m in $(MODULES); do \
	  echo "== $$m"; \
	  (cd $$m && $(GO) test -count=1 -timeout 20m ./...) || failed="$$failed $$m"; \
	done; \
	if [ -n "$$failed" ]; then echo "make test: FAILED in:$$failed (each module's output above)"; exit 1; fi; \
	echo "make test: every module passed"

.PHONY: chaos
chaos: ## Long chaos run: kill every service in turn and restart PostgreSQL under load, then reconcile.
	cd tests && CHAOS_LONG=1 $(GO) test -count=1 -v -timeout 30m -run TestChaos ./chaos/

.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZTIME each (default 30s).
	@for m in $(MODULES); do \
	  for pkg in $$(cd $$m && $(GO) list ./...); do \
	    for f in $$(cd $$m && $(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	      echo "== $$pkg $$f"; (cd $$m && $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg); \
	    done; \
	  done; \
	done

.PHONY: run
run: ## Start the whole system in one process (embedded storage unless DATABASE_URL is set).
	@mkdir -p bin
	$(GO) build -o bin/hookmesh ./services/hookmesh/cmd/hookmesh
	bin/hookmesh run

.PHONY: run-services
run-services: build ## Start each service as its own process, on PostgreSQL (DATABASE_URL).
	DATABASE_URL='$(PG_DATABASE_URL)' scripts/run.sh

.PHONY: demo
demo: ## Start the system, send one webhook per platform, show each normalized and delivered, stop.
	$(GO) run ./services/hookmesh/cmd/hookmesh demo

.PHONY: bench
bench: ## Benchmark hookmesh (services, and `hookmesh run` on PostgreSQL and SQLite) against the baseline (BENCH_SHORT=1: 3-4 minutes; BENCH_SYSTEMS to pick); see bench/README.md.
	cd bench && BENCH_SHORT='$(BENCH_SHORT)' $(GO) run ./cmd/bench

.PHONY: clean
clean: ## Remove build outputs and installed tools.
	rm -rf bin .tools
