"""Keep torch out of the PII stack: `ragfort.pii` imports this first, before Presidio and spaCy.

Three imports load torch (and transformers) without needing them here, for
about 300 MB of resident memory per process:

- thinc, spaCy's layer library, imports torch whenever it is installed, only
  to offer torch layers; en_core_web_sm, the pipeline Presidio runs here,
  has none;
- Presidio's NLP engine package imports its transformers engine, which asks
  transformers for its pipeline factory (and so imports torch), although
  ragfort runs the spaCy engine;
- Presidio's device detector imports torch to look for a GPU unless
  ``PRESIDIO_DEVICE`` names the device; ragfort sets it to ``cpu`` unless you
  did (the spaCy pipeline runs on the CPU).

With the embedder on ONNX Runtime nothing else needs torch. Both stay
importable: whatever imports them later (sentence-transformers for an NLI
judge, the torch embeddings backend) gets them as usual; thinc and Presidio's
transformers engine just do not use them. A module already imported is left
alone, and if hiding them ever breaks an import, the import is retried
normally.
"""

from __future__ import annotations

import importlib
import os
import sys

from ragfort.pii import _lazy_recognizers

__all__ = ["import_without_torch"]

os.environ.setdefault("PRESIDIO_DEVICE", "cpu")

_HIDDEN = ("torch", "transformers")
_IMPORTS = ("thinc.api", "presidio_analyzer")


def import_without_torch(modules: tuple[str, ...] = _IMPORTS, hidden: tuple[str, ...] = _HIDDEN) -> None:
    """Import `modules` while `hidden` ones (not yet imported) raise ImportError."""
    hide = [name for name in hidden if sys.modules.get(name) is None and name not in sys.modules]
    for name in hide:
        sys.modules[name] = None  # type: ignore[assignment]  # `import name` raises ImportError
    try:
        for module in modules:
            importlib.import_module(module)
    except ImportError:
        _unhide(hide)
        for module in modules:  # a library that needs them after all: import it as it wants
            importlib.import_module(module)
    finally:
        _unhide(hide)


def _unhide(names: list[str]) -> None:
    for name in names:
        if name in sys.modules and sys.modules[name] is None:
            del sys.modules[name]


# Presidio's recognizers package loads each recognizer on first use (see the module).
_lazy_recognizers.install()
import_without_torch()
_lazy_recognizers.bind()
