# The two commands of the README: `make run` and `make test`. Both set everything up first.
.PHONY: setup run test lint bench

setup:
	@./scripts/setup.sh

run: setup
	.venv/bin/parley index
	.venv/bin/parley serve

test: setup
	@./scripts/postgres.sh
	.venv/bin/ruff check .
	.venv/bin/pytest

bench: setup
	.venv/bin/python benchmarks/ask_latency.py
