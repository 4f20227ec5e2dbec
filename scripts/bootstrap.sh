#!/usr/bin/env bash
# Set up everything Accord needs on a brand-new Debian machine: system packages (apt-get, only
# those missing) and a virtual environment in .venv with the pinned Python packages.
# Idempotent and quick when nothing changed: the venv is rebuilt only when pyproject.toml changes.
set -euo pipefail
cd "$(dirname "$0")/.."

# --- system packages -------------------------------------------------------------------------
mapfile -t wanted < <(grep -v '^\s*#' scripts/apt-packages.txt | sed '/^\s*$/d')
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# --- Python environment ----------------------------------------------------------------------
PY=${PYTHON:-python3}
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
  || { echo "bootstrap: Python >= 3.11 is required (found $("$PY" --version))" >&2; exit 2; }
stamp=.venv/.accord-installed
want=$(sha256sum pyproject.toml | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "bootstrap: creating .venv and installing Python packages (first run takes a few minutes)"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# torch is pinned to the CPU build that lies on this machine kind's disk; pip finds it there.
.venv/bin/python -m pip install -q -e ".[dev]"
# Resemblyzer (upload screening's voice similarity; Apache-2.0, its weights are in the wheel) is
# installed without its declared dependencies: they name `webrtcvad`, whose sdist imports
# pkg_resources (gone from current setuptools) and collides with `webrtcvad-wheels`, which
# pyproject.toml pins instead (same module). Its other needs (torch, librosa, numpy, scipy) are
# pinned there too.
.venv/bin/python -m pip install -q --no-deps "resemblyzer==0.1.4"
echo "$want" > "$stamp"
