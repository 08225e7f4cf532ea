#!/usr/bin/env bash
# Slurm: tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [train.py args...]
# GPUS (total), GPUS_PER_NODE, CPUS_PER_TASK and SRUN_ARGS come from the environment, as in MMPose.
set -euo pipefail
exec bash "$(dirname "$0")/misc/srun.sh" "$1" "$2" tools/train.py "$3" --work-dir="$4" --launcher slurm "${@:5}"
