"""Grounding: per-claim support verdicts with verified citations.

The pieces, in the order a request uses them:

- `strip_markers` / `split_claims` (claims.py): drop model-written citation
  markers, split the answer into claims with exact offsets;
- `find_verbatim` (verbatim.py): claims quoted word for word from a passage
  sentence are supported and cited without running any model;
- `GroundingScorer` (scorer.py): the cascade — MiniLM similarity plus
  lexical and consistency signals (signals.py) combined by the logistic
  `SupportModel` of params.json (model.py), then the optional
  `CrossEncoderJudge` and `LLMJudge` (judges.py) for uncertain claims;
- `render_answer` (citations.py): `[n]` markers, exact `Citation`s, `Claim`s;
- `explain` (explain.py): the human-readable account for ``--explain``;
- `calibrate` (calibrate.py): choose the threshold on your own labelled
  answers (``python -m ragfort.grounding.calibrate FILE``).

``python -m ragfort.grounding.train`` retrains params.json from the
development sets (devdata.py).
"""

from ragfort.grounding.calibrate import Calibration, LabelledAnswer, calibrate
from ragfort.grounding.citations import RenderedAnswer, render_answer
from ragfort.grounding.claims import ClaimSpan, CleanAnswer, split_claims, strip_markers
from ragfort.grounding.explain import explain
from ragfort.grounding.judges import CrossEncoderJudge, LLMJudge, SupportJudge
from ragfort.grounding.model import FEATURES, SupportModel, load_model
from ragfort.grounding.scorer import ClaimResult, EvidenceRef, GroundingReport, GroundingScorer, SentenceVectors

__all__ = [
    "FEATURES",
    "Calibration",
    "ClaimResult",
    "ClaimSpan",
    "CleanAnswer",
    "CrossEncoderJudge",
    "EvidenceRef",
    "GroundingReport",
    "GroundingScorer",
    "LLMJudge",
    "LabelledAnswer",
    "RenderedAnswer",
    "SentenceVectors",
    "SupportJudge",
    "SupportModel",
    "calibrate",
    "explain",
    "load_model",
    "render_answer",
    "split_claims",
    "strip_markers",
]
