"""The cross-encoder runtime: a pair of texts in, a calibrated probability out.

A task (``support`` today; ``answerability`` and ``equivalence`` later) is one
folder under ``models/``; nothing in this module knows a task by name:

- ``model.onnx``: the cross-encoder (a MiniLM encoder and a one-logit head),
  int8 weights, inputs ``input_ids``/``attention_mask``/``token_type_ids``,
  output ``logit``, batch and sequence axes dynamic;
- ``tokenizer.json``: the base model's fast tokenizer, unchanged; truncation
  and padding are set here at load, from the manifest;
- ``manifest.json``: the task, the base model, ``max_length``, a sha256 per
  file (checked at load: a missing or damaged file is a `ConfigError` naming
  it, never a fallback), the Platt calibration ``a``, ``b`` over the logit,
  the date, the training data and the metrics;
- ``MODEL_CARD.md``: the same for people (not read here).

A pair ``(first, second)`` is encoded as ``[CLS] first [SEP] second [SEP]``
with ``token_type_ids`` 0 and 1. Past ``max_length`` the first text (the
passage) is cut and the second (the claim) kept whole; a second text too long
for that is cut too ("longest first"). For ``support`` the first text is the
premise and the second the claim ("question\\nanswer" for yes/no and fragment
answers).

One pair per forward pass by default: the int8 model quantises activations
per tensor, so in a padded batch a pair's score would depend on its
neighbours (measured: up to 0.2 in probability with the shipped model); alone, it is the same in
every call, and on one thread twelve pairs took 41 ms alone against 39 ms as
one batch. ``batch_size`` > 1 pads batches of similar length for throughput
where that small dependence does not matter. No torch on this path.
"""

from __future__ import annotations

import concurrent.futures
import functools
import hashlib
import json
import math
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ragfort._onnx import cpu_session
from ragfort.errors import ConfigError

__all__ = [
    "MANIFEST_FILE",
    "MODELS_DIR",
    "MODEL_FILE",
    "TOKENIZER_FILE",
    "Calibration",
    "Manifest",
    "PairJudge",
    "PairTokenizer",
    "available_tasks",
    "file_sha256",
    "load_judge",
]

MODELS_DIR = Path(__file__).resolve().parent / "models"
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
MANIFEST_FILE = "manifest.json"
MANIFEST_FORMAT = 1
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT_NAME = "logit"

Probabilities = npt.NDArray[np.float32]
_SMALL_BATCH = 16  # as ragfort.embeddings: a few pairs run fastest on one thread
_BATCH_TOKENS = 4096  # padded tokens per forward pass when batching (as ragfort.embeddings)


