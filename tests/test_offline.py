"""Importing ragfort keeps every library offline, unless the user already chose otherwise.

Each case runs in a fresh interpreter: the variables are set at import time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from ragfort._offline import OFFLINE_ENV

_PROBE = (
    "import json, os, ragfort._offline\nprint(json.dumps({k: os.environ.get(k) for k in ragfort._offline.OFFLINE_ENV}))"
)


def _environment_after_import(**preset: str) -> dict[str, str | None]:
    env = {k: v for k, v in os.environ.items() if k not in OFFLINE_ENV} | preset
    done = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result: dict[str, str | None] = json.loads(done.stdout)
    return result


def test_the_hub_telemetry_and_suffix_list_are_switched_off() -> None:
    assert _environment_after_import() == {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "",
        "TOKENIZERS_PARALLELISM": "false",
    }


def test_values_the_user_set_win() -> None:
    got = _environment_after_import(HF_HUB_OFFLINE="0", TOKENIZERS_PARALLELISM="true")
    assert got["HF_HUB_OFFLINE"] == "0" and got["TOKENIZERS_PARALLELISM"] == "true"
    assert got["TRANSFORMERS_OFFLINE"] == "1"
