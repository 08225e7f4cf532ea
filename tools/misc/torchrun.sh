#!/usr/bin/env bash
# torchrun of one tool of this checkout, shared by tools/dist_train.sh and tools/dist_test.sh:
#   tools/misc/torchrun.sh NPROC SCRIPT [SCRIPT args...]
# Multi-node: set NNODES, NODE_RANK, MASTER_ADDR (and PORT) on every node. Without CUDA, ranks use gloo.
set -euo pipefail
NPROC=$1
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
PYTHON=${PYTHON:-python}
cd "$(dirname "$0")/../.."
exec "$PYTHON" -m torch.distributed.run --nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" \
  --nproc_per_node="$NPROC" --master_port="$PORT" "${@:2}"