def file_sha256(path: Path) -> str:
    """The hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Calibration:
    """Platt scaling over the raw logit: ``p = sigmoid(a * logit + b)``."""

    a: float = 1.0
    b: float = 0.0

    def __call__(self, logits: npt.NDArray[Any]) -> Probabilities:
        z = self.a * np.asarray(logits, dtype=np.float64) + self.b
        out: Probabilities = (1.0 / (1.0 + np.exp(-np.clip(z, -60.0, 60.0)))).astype(np.float32)
        return out


@dataclass(frozen=True, slots=True)
class Manifest:
    """What ``manifest.json`` says about a model folder (the fields the runtime uses, plus the rest)."""

    task: str
    base_model: str
    max_length: int
    files: Mapping[str, str]  # file name -> sha256
    calibration: Calibration
    date: str
    metrics: Mapping[str, Any] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> Manifest:
        """Parse and validate a manifest file.

        Raises:
            ConfigError: the file is missing, not JSON, or a required key is
                absent or of the wrong type; the message names the file and key.
        """
        if not path.is_file():
            raise ConfigError(f"judge model file is missing: {str(path)!r}")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ConfigError(f"judge manifest {str(path)!r} is not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"judge manifest {str(path)!r} must hold a JSON object, got {type(data).__name__}")

        def need(key: str, kind: type | tuple[type, ...]) -> Any:
            value = data.get(key)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise ConfigError(f"judge manifest {str(path)!r}: {key!r} is missing or not a {kind}, got {value!r}")
            return value

        fmt = need("format", int)
        if fmt != MANIFEST_FORMAT:
            raise ConfigError(f"judge manifest {str(path)!r}: format {fmt!r} is not supported (this ragfort reads 1)")
        files_raw = need("files", dict)
        files: dict[str, str] = {}
        for name, entry in files_raw.items():
            sha = entry.get("sha256") if isinstance(entry, dict) else entry
            if not isinstance(sha, str) or len(sha) != 64:
                raise ConfigError(f"judge manifest {str(path)!r}: files[{name!r}] has no sha256, got {entry!r}")
            files[str(name)] = sha.lower()
        for required in (MODEL_FILE, TOKENIZER_FILE):
            if required not in files:
                raise ConfigError(f"judge manifest {str(path)!r}: files lacks {required!r}")
        cal = need("calibration", dict)
        try:
            calibration = Calibration(a=float(cal["a"]), b=float(cal["b"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"judge manifest {str(path)!r}: calibration needs numbers a and b, got {cal!r}") from exc
        if not (math.isfinite(calibration.a) and math.isfinite(calibration.b)):
            raise ConfigError(f"judge manifest {str(path)!r}: calibration must be finite, got {cal!r}")
        max_length = need("max_length", int)
        if not 8 <= max_length <= 512:
            raise ConfigError(f"judge manifest {str(path)!r}: max_length must be in [8, 512], got {max_length!r}")
        return cls(
            task=need("task", str),
            base_model=need("base_model", str),
            max_length=max_length,
            files=files,
            calibration=calibration,
            date=need("date", str),
            metrics=data.get("metrics") or {},
            raw=data,
        )


class PairTokenizer:
    """Encodes ``(first, second)`` pairs the way the model was trained on them.

    Shared by the runtime and the training command, so both cut and pad alike.
    """

    def __init__(self, path: Path, *, max_length: int) -> None:
        from tokenizers import Tokenizer

        self.max_length = max_length
        self._only_first = Tokenizer.from_file(str(path))
        self._only_first.no_padding()
        self._only_first.enable_truncation(max_length=max_length, strategy="only_first")
        self._longest_first = Tokenizer.from_file(str(path))
        self._longest_first.no_padding()
        self._longest_first.enable_truncation(max_length=max_length, strategy="longest_first")

    def encode(self, pairs: Sequence[tuple[str, str]]) -> list[Any]:
        """One `tokenizers.Encoding` per pair (ids, type ids, attention mask), unpadded."""
        items = [(str(a), str(b)) for a, b in pairs]
        try:
            return list(self._only_first.encode_batch(items))
        except Exception:  # tokenizers raises a bare Exception when the second text alone is too long
            return [self._encode_one(item) for item in items]

    def _encode_one(self, item: tuple[str, str]) -> Any:
        try:
            return self._only_first.encode(*item)
        except Exception:  # as above: cut both texts instead
            return self._longest_first.encode(*item)

    def kept_chars(self, pairs: Sequence[tuple[str, str]]) -> list[int]:
        """Per pair, how many characters of its first text survive the cut (its whole length when nothing is cut)."""
        out = []
        for (first, _), enc in zip(pairs, self.encode(pairs), strict=True):
            ends = [end for (_, end), kind in zip(enc.offsets, enc.type_ids, strict=True) if kind == 0 and end > 0]
            last = max(ends, default=0)
            # Past the last kept token only spaces may follow for the text to be whole.
            out.append(len(first) if not first[last:].strip() else last)
        return out

    @staticmethod
    def arrays(encodings: Sequence[Any]) -> dict[str, npt.NDArray[np.int64]]:
        """The model's three inputs for `encodings`, padded with zeros to the longest."""
        width = max(len(e.ids) for e in encodings)
        out = {name: np.zeros((len(encodings), width), dtype=np.int64) for name in INPUT_NAMES}
        for row, enc in enumerate(encodings):
            n = len(enc.ids)
            out["input_ids"][row, :n] = enc.ids
            out["attention_mask"][row, :n] = enc.attention_mask
            out["token_type_ids"][row, :n] = enc.type_ids
        return out


