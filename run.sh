#!/usr/bin/env bash
# ./run.sh            set up, build, and serve on 127.0.0.1:5000 with the shipped models
# ./run.sh <command>  run the CLI: generate, replay, eval, bench, ... (./run.sh --help)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/scripts/setup.sh"
setup_all
cd "$REPO_ROOT"
exec dotnet "src/Diffusion.Cli/bin/$CONFIGURATION/net10.0/diffusion.dll" "$@"
