# lakebook: `make run` to try it, `make test` to check it. See README.md.
SHELL := /bin/bash
GO ?= go
BIN := bin/lakebook
KERNEL := bin/lakebook-kernel
WORKSPACE ?= workspace
ADDR ?= 127.0.0.1:8080
DATA := node_modules/vega-datasets/data
GO_SOURCES := $(shell find . -name '*.go' -not -path './node_modules/*' -not -path './workspace/*' 2>/dev/null) go.mod go.sum
WEB_SOURCES := $(shell find web/src -type f 2>/dev/null) web/build.mjs package-lock.json

.PHONY: run build web templ test test-go test-web test-e2e deps chromium bench bench-tpch clean

run: build $(WORKSPACE)/data/flights-3m.parquet $(WORKSPACE)/data/airports.csv
	./$(BIN) serve --addr $(ADDR) --dir $(WORKSPACE)

build: $(BIN) $(KERNEL)

node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

deps: node_modules/.stamp

web/dist/app.js: node_modules/.stamp $(WEB_SOURCES)
	npm run --silent build

web: web/dist/app.js

templ:
	$(GO) tool templ generate -path web

$(BIN): web/dist/app.js $(GO_SOURCES)
	$(GO) tool templ generate -path web
	$(GO) build -o $(BIN) ./cmd/lakebook

# The Go kernel on its own, without cgo: the server runs it when it lies beside bin/lakebook.
$(KERNEL): $(GO_SOURCES)
	CGO_ENABLED=0 $(GO) build -o $(KERNEL) ./cmd/lakebook-kernel

$(WORKSPACE)/data/%: node_modules/.stamp
	mkdir -p $(WORKSPACE)/data
	cp $(DATA)/$* $@

# Browser tests drive Debian's Chromium: Playwright cannot download its own browser here.
chromium:
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -q chromium >/dev/null 2>&1 || { $$SUDO apt-get update -q && $$SUDO apt-get install -y -q chromium; }; }

test: build chromium test-go test-web test-e2e

test-go: build
	$(GO) vet ./...
	LAKEBOOK_BIN=$(CURDIR)/$(BIN) LAKEBOOK_DATA=$(CURDIR)/$(DATA) $(GO) test -count=1 -timeout 15m ./...

test-web: deps
	npm run --silent test:unit

test-e2e: build chromium
	LAKEBOOK_BIN=$(CURDIR)/$(BIN) LAKEBOOK_DATA=$(CURDIR)/$(DATA) npm run --silent test:e2e

bench: build bench-tpch
	LAKEBOOK_BIN=$(CURDIR)/$(BIN) $(GO) run ./bench/roundtrip
	LAKEBOOK_BIN=$(CURDIR)/$(BIN) LAKEBOOK_DATA=$(CURDIR)/$(DATA) $(GO) run ./bench/share
	LAKEBOOK_BIN=$(CURDIR)/$(BIN) LAKEBOOK_DATA=$(CURDIR)/$(DATA) node bench/results/main.mjs
	$(GO) test -run XXX -bench . -benchtime 20x ./kernels/... ./engine/...

# TPC-H SF1 as hive-partitioned Parquet in a local versitygw: lakebook cold and warm against
# DuckDB alone on the same files. SF=0.1 for a quick run.
SF ?= 1
bench-tpch:
	$(GO) run ./bench/tpch -sf $(SF) -runs 5

clean:
	rm -rf bin web/dist/app.js web/dist/app.css node_modules/.stamp
