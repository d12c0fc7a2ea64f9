"""The PII stack (Presidio, spaCy) runs without loading torch or transformers, which stay importable.

Each case runs in a fresh interpreter: what a process has imported is the point.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

_PROBE = """
import json, sys
import ragfort._offline
{prelude}
from ragfort.pii import get_detector
found = get_detector().detect("My name is John Smith, email john@example.com.")
before = {{m: m in sys.modules for m in ("torch", "transformers")}}
import torch, transformers, thinc.compat
print(json.dumps({{"found": sorted(d.entity for d in found), "before": before,
                  "later": bool(torch.__version__ and transformers.__version__)}}))
"""


def _probe(prelude: str = "") -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != "PRESIDIO_DEVICE"}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(prelude=prelude)], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_detection_works_without_torch_and_both_stay_importable() -> None:
    got = _probe()
    assert got["found"] == ["EMAIL_ADDRESS", "PERSON"]  # the spaCy NER ran
    assert got["before"] == {"torch": False, "transformers": False}
    assert got["later"] is True


def test_a_process_that_already_loaded_torch_is_left_as_it_is() -> None:
    got = _probe(prelude="import torch")
    assert got["found"] == ["EMAIL_ADDRESS", "PERSON"]
    assert got["before"] == {"torch": True, "transformers": False}
