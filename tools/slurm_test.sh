#!/usr/bin/env bash
# Slurm: tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args...]
set -euo pipefail
exec bash "$(dirname "$0")/misc/srun.sh" "$1" "$2" tools/test.py "$3" "$4" --launcher slurm "${@:5}"