def verify_files(model_dir: Path, manifest: Manifest) -> None:
    """Check every file the manifest lists against its sha256.

    Raises:
        ConfigError: a file is missing or its bytes differ; names the file.
    """
    for name, expected in manifest.files.items():
        path = model_dir / name
        if not path.is_file():
            raise ConfigError(f"judge model file is missing: {str(path)!r} (listed in {MANIFEST_FILE})")
        actual = file_sha256(path)
        if actual != expected:
            raise ConfigError(
                f"judge model file {str(path)!r} is damaged or was changed: sha256 {actual[:12]}..., "
                f"the manifest says {expected[:12]}..."
            )


class PairJudge:
    """A cross-encoder from one model folder: `score` pairs into calibrated probabilities.

    Args:
        model_dir: the folder (see the module notes).
        threads: ONNX Runtime intra-op threads for every call; by default, as
            `ragfort.embeddings` does, one thread per pass for up to 16 pairs
            (the passes run side by side, one per core) and
            ``$RAGFORT_TORCH_THREADS`` (default: every core) beyond.
        batch_size: pairs per forward pass (default 1; see the module notes).

    Raises:
        ConfigError: the folder, a file or the manifest is missing or damaged,
            or onnxruntime/tokenizers is not installed.
    """

    def __init__(self, model_dir: str | os.PathLike[str], *, threads: int | None = None, batch_size: int = 1) -> None:
        folder = Path(model_dir)
        if not folder.is_dir():
            raise ConfigError(f"judge model folder does not exist: {str(folder)!r}")
        if threads is not None and threads < 1:
            raise ConfigError(f"threads must be at least 1, got {threads!r}")
        if batch_size < 1:
            raise ConfigError(f"batch_size must be at least 1, got {batch_size!r}")
        self.model_dir = folder
        self.manifest = Manifest.read(folder / MANIFEST_FILE)
        self.task = self.manifest.task
        self.batch_size = batch_size
        verify_files(folder, self.manifest)
        try:
            import onnxruntime
        except ImportError as exc:  # pragma: no cover - a broken install
            raise ConfigError(f"the judge runtime needs onnxruntime: {exc}") from exc
        self._ort = onnxruntime
        self.tokenizer = PairTokenizer(folder / TOKENIZER_FILE, max_length=self.manifest.max_length)
        self._threads = threads
        self._max_threads = max(1, int(os.environ.get("RAGFORT_TORCH_THREADS", "0") or 0) or (os.cpu_count() or 1))
        self._sessions: dict[int, Any] = {}
        self._lock = threading.Lock()
        try:
            session = self._session(threads or 1)
        except Exception as exc:  # onnxruntime raises its own types for a foreign or torn file
            raise ConfigError(f"cannot load judge model {str(folder / MODEL_FILE)!r}: {exc}") from exc
        names = {i.name for i in session.get_inputs()}
        outputs = [o.name for o in session.get_outputs()]
        if names != set(INPUT_NAMES) or OUTPUT_NAME not in outputs:
            raise ConfigError(
                f"judge model {str(folder / MODEL_FILE)!r} has inputs {sorted(names)} and outputs {outputs}; "
                f"expected {list(INPUT_NAMES)} and {OUTPUT_NAME!r}"
            )

    def __repr__(self) -> str:
        return f"PairJudge(task={self.task!r}, model_dir={str(self.model_dir)!r})"

    @property
    def lanes(self) -> int:
        """How many pairs a small call (up to 16) scores side by side: one per core, or 1 when `threads` is fixed."""
        return 1 if self._threads is not None else self._max_threads

    def _session(self, threads: int) -> Any:
        session = self._sessions.get(threads)
        if session is None:
            session = cpu_session(self._ort, self.model_dir / MODEL_FILE, threads=threads)
            self._sessions[threads] = session
        return session

    def _batches(self, encodings: Sequence[Any], batch_size: int) -> list[list[int]]:
        """Row indices sorted by length, in batches of at most `batch_size` rows and `_BATCH_TOKENS` tokens."""
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        batches: list[list[int]] = []
        current: list[int] = []
        for i in order:
            width = len(encodings[i].ids)
            if current and (len(current) >= batch_size or (len(current) + 1) * width > _BATCH_TOKENS):
                batches.append(current)
                current = []
            current.append(i)
        if current:
            batches.append(current)
        return batches

    def kept_chars(self, pairs: Sequence[tuple[str, str]]) -> list[int]:
        """Per pair, how many characters of the premise the model reads (past ``max_length`` the premise is cut)."""
        return self.tokenizer.kept_chars(pairs)

    def logits(self, pairs: Sequence[tuple[str, str]], *, batch_size: int | None = None) -> npt.NDArray[np.float32]:
        """The raw logits, before calibration (for calibrating and comparing models)."""
        size = self.batch_size if batch_size is None else batch_size
        if size < 1:
            raise ConfigError(f"batch_size must be at least 1, got {size!r}")
        out = np.zeros(len(pairs), dtype=np.float32)
        if len(pairs) == 0:
            return out
        encodings = self.tokenizer.encode(pairs)
        threads = self._threads or (1 if len(pairs) <= _SMALL_BATCH else self._max_threads)
        batches = self._batches(encodings, size)

        def run(session: Any, rows: list[int]) -> None:
            feed = PairTokenizer.arrays([encodings[i] for i in rows])
            out[rows] = np.asarray(session.run([OUTPUT_NAME], feed)[0], dtype=np.float32).reshape(-1)

        # The lock keeps concurrent requests from oversubscribing the cores (as the embedder does).
        with self._lock:
            session = self._session(threads)
            workers = min(self._max_threads, len(batches)) if threads == 1 and self._threads is None else 1
            if workers > 1:
                # A few single-thread passes side by side, one per core (ONNX Runtime releases the GIL
                # and a session may run concurrently): the same scores, in about 1/cores of the time.
                # Longest first: a pass costs about its token count, and a long one started last
                # would run alone while the other cores idle.
                list(_pool(workers).map(lambda rows: run(session, rows), batches[::-1]))
            else:
                for rows in batches:
                    run(session, rows)
        return out

    def score(self, pairs: Sequence[tuple[str, str]], *, batch_size: int | None = None) -> Probabilities:
        """Calibrated probabilities, one per ``(first, second)`` pair, in input order.

        For ``support``: the probability that the first text (the passage)
        supports the second (the claim).
        """
        return self.manifest.calibration(self.logits(pairs, batch_size=batch_size))


