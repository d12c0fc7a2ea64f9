#!/usr/bin/env bash
# The main job: set up, index the bundled help center, serve the support agent.
# Open http://127.0.0.1:8000/ for the chat page. Extra arguments go to `ragfort serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
. scripts/env.sh
ragfort ingest examples/help_center --index .ragfort/index
exec ragfort serve --index .ragfort/index "$@"
