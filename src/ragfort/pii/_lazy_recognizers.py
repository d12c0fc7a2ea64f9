"""Import Presidio's predefined recognizers one module at a time, not every country's at once.

``import presidio_analyzer`` runs ``presidio_analyzer.predefined_recognizers``,
whose ``__init__`` imports all of Presidio's ~130 recognizers (every
country's, the URL recognizer compiling its 30 KB pattern, the third-party
ones) although ragfort builds its registry from the dozen its entity list
names. That was about 0.3 s of every process that detects personal data
(``ragfort ask``, each server worker).

`install` (run by `ragfort.pii._torchless` before it imports Presidio) puts a
stand-in for each package in `LAZY_PACKAGES` into `sys.modules`: the real
package (same ``__path__``, same ``__init__.py``) whose names resolve on first
use, each by importing only the submodule its ``__init__`` imports it from.
Anything else asked of the package (``PREDEFINED_RECOGNIZERS``, ``__all__``,
``import *``) runs its real ``__init__`` first, so it sees what it always did.
Presidio's own look-up of recognizers by class name (its YAML configuration
and default registry walk `EntityRecognizer.__subclasses__()`) also loads them
all first: `bind` wraps ``RecognizerListLoader.get_all_existing_recognizers``.

If Presidio is imported already, or its layout is not the expected one,
nothing is changed and Presidio loads as usual.
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.machinery
import importlib.util
import sys
import threading
import types
from pathlib import Path
from typing import Any

__all__ = ["LAZY_PACKAGES", "bind", "install", "load_all"]

LAZY_PACKAGES = (
    "presidio_analyzer.predefined_recognizers",
    "presidio_analyzer.predefined_recognizers.generic",
    "presidio_analyzer.predefined_recognizers.country_specific",
    "presidio_analyzer.predefined_recognizers.country_specific.us",
)

_LOCK = threading.RLock()
_STANDINS: dict[str, tuple[types.ModuleType, importlib.machinery.ModuleSpec, dict[str, tuple[str, str]]]] = {}
_LOADED: set[str] = set()


def _names(init: Path, package: str) -> dict[str, tuple[str, str]]:
    """Each name the package's ``__init__`` imports: the module it comes from, and its name there."""
    tree = ast.parse(init.read_text(encoding="utf-8"), filename=str(init))
    names: dict[str, tuple[str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            module = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
            for alias in node.names:
                if alias.name != "*":
                    names[alias.asname or alias.name] = (module, alias.name)
    return names


def install(packages: tuple[str, ...] = LAZY_PACKAGES) -> bool:
    """Put stand-ins for `packages` into `sys.modules`; False (and no change) if that is not possible."""
    if "presidio_analyzer" in sys.modules:
        return False
    spec = importlib.util.find_spec("presidio_analyzer")  # a top-level package: finding it imports nothing
    if spec is None or not spec.submodule_search_locations:
        return False
    root = Path(next(iter(spec.submodule_search_locations)))
    planned = []
    for name in packages:
        folder = root.joinpath(*name.split(".")[1:])
        init = folder / "__init__.py"
        if name in sys.modules or not init.is_file():
            return False
        try:
            names = _names(init, name)
        except (OSError, SyntaxError, ImportError, ValueError):
            return False
        package_spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[str(folder)])
        if package_spec is None or package_spec.loader is None:
            return False
        planned.append((name, package_spec, names))
    for name, package_spec, names in planned:
        module = importlib.util.module_from_spec(package_spec)
        module.__getattr__ = functools.partial(_resolve, name)  # type: ignore[method-assign]
        _STANDINS[name] = (module, package_spec, names)
        sys.modules[name] = module
        parent, _, child = name.rpartition(".")
        if parent in _STANDINS:
            setattr(_STANDINS[parent][0], child, module)
    return True


def bind() -> None:
    """After Presidio is imported: attach the stand-ins to their parents; class-name look-ups load them all."""
    if not _STANDINS:
        return
    for name, (module, _, _) in _STANDINS.items():
        parent, _, child = name.rpartition(".")
        parent_module = sys.modules.get(parent)
        if parent_module is not None and not hasattr(parent_module, child):
            setattr(parent_module, child, module)
    from presidio_analyzer.recognizer_registry.recognizers_loader_utils import RecognizerListLoader

    original = RecognizerListLoader.__dict__["get_all_existing_recognizers"]
    if getattr(original, "_ragfort_loads_all", False):
        return
    function = original.__func__

    @functools.wraps(function)
    def get_all_existing_recognizers(*args: Any, **kwargs: Any) -> Any:
        load_all()
        return function(*args, **kwargs)

    wrapper = staticmethod(get_all_existing_recognizers)
    wrapper._ragfort_loads_all = True  # type: ignore[attr-defined]
    RecognizerListLoader.get_all_existing_recognizers = wrapper  # type: ignore[method-assign]


def load_all() -> None:
    """Run the real ``__init__`` of every stand-in (once): every predefined recognizer is imported."""
    for name in _STANDINS:
        _load(name)


def _load(name: str) -> None:
    with _LOCK:
        if name in _LOADED:
            return
        module, spec, _ = _STANDINS[name]
        _LOADED.add(name)
        module.__dict__.pop("__getattr__", None)
        try:
            assert spec.loader is not None
            spec.loader.exec_module(module)
        except BaseException:
            _LOADED.discard(name)
            module.__getattr__ = functools.partial(_resolve, name)  # type: ignore[method-assign]
            raise


def _resolve(package: str, attr: str) -> Any:
    """A stand-in's missing name: import it from its own submodule, or run the real ``__init__``."""
    module, _, names = _STANDINS[package]
    source = names.get(attr)
    if source is not None and package not in _LOADED:
        origin, original = source
        value = getattr(importlib.import_module(origin), original, None)
        if value is None:
            value = importlib.import_module(f"{origin}.{original}")
        module.__dict__[attr] = value
        return value
    _load(package)
    try:
        return module.__dict__[attr]
    except KeyError:
        raise AttributeError(f"module {package!r} has no attribute {attr!r}") from None
