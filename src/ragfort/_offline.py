"""Keep every library ragfort uses offline, before any of them is imported.

The hub downloads of transformers, Chroma's telemetry and tldextract's
public-suffix fetch (used by Presidio's email recognizer) all fail or stall
here, and leak request timing. Values the user already set win.
"""

from __future__ import annotations

import os

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "",
    "TOKENIZERS_PARALLELISM": "false",
}

for _name, _value in OFFLINE_ENV.items():
    os.environ.setdefault(_name, _value)
