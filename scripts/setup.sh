#!/usr/bin/env bash
# Shared set-up for ./run.sh and ./test.sh: installs what is missing, builds the native
# FAISS shim and the .NET solution. Sourced, so it sets REPO_ROOT and CONFIGURATION.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONFIGURATION="${CONFIGURATION:-Release}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

# Debian packages the service, its native shim and its tests need.
APT_PACKAGES=(cmake g++ libfaiss-dev libopenblas-dev libgomp1 libicu72 redis-server haproxy fonts-noto-color-emoji fonts-dejavu-core chromium)
ensure_apt_packages() {
  local missing=()
  local installed
  # dpkg-query exits 1 when a package is unknown to dpkg (never installed); that is the case to handle, not an error
  installed="$( { dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${APT_PACKAGES[@]}" 2>/dev/null || true; } | awk '$2 == "installed" { print $1 }')"
  for p in "${APT_PACKAGES[@]}"; do
    grep -qx "$p" <<<"$installed" || missing+=("$p")
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

# Written after a successful build with the time the build started: while no source is newer, the
# build is skipped, so ./run.sh on a built checkout answers in about a second.
BUILD_STAMP="$REPO_ROOT/src/Diffusion.Cli/bin/$CONFIGURATION/.build-stamp"
BUILD_INPUTS=(src tests kernels web Directory.Build.props Directory.Packages.props Diffusion.sln)
sources_changed_since_build() {
  [ -f "$BUILD_STAMP" ] || return 0
  [ -f "$REPO_ROOT/kernels/faiss/build/libdiffusion_faiss.so" ] || return 0
  local changed
  changed="$(cd "$REPO_ROOT" && find "${BUILD_INPUTS[@]}" \( -name bin -o -name obj -o -name build -o -name TestResults -o -name node_modules \) -prune \
    -o -type f -newer "$BUILD_STAMP" -print -quit 2>/dev/null)"
  [ -n "$changed" ]
}

setup_all() {
  [ "${DIFFUSION_SKIP_SETUP:-0}" = 1 ] && return 0
  ensure_apt_packages
  sources_changed_since_build || return 0
  local started; started="$(mktemp)"
  build_native
  build_dotnet
  touch -r "$started" "$BUILD_STAMP"
  rm -f "$started"
}
