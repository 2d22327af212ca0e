#!/usr/bin/env bash
# Shared set-up for ./run.sh and ./test.sh: installs what is missing, builds the native
# FAISS shim and the .NET solution. Sourced, so it sets REPO_ROOT and CONFIGURATION.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONFIGURATION="${CONFIGURATION:-Release}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

# Debian packages the service, its native shim and its tests need.
APT_PACKAGES=(cmake g++ libfaiss-dev libopenblas-dev libgomp1 redis-server fonts-noto-color-emoji fonts-dejavu-core chromium)
ensure_apt_packages() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}

build_native() {
  if [ -x "$REPO_ROOT/kernels/faiss/build.sh" ]; then
    "$REPO_ROOT/kernels/faiss/build.sh" >&2
  fi
}

build_dotnet() {
  log "building the solution ($CONFIGURATION)"
  dotnet build "$REPO_ROOT/Diffusion.sln" -c "$CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly >&2
}

setup_all() {
  [ "${DIFFUSION_SKIP_SETUP:-0}" = 1 ] && return 0
  ensure_apt_packages
  build_native
  build_dotnet
}
