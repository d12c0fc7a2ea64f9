"""Learned judges: small cross-encoders that ship inside the package.

A judge reads a pair of texts together and returns a calibrated
probability; each task is one model folder under ``models/`` (``support``:
does the passage support the claim). `load_judge` loads and checks a shipped
model once per process; `PairJudge` loads any folder. Serving needs ONNX
Runtime and ``tokenizers`` only, never torch.

``python -m ragfort.judges.train --task support`` builds the data mix
(mix.py), trains, exports and quantises a model folder; see docs/judges.md.
"""

from ragfort.judges.runtime import (
    MODELS_DIR,
    Calibration,
    Manifest,
    PairJudge,
    PairTokenizer,
    available_tasks,
    load_judge,
)

__all__ = [
    "MODELS_DIR",
    "Calibration",
    "Manifest",
    "PairJudge",
    "PairTokenizer",
    "available_tasks",
    "load_judge",
]
