#!/usr/bin/env bash
# The LangChain compatibility tests against the OLDEST LangChain family pyproject.toml allows
# (ci/constraints-oldest.txt); scripts/test.sh runs them after the main suite (the newest set).
#
# .venv-oldest holds only that family and the few packages whose ranges differ from the main
# venv's (openai, packaging, langgraph's checkpoint/prebuilt/sdk); everything heavy (torch,
# chromadb, spaCy, Presidio) comes from .venv through a .pth file that site processes after
# this venv's own site-packages, so the old pins win. Built once, rebuilt when the constraints
# or this script change (about 10 s, a few MB). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-oldest
CONSTRAINTS=ci/constraints-oldest.txt
FAMILY=(langchain-core langchain langchain-openai langchain-chroma langgraph openai)
TESTS=(tests/integrations/test_compat_matrix.py tests/integrations/test_openai_http.py tests/integrations/test_langchain.py)

main_site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
want=$( (cat "$CONSTRAINTS" "$0"; echo "$main_site") | sha256sum | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.ragfort-stamp" 2>/dev/null)" != "$want" ]; then
  rm -rf "$VENV"
  .venv/bin/python -m venv "$VENV"
  printf '*\n' >"$VENV/.gitignore"  # the folder ignores itself
  own_site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  # addsitedir appends (after this venv's site-packages) and processes .venv's own .pth files.
  echo "import site; site.addsitedir('$main_site')" >"$own_site/zz-ragfort-main-venv.pth"
  # pip sees .venv's packages as installed: it fetches only what the old pins need, and leaves
  # .venv alone ("Not uninstalling ..., outside environment").
  if ! "$VENV/bin/python" -m pip install -q --disable-pip-version-check -c "$CONSTRAINTS" "${FAMILY[@]}" \
    >"$VENV/pip-install.log" 2>&1; then
    cat "$VENV/pip-install.log" >&2
    exit 1
  fi
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps -e .
  # venv's own setuptools 65 would shadow .venv's (torch needs >=77); every pin must still agree.
  "$VENV/bin/python" -m pip uninstall -q -y setuptools
  "$VENV/bin/python" -m pip check --disable-pip-version-check
  echo "$want" >"$VENV/.ragfort-stamp"
fi

. scripts/env.sh
"$VENV/bin/python" - "$CONSTRAINTS" "${FAMILY[@]}" <<'PY'
import importlib.metadata as md
import sys

path, names = sys.argv[1], sys.argv[2:]
pins = dict(line.split("==") for line in open(path) if "==" in line and not line.startswith("#"))
got = {n: md.version(n) for n in names}
print("oldest set:", ", ".join(f"{n} {v}" for n, v in got.items()))
wrong = {n: (v, pins[n].strip()) for n, v in got.items() if n in pins and v != pins[n].strip()}
if wrong:
    sys.exit(f"the oldest set did not win over .venv's packages: {wrong}")
PY
"$VENV/bin/python" -m pytest -q -p no:cacheprovider "${TESTS[@]}" "$@"
