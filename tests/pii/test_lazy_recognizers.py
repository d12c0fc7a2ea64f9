"""Presidio's predefined recognizers load one module at a time, and everything else still sees them all.

Each case runs in a fresh interpreter: which modules a process imported is the point.
"""

from __future__ import annotations

import json
import subprocess
import sys

PACKAGE = "presidio_analyzer.predefined_recognizers"
URL = f"{PACKAGE}.generic.url_recognizer"  # a recognizer ragfort's entity list does not use

_PROBE = """
import json, sys
import ragfort._offline
{prelude}
from ragfort.pii import _lazy_recognizers as lazy  # ragfort.pii installs the stand-ins, then imports Presidio
pkg = "{package}"

def loaded():
    return sorted(m for m in sys.modules if m.startswith(pkg + "."))

out = {{"standins": sorted(lazy._STANDINS), "install_again": lazy.install(), "url_before": "{url}" in loaded()}}
before = len(loaded())
from presidio_analyzer.predefined_recognizers import EmailRecognizer
from presidio_analyzer.predefined_recognizers.generic.email_recognizer import EmailRecognizer as Direct
out["same_class"] = EmailRecognizer is Direct
out["new_modules_for_one_name"] = len(loaded()) - before
{action}
out["url_after"] = "{url}" in loaded()
print(json.dumps(out))
"""


def _probe(*, prelude: str = "", action: str = "") -> dict[str, object]:
    code = _PROBE.format(prelude=prelude, action=action, package=PACKAGE, url=URL)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_names_resolve_from_their_own_module_and_the_full_list_loads_everything() -> None:
    got = _probe(action='out["predefined"] = len(sys.modules[pkg].PREDEFINED_RECOGNIZERS)')
    assert got["standins"] == sorted(
        [PACKAGE, f"{PACKAGE}.generic", f"{PACKAGE}.country_specific", f"{PACKAGE}.country_specific.us"]
    )
    assert got["install_again"] is False  # Presidio is imported now: nothing changes twice
    assert got["url_before"] is False
    assert got["same_class"] is True and got["new_modules_for_one_name"] == 0  # already loaded for ragfort's list
    assert isinstance(got["predefined"], int) and got["predefined"] > 0
    assert got["url_after"] is True  # the real __init__ ran


def test_presidios_look_up_by_class_name_loads_every_recognizer_first() -> None:
    action = (
        "from presidio_analyzer.recognizer_registry.recognizers_loader_utils import RecognizerListLoader\n"
        'out["names"] = sorted(c.__name__ for c in RecognizerListLoader.get_all_existing_recognizers())'
    )
    got = _probe(action=action)
    assert got["url_after"] is True
    assert "UrlRecognizer" in got["names"] and "EmailRecognizer" in got["names"]  # type: ignore[operator]


def test_a_process_that_imported_presidio_first_is_left_as_it_is() -> None:
    got = _probe(prelude="import presidio_analyzer")
    assert got["standins"] == [] and got["install_again"] is False
    assert got["url_before"] is True  # Presidio's own __init__ imported every recognizer
    assert got["same_class"] is True
