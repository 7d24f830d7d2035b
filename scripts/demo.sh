#!/usr/bin/env bash
# The demo: set everything up, load the demo data (kept between runs) and serve
# http://127.0.0.1:8000 with a background worker. Stop with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# As production runs (DEBUG off, static files through whitenoise, Kesu's own Chinese 403/404 pages),
# only over plain HTTP on this machine.
export DEBUG=0 KESU_DEMO=1 SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 \
  SECURE_HSTS_SECONDS=0 SECURE_HSTS_PRELOAD=0
.venv/bin/kesu migrate --noinput -v0
.venv/bin/kesu collectstatic --noinput -v0
.venv/bin/kesu setup_demo
.venv/bin/kesu db_worker --interval 1 >var/worker.log 2>&1 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT
echo
echo "科素演示已启动：http://127.0.0.1:${PORT:-8000}/   （后台任务日志：var/worker.log）"
.venv/bin/kesu runserver "127.0.0.1:${PORT:-8000}"