@functools.lru_cache(maxsize=4)
def _pool(workers: int) -> concurrent.futures.ThreadPoolExecutor:
    return concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ragfort-judge")


def available_tasks(models_dir: Path | None = None) -> tuple[str, ...]:
    """The tasks with a model folder (one holding a manifest) under `models_dir` (default: the shipped ones)."""
    root = MODELS_DIR if models_dir is None else models_dir
    if not root.is_dir():
        return ()
    return tuple(sorted(p.name for p in root.iterdir() if (p / MANIFEST_FILE).is_file()))


_judges: dict[str, PairJudge] = {}
_judges_lock = threading.Lock()


def load_judge(task: str) -> PairJudge:
    """The process-wide judge for a shipped `task` (loaded, and checked, once).

    Raises:
        ConfigError: no model ships for `task`, or its files are damaged.
    """
    with _judges_lock:
        judge = _judges.get(task)
        if judge is None:
            folder = MODELS_DIR / task
            if not (folder / MANIFEST_FILE).is_file():
                known = ", ".join(available_tasks()) or "none"
                raise ConfigError(
                    f"no judge model for task {task!r}: {str(folder / MANIFEST_FILE)!r} is missing (shipped: {known})"
                )
            judge = PairJudge(folder)
            if judge.task != task:
                raise ConfigError(f"judge model folder {str(folder)!r} holds task {judge.task!r}, not {task!r}")
            _judges[task] = judge
        return judge
