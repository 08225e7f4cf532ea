#!/usr/bin/env bash
# Distributed evaluation with torchrun: tools/dist_test.sh CONFIG CHECKPOINT NPROC [test.py args...]
set -euo pipefail
exec bash "$(dirname "$0")/misc/torchrun.sh" "$3" tools/test.py "$1" "$2" --launcher pytorch "${@:4}"
