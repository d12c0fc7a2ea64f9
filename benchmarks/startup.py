"""`ragfort ask` start-up: wall time of the one-shot command, peak RSS, and where the time goes.

Run: ``python benchmarks/startup.py [--runs 7]``. Each run is a fresh
process with a fresh data dir (so the answer cache misses, as a first
question does) over the bundled help center, indexed once into a temporary
folder (or ``--index``). Prints, as medians over the runs:

* ``ragfort ask`` as a subprocess: wall time and peak RSS;
* the same work phase by phase in one subprocess: ``import ragfort``, the
  rest of the CLI's imports, the PII guard alone (its imports and detector),
  the rest of the policy, ``build_chain``, ``harden``, a first and a second
  request (different questions, both cache misses).

To compare two checkouts under the same conditions, name each with
``--tree LABEL=SRC`` (the folder holding the ``ragfort`` package, e.g. a
``git worktree`` of an older commit); their runs are interleaved, one of each
in turn, so background load falls on both alike::

    git worktree add /tmp/startup-before HEAD~3
    python benchmarks/startup.py --tree before=/tmp/startup-before/src --tree after=src
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
QUESTION = "How long do refunds take?"
SECOND = "How do I reset my password?"
OFFLINE = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "",
    "TOKENIZERS_PARALLELISM": "false",
}

# The phases, run in a subprocess; prints one JSON object of seconds (and peak RSS in MB).
PHASES = r"""
import json, resource, sys, time
index, policy_name, first, second = sys.argv[1:5]
clock = time.perf_counter
out = {}
t = clock(); import ragfort; out["import ragfort"] = clock() - t
t = clock(); import ragfort.cli; out["import ragfort.cli (rest)"] = clock() - t
import yaml
from ragfort.policy import Policy, load_policy, policy_search_path
from pathlib import Path
path = Path(policy_name) if Path(policy_name).is_file() else next(
    p / f"{policy_name}.yaml" for p in policy_search_path() if (p / f"{policy_name}.yaml").exists()
)
raw = yaml.safe_load(path.read_text(encoding="utf-8"))
pii = next(
    (e for stage in ("input", "retrieval", "output") for e in raw.get("guards", {}).get(stage) or ()
     if e.get("guard") == "pii" and e.get("enabled", True)),
    None,
)
t = clock()
if pii is not None:
    Policy.from_mapping({"name": "pii-only", "guards": {"input": [pii]}})
out["PII guard (imports + detector)"] = clock() - t
t = clock(); policy = load_policy(str(path)); out["policy load (rest)"] = clock() - t
t = clock(); chain = ragfort.build_chain(index); out["build_chain"] = clock() - t
t = clock(); hardened = ragfort.harden(chain, policy=policy); out["harden"] = clock() - t
t = clock(); r1 = hardened.invoke({"question": first}); out["first request"] = clock() - t
t = clock(); r2 = hardened.invoke({"question": second}); out["second request"] = clock() - t
out["total in process"] = sum(out.values())
out["peak RSS MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
out["cache"] = [str(r1.cache), str(r2.cache)]
print(json.dumps(out))
"""
CLI = "import sys; from ragfort.cli import main; sys.argv[0] = 'ragfort'; main()"


def _env(src: str | None, home: str) -> dict[str, str]:
    env = {**os.environ, **OFFLINE, "RAGFORT_HOME": home}
    if src:
        env["PYTHONPATH"] = os.pathsep.join([src, *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


def _timed(cmd: list[str], env: dict[str, str], cwd: Path = REPO) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) and stdout of `cmd`; raises if it fails."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = out.read().decode()
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd[:3])}... exited {proc.returncode}:\n{err.read().decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024, text


def _ingest(index: Path, src: str | None) -> None:
    home = tempfile.mkdtemp(prefix="ragfort-startup-")
    cmd = [sys.executable, "-c", CLI, "ingest", str(REPO / "examples" / "help_center"), "--index", str(index), "-q"]
    _timed(cmd, _env(src, home))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="Runs per checkout (median reported).")
    parser.add_argument("--index", type=Path, help="An index of examples/help_center (built when absent).")
    parser.add_argument(
        "--policy",
        default="support_agent",
        help="A policy file, or a name looked up from each checkout (its guards/ folder, then the shipped ones).",
    )
    parser.add_argument(
        "--tree",
        action="append",
        default=[],
        metavar="LABEL=SRC",
        help="A checkout to measure: its src folder (default: whatever `import ragfort` finds).",
    )
    args = parser.parse_args(argv)
    trees = [tuple(t.split("=", 1)) for t in args.tree] or [("current", "")]
    index = args.index or Path(tempfile.mkdtemp(prefix="ragfort-startup-index-")) / "index"
    if not index.is_dir():
        print(f"indexing examples/help_center into {index} ...", file=sys.stderr)
        _ingest(index, trees[-1][1] or None)

    results: dict[str, dict[str, list[float]]] = {label: {} for label, _ in trees}
    caches: dict[str, list[list[str]]] = {label: [] for label, _ in trees}
    for run in range(args.runs):
        for label, src in trees:
            cwd = Path(src).resolve().parent if src else REPO  # the checkout's root: its guards/ folder
            row = results[label]
            home = tempfile.mkdtemp(prefix="ragfort-startup-")
            cmd = [sys.executable, "-c", "pass"]
            wall, _, _ = _timed(cmd, _env(src, home), cwd)
            row.setdefault("python -c pass (s)", []).append(wall)
            policy = str(Path(args.policy).resolve()) if Path(args.policy).is_file() else args.policy
            cmd = [sys.executable, "-c", CLI, "ask", QUESTION, "--index", str(index), "--policy", policy]
            wall, rss, _ = _timed(cmd, _env(src, home), cwd)
            row.setdefault("ragfort ask wall (s)", []).append(wall)
            row.setdefault("ragfort ask peak RSS (MB)", []).append(rss)
            home = tempfile.mkdtemp(prefix="ragfort-startup-")
            cmd = [sys.executable, "-c", PHASES, str(index), policy, QUESTION, SECOND]
            _, _, text = _timed(cmd, _env(src, home), cwd)
            phases = json.loads(text.strip().splitlines()[-1])
            caches[label].append(phases.pop("cache"))
            for name, value in phases.items():
                row.setdefault(name if name.endswith("MB") else f"{name} (s)", []).append(value)
            print(
                f"run {run + 1}/{args.runs} {label}: ask {results[label]['ragfort ask wall (s)'][-1]:.2f}s",
                file=sys.stderr,
            )

    names = list(results[trees[0][0]])
    width = max(len(n) for n in names)
    header = f"{'median of ' + str(args.runs) + ' runs':<{width}}" + "".join(f" | {label:>10}" for label, _ in trees)
    print(header)
    print("-" * len(header))
    for name in names:
        cells = "".join(
            f" | {statistics.median(results[label].get(name, [float('nan')])):>10.3f}" for label, _ in trees
        )
        print(f"{name:<{width}}{cells}")
    for label, _ in trees:
        ask = results[label]["ragfort ask wall (s)"]
        seen = sorted({c for cs in caches[label] for c in cs})
        print(f"{label}: ragfort ask min {min(ask):.3f}s max {max(ask):.3f}s; answer cache {seen}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
