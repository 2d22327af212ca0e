#!/usr/bin/env bash
# Builds kernels/faiss/build/libdiffusion_faiss.so when it is missing or older than a source file.
# Progress goes to stderr. Needs Debian's cmake, g++, libfaiss-dev and libopenblas-dev.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD="$HERE/build"
LIB="$BUILD/libdiffusion_faiss.so"

say() { printf '[faiss-shim] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

FAISS_A=/usr/lib/x86_64-linux-gnu/libfaiss.a
[ -f "$FAISS_A" ] || [ -n "$(find /usr/lib /usr/local/lib -name libfaiss.a -print -quit 2>/dev/null)" ] \
  || die "libfaiss.a not found: apt-get install libfaiss-dev"
[ -f /usr/include/faiss/Index.h ] || [ -f /usr/local/include/faiss/Index.h ] \
  || die "FAISS headers not found: apt-get install libfaiss-dev"
[ -n "$(find /usr/lib /usr/local/lib -name 'libopenblas.so*' -print -quit 2>/dev/null)" ] \
  || die "OpenBLAS not found: apt-get install libopenblas-dev"
command -v cmake >/dev/null || die "cmake not found: apt-get install cmake"
command -v g++ >/dev/null || die "g++ not found: apt-get install g++"

if [ -f "$LIB" ]; then
  newer="$(find "$HERE" -maxdepth 1 -type f \( -name '*.cpp' -o -name '*.h' -o -name CMakeLists.txt \) -newer "$LIB" -print -quit)"
  if [ -z "$newer" ]; then
    say "up to date: $LIB"
    exit 0
  fi
  say "rebuilding: $newer is newer than $LIB"
else
  say "building $LIB"
fi

cmake -S "$HERE" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >&2
cmake --build "$BUILD" --parallel 2 >&2
[ -f "$LIB" ] || die "the build finished without producing $LIB"
say "built $LIB"
