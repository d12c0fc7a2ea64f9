"""Tests of ragfort.judges; `tiny_mix` and `train_tiny_model` are shared by the runtime and training tests."""

from __future__ import annotations

from pathlib import Path

TINY = "tiny"

_FACTS = [
    # (premise, a supported claim, an unsupported claim)
    (
        "Refunds are paid to the card you used within 14 days.",
        "Refunds arrive within 14 days.",
        "Refunds take 30 days.",
    ),
    ("The store opens at 9 and closes at 6 on weekdays.", "The store opens at 9.", "The store opens at 7."),
    ("Roaming in the EU costs nothing extra.", "EU roaming is free.", "EU roaming costs 5 euros a day."),
    ("You can return a device within 30 days.", "Returns are accepted for 30 days.", "Returns are not accepted."),
    (
        "Care+ must be added within 30 days of purchase.",
        "Care+ can be added in the first month.",
        "Care+ can be added later.",
    ),
    (
        "Premium members get free next-day delivery.",
        "Premium members pay no delivery fee.",
        "Everyone gets free delivery.",
    ),
]


def tiny_pairs(corpus: str = TINY) -> list:
    """A supported and an unsupported claim per fact: 12 pairs, one document per fact."""
    from ragfort.judges.perturb import Pair

    out = []
    for n, (premise, good, bad) in enumerate(_FACTS):
        out.append(Pair(premise, good, 1, "paraphrase", corpus, f"doc{n}.md"))
        out.append(Pair(premise, bad, 0, "number_swap", corpus, f"doc{n}.md"))
    return out


def tiny_mix(settings: object):
    """A `ragfort.judges.mix.TASKS` builder for the task ``tiny``: no data files needed."""
    from ragfort.judges.mix import Mix, SourceCount

    train = tuple(tiny_pairs() * 3)
    dev = tuple(tiny_pairs())
    return Mix(
        task=TINY,
        train=train,
        dev={"cases/tiny": dev},
        selection=("cases/tiny",),
        counts=(
            SourceCount("tiny", "train", len(train), sum(p.label for p in train), "written for the tests"),
            SourceCount("tiny", "cases/tiny", len(dev), sum(p.label for p in dev), "written for the tests"),
        ),
    )


def tiny_config(tmp: Path, **overrides: object):
    """Settings for a run of a few steps on the tiny task, into `tmp`."""
    from ragfort.judges.train import TrainConfig

    values: dict[str, object] = {
        "task": TINY,
        "root": str(tmp),
        "data": str(tmp),
        "workdir": str(tmp / "work"),
        "out": str(tmp / "model"),
        "steps": 4,
        "batch_size": 4,
        "max_length": 48,
        "freeze_layers": 4,
        "save_every": 2,
        "eval_every": 2,
        "log_every": 1,
        "warmup": 0.25,
        "threads": 1,
    }
    values.update(overrides)
    return TrainConfig(**values)


def train_tiny_model(tmp: Path) -> Path:
    """Train the tiny task for a few steps and export it: a real model folder in seconds."""
    from ragfort.judges import mix, train

    mix.TASKS[TINY] = tiny_mix
    try:
        config = tiny_config(tmp)
        train.train(config)
        return train.export(config, command="tests/judges")
    finally:
        del mix.TASKS[TINY]
