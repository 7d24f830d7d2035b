#!/usr/bin/env bash
# Set up with the test tools and run the whole suite (unit, integration, browser) plus lint and
# types. Runs on SQLite, or on PostgreSQL when DATABASE_URL is set. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
echo "[kesu] 数据库：${DATABASE_URL:-SQLite（默认）}"
.venv/bin/ruff check src tests benchmarks conftest.py
.venv/bin/ruff format --check src tests benchmarks conftest.py
.venv/bin/mypy src tests conftest.py
.venv/bin/pytest "$@"
