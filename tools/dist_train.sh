#!/usr/bin/env bash
# Distributed training with torchrun: tools/dist_train.sh CONFIG NPROC [train.py args...]
# Multi-node: set NNODES, NODE_RANK, MASTER_ADDR (and PORT) on every node. Without CUDA, ranks use gloo.
set -euo pipefail
exec bash "$(dirname "$0")/misc/torchrun.sh" "$2" tools/train.py "$1" --launcher pytorch "${@:3}"
