#!/usr/bin/env bash
# Slurm launch of one tool of this checkout, shared by tools/slurm_train.sh and tools/slurm_test.sh:
#   tools/misc/srun.sh PARTITION JOB_NAME SCRIPT [SCRIPT args...]
# GPUS (total), GPUS_PER_NODE, CPUS_PER_TASK and SRUN_ARGS come from the environment, as in MMPose.
set -euo pipefail
PARTITION=$1
JOB_NAME=$2
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
PYTHON=${PYTHON:-python}
cd "$(dirname "$0")/../.."
srun -p "$PARTITION" --job-name="$JOB_NAME" --gres=gpu:"$GPUS_PER_NODE" --ntasks="$GPUS" \
  --ntasks-per-node="$GPUS_PER_NODE" --cpus-per-task="$CPUS_PER_TASK" --kill-on-bad-exit=1 $SRUN_ARGS \
  "$PYTHON" -u "${@:3}"
