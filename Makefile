# Thin wrapper for people coming from the Go project: every target calls an npm script.
.PHONY: ready test test-race test-stress bench bench-balancer build run run-debug demo help

ready: ## Format check, lint, typecheck and tests
	npm run ready
test: ## Run all tests
	npm test
test-race: ## Node has no race detector; runs the tests
	npm test
test-stress: ## Bounded stress and chaos runs
	npm run test:stress
bench: ## Proxy benchmarks against the mock backend and reference proxies
	npm run bench
bench-balancer: ## Balancer selection benchmarks
	npm run bench:balancer
build: ## Compile TypeScript to dist/
	npm run build
run: ## Start Olla with config/config.yaml
	npm start
run-debug: ## Start Olla with debug logging
	npm run start:debug
demo: ## Two mock backends and Olla in front of them
	npm run demo
help: ## Show all targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'
