#!/usr/bin/env bash
# Install the bmc_mmpose stack into a virtual environment and link it as ./.venv.
#
# Fresh machine: creates the venv, installs torch 2.14.1 + torchvision 0.29.1, builds full mmcv 2.1.0 (with
# compiled ops) from the PyPI source package once (~14 min on 2 cores) and caches the wheel, then installs
# mmengine, mmpose 1.3.2, mmdet 3.3.0 and this package in editable mode. Warm machine: reuses the cached venv
# and wheels and only re-links this checkout (seconds).
#
# Environment knobs:
#   BMC_PYTHON=/path/to/python   install into that existing interpreter/env instead of a managed venv (e.g. a
#                                conda env that already has a CUDA torch and possibly a prebuilt full mmcv);
#                                torch is then left as it is and mmcv is built only if `import mmcv.ops` fails.
#   BMC_CACHE=DIR                where the venv and built wheels live (default ~/.cache/bmc_mmpose).
#   BMC_MMCV_WHEEL=FILE          use this prebuilt mmcv 2.1.0 wheel instead of building one.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${BMC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bmc_mmpose}"
wheels="$cache/wheels"
mkdir -p "$wheels"
log() { printf '[install] %s\n' "$*" >&2; }
# The machine-wide pip config lists local indexes that may not exist everywhere; hide that noise only.
pip_q() { "$py" -m pip "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }

TORCH_SPEC=(torch==2.14.1 torchvision==0.29.1)
MMCV_VERSION=2.1.0
# mmpose 1.3.2's runtime requirements minus chumpy (declared, never imported, does not build);
# mmdet 3.3.0's (imported by mmpose.models) are pycocotools, shapely, terminaltables, tqdm.
RUNTIME_DEPS=(mmengine==0.10.7 "numpy>=1.24" scipy opencv-python matplotlib json_tricks munkres pillow six
              pycocotools shapely terminaltables tqdm pytest hypothesis
              onnx onnxruntime)  # ONNX export (tools/deployment/pytorch2onnx.py) and its onnxruntime backend

stamp_key="$(cat "$repo/tools/install.sh" | sha1sum | cut -c1-12)"

if [[ -n "${BMC_PYTHON:-}" ]]; then
  py="$BMC_PYTHON"
  managed=0
else
  venv="$cache/venv"
  py="$venv/bin/python"
  managed=1
fi

if [[ $managed == 1 && -f "$cache/venv/.bmc_stamp" && "$(cat "$cache/venv/.bmc_stamp")" == "$stamp_key" ]]; then
  log "reusing $cache/venv (stack already installed)"
else
  if [[ $managed == 1 ]]; then
    if [[ ! -x "$py" ]]; then
      log "creating venv $venv"
      python3 -m venv "$venv"
    fi
    pip_q install -q --upgrade "pip<26" "setuptools>=69,<80" wheel
    if ! "$py" -c 'import torch, torchvision' 2>/dev/null; then
      log "installing ${TORCH_SPEC[*]}"
      pip_q install -q "${TORCH_SPEC[@]}"
    fi
  else
    "$py" -c 'import torch, torchvision' || { echo "BMC_PYTHON=$py needs torch and torchvision installed" >&2; exit 1; }
    pip_q install -q "setuptools>=69,<80" wheel
  fi
  pip_q install -q "${RUNTIME_DEPS[@]}" cython ninja

  # Full mmcv with compiled ops (mmpose.models imports mmcv.ops).
  if ! "$py" -c 'import mmcv, mmcv.ops; assert mmcv.__version__ == "'$MMCV_VERSION'"' 2>/dev/null; then
    torch_tag="$("$py" -c 'import torch; print(torch.__version__.replace("+", "_"))')"
    wheel_dir="$wheels/mmcv-$MMCV_VERSION-torch$torch_tag"
    mkdir -p "$wheel_dir"
    whl="${BMC_MMCV_WHEEL:-$(ls "$wheel_dir"/mmcv-$MMCV_VERSION-*.whl 2>/dev/null | head -n1 || true)}"
    if [[ -z "$whl" ]]; then
      log "building mmcv $MMCV_VERSION with ops from source for torch $torch_tag (about 14 min on 2 cores)"
      src="$(mktemp -d)"
      pip_q download -q --no-deps --no-binary :all: --no-build-isolation "mmcv==$MMCV_VERSION" -d "$src"
      tar -xzf "$src"/mmcv-$MMCV_VERSION.tar.gz -C "$src"
      # torch >= 2.14 headers require C++20; mmcv 2.1.0 hard-codes c++14/c++17.
      sed -i -e 's/-std=c++14/-std=c++20/g' -e 's/-std=c++17/-std=c++20/g' "$src/mmcv-$MMCV_VERSION/setup.py"
      (cd "$src/mmcv-$MMCV_VERSION" && MMCV_WITH_OPS=1 MAX_JOBS="$(nproc)" \
        pip_q wheel -q --no-build-isolation --no-deps . -w "$wheel_dir")
      rm -rf "$src"
      whl="$(ls "$wheel_dir"/mmcv-$MMCV_VERSION-*.whl | head -n1)"
    fi
    log "installing $whl"
    pip_q install -q --no-deps "$whl"
    pip_q install -q addict packaging pyyaml yapf
  fi

  # xtcocotools: PyPI wheels are built against numpy 1; build against the installed numpy, cached.
  if ! "$py" -c 'import xtcocotools.coco' 2>/dev/null; then
    np_tag="$("$py" -c 'import numpy; print(numpy.__version__)')"
    xdir="$wheels/xtcocotools-numpy$np_tag"
    mkdir -p "$xdir"
    if ! ls "$xdir"/xtcocotools-*.whl >/dev/null 2>&1; then
      log "building xtcocotools against numpy $np_tag"
      pip_q wheel -q --no-deps --no-binary xtcocotools --no-build-isolation xtcocotools -w "$xdir"
    fi
    pip_q install -q --no-deps "$xdir"/xtcocotools-*.whl
  fi

  # mmpose pulls chumpy (does not build) and mmdet pulls an mmcv range: install both without deps.
  pip_q install -q --no-deps mmpose==1.3.2 mmdet==3.3.0
  [[ $managed == 1 ]] && echo "$stamp_key" > "$venv/.bmc_stamp"
fi

log "installing bmc_mmpose (editable) from $repo"
pip_q install -q --no-deps --no-build-isolation -e "$repo"
"$py" - <<'PY'
import mmcv, mmcv.ops, mmengine, mmpose, mmpose.models, torch, bmc_mmpose  # noqa: F401
print(f'[install] ok: torch {torch.__version__}, mmcv {mmcv.__version__} (ops), mmengine {mmengine.__version__}, '
      f'mmpose {mmpose.__version__}, bmc_mmpose {bmc_mmpose.__version__}')
PY
if [[ $managed == 1 ]]; then
  ln -sfn "$cache/venv" "$repo/.venv"
  log "python: $repo/.venv/bin/python"
fi
