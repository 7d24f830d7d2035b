#!/usr/bin/env bash
# Set up Kesu in this checkout: .venv/, Python and npm packages, Debian packages where a feature
# needs them, static files, the database and the reference data. Safe and quick to run again.
#   scripts/setup.sh          the application (used by scripts/demo.sh)
#   scripts/setup.sh --test   the application plus test tools and the browser (scripts/test.sh)
# The samplics cross-check is opt-in: .venv/bin/pip install -c requirements/test.txt -e ".[crosscheck]"
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=app
[ "${1:-}" = "--test" ] && MODE=test

say() { printf '\033[1;34m[kesu]\033[0m %s\n' "$*"; }
warn() { printf '\033[1;33m[kesu] 注意：\033[0m%s\n' "$*" >&2; }

find_python() {
  for candidate in "${PYTHON:-}" python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "需要 Python 3.11（找不到 python3.11）。请先安装，例如 apt-get install python3.11 python3.11-venv" >&2
  return 1
}

apt_install() {
  # Debian packages some features need. Without apt or root we say what is missing and go on.
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && sudo="sudo -n"
  if ! command -v apt-get >/dev/null 2>&1 || { [ "$(id -u)" -ne 0 ] && [ -z "$sudo" ]; }; then
    warn "无法自动安装 Debian 软件包（没有 apt-get 或没有 root 权限）：${missing[*]}"
    warn "请管理员运行：apt-get install ${missing[*]}"
    return 0
  fi
  say "安装 Debian 软件包：${missing[*]}"
  if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/tmp/kesu-apt.log 2>&1; then
    warn "apt-get 安装失败（详见 /tmp/kesu-apt.log）：${missing[*]}"
  fi
}

PY=$(find_python)
if [ ! -x .venv/bin/python ]; then
  say "创建虚拟环境 .venv/"
  "$PY" -m venv .venv
fi

# Exact versions from the lock (scripts/lock.sh writes it from pyproject.toml), then Kesu itself
# without resolving again: a fresh install gets the same packages as the last one that passed.
lockfile="requirements/$MODE.txt"
stamp=".venv/.kesu-pip-$MODE"
want="$(cat "$lockfile" pyproject.toml | sha256sum | cut -c1-16)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "安装 Python 依赖（pip，$lockfile）"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r "$lockfile"
  .venv/bin/python -m pip install -q --no-deps -e .
  echo "$want" > "$stamp"
fi

npm_stamp="node_modules/.kesu-npm"
npm_want="$(sha256sum package-lock.json | cut -c1-16)"
if [ "$(cat "$npm_stamp" 2>/dev/null)" != "$npm_want" ]; then
  command -v npm >/dev/null 2>&1 || { echo "需要 Node.js 和 npm（用于安装前端库与行政区划数据）" >&2; exit 1; }
  say "安装前端库与行政区划数据（npm ci）"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$npm_want" > "$npm_stamp"
fi

# LibreOffice converts .doc/.wps plans; CJK fonts render Chinese in exported documents and screenshots.
apt_install fonts-noto-cjk libreoffice-writer-nogui
if [ "$MODE" = test ]; then
  apt_install chromium r-cran-survey r-cran-mass  # MASS: survey::calibrate() needs it
fi

mkdir -p var
.venv/bin/kesu collectstatic --noinput -v0
