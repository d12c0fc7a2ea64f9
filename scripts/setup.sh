#!/usr/bin/env bash
# Create .venv and install ragfort with everything it needs, offline-safe at run time.
# torch goes first and pinned: the CPU build of 2.13.0 is what this machine serves;
# an unpinned torch pulls a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -c "import torch" 2>/dev/null || python -m pip install -q torch==2.13.0
python -m pip install -q -e ".[dev]"
# Export MiniLM to ONNX once now (ragfort.embeddings), not inside the first request.
python -c "import ragfort._offline; from ragfort.embeddings import get_embedder; print('embeddings backend:', get_embedder().backend)"
