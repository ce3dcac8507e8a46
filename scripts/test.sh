#!/usr/bin/env bash
# The README's second command: install what the tests need, then lint, type-check and test.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
python3 -m ruff check .
python3 -m mypy
python3 -m pytest -q "$@"
