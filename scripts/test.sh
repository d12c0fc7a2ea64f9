#!/usr/bin/env bash
# Set up and run the whole test suite, plus lint and type checks.
# Installs the system packages the tests drive for real: redis-server and Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! command -v redis-server >/dev/null || ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server chromium >/dev/null
  else
    echo "warning: redis-server/chromium missing and not root; the tests that need them will fail" >&2
  fi
fi
. .venv/bin/activate
. scripts/env.sh
bash scripts/audit.sh
ruff check src tests benchmarks examples
mypy
python -c 'import importlib.metadata as m; print("newest set:", ", ".join(f"{n} {m.version(n)}" for n in ("langchain-core", "langchain", "langchain-openai", "langchain-chroma", "langgraph", "openai")))'
python -m pytest "$@"
# The LangChain compatibility tests again, on the oldest versions pyproject.toml allows.
# RAGFORT_OLDEST=0 skips them (a quick local run).
if [ "${RAGFORT_OLDEST:-1}" != 0 ]; then
  bash scripts/test_oldest.sh
fi
