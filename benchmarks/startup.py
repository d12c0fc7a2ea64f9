"""`ragfort ask` start-up: wall time of the one-shot command, peak RSS, and where the time goes.

Run: ``python benchmarks/startup.py [--runs 7]``. Each checkout's package
is byte-compiled first (as an installed one is). Each run is a fresh
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

# The phases, run in a subprocess; prints one JSON object: [wall, CPU] seconds per phase, and peak RSS in MB.
PHASES = r"""
import json, resource, sys, time
index, policy_name, first, second = sys.argv[1:5]
out = {}
class phase:
    def __init__(self, name): self.name = name
    def __enter__(self): self.t = (time.perf_counter(), time.process_time())
    def __exit__(self, *exc): out[self.name] = [time.perf_counter() - self.t[0], time.process_time() - self.t[1]]
with phase("import ragfort"): import ragfort
with phase("import ragfort.cli (rest)"): import ragfort.cli
import yaml
from pathlib import Path
from ragfort.policy import Policy, load_policy, policy_search_path
path = Path(policy_name) if Path(policy_name).is_file() else next(
    p / f"{policy_name}.yaml" for p in policy_search_path() if (p / f"{policy_name}.yaml").exists()
)
raw = yaml.safe_load(path.read_text(encoding="utf-8"))
pii = next(
    (e for stage in ("input", "retrieval", "output") for e in raw.get("guards", {}).get(stage) or ()
     if e.get("guard") == "pii" and e.get("enabled", True)),
    None,
)
with phase("PII guard (imports + detector)"):
    if pii is not None:
        Policy.from_mapping({"name": "pii-only", "guards": {"input": [pii]}})
with phase("policy load (rest)"): policy = load_policy(str(path))
with phase("build_chain"): chain = ragfort.build_chain(index)
with phase("harden"): hardened = ragfort.harden(chain, policy=policy)
with phase("first request"): r1 = hardened.invoke({"question": first})
with phase("second request"): r2 = hardened.invoke({"question": second})
out["total in process"] = [sum(v[0] for v in out.values()), sum(v[1] for v in out.values())]
out["peak RSS (MB)"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
out["cache"] = [str(r1.cache), str(r2.cache)]
print(json.dumps(out))
"""
CLI = "import sys; from ragfort.cli import main; sys.argv[0] = 'ragfort'; main()"


def _env(src: str | None, home: str) -> dict[str, str]:
    env = {**os.environ, **OFFLINE, "RAGFORT_HOME": home}
    if src:
        env["PYTHONPATH"] = os.pathsep.join([src, *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


def _timed(cmd: list[str], env: dict[str, str], cwd: Path = REPO) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds (user + system), peak RSS (MB) and stdout of `cmd`; raises if it fails."""
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
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text


def _ingest(index: Path, src: str | None, scratch: str) -> None:
    home = tempfile.mkdtemp(dir=scratch)
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
    # Every data dir (and the index, unless --index names one) lives here and goes when the run ends.
    with tempfile.TemporaryDirectory(prefix="ragfort-startup-") as scratch:
        return _measure(args, scratch)


def _measure(args: argparse.Namespace, scratch: str) -> int:
    trees = [tuple(t.split("=", 1)) for t in args.tree] or [("current", "")]
    index = args.index or Path(scratch) / "index"
    for _, src in trees:
        # Bytecode as an installed package has it: a checkout run with PYTHONDONTWRITEBYTECODE=1 (or a
        # fresh worktree) would otherwise compile ragfort's sources in every process and time that.
        code = (
            "import compileall, importlib.util, pathlib; "
            "compileall.compile_dir(pathlib.Path(importlib.util.find_spec('ragfort').origin).parent, quiet=1)"
        )
        _timed([sys.executable, "-c", code], _env(src, tempfile.mkdtemp(dir=scratch)))
    if not index.is_dir():
        print(f"indexing examples/help_center into {index} ...", file=sys.stderr)
        _ingest(index, trees[-1][1] or None, scratch)

    # Per checkout, per row: the runs' [wall, CPU] seconds (CPU is None for memory rows).
    results: dict[str, dict[str, list[tuple[float, float | None]]]] = {label: {} for label, _ in trees}
    caches: dict[str, set[str]] = {label: set() for label, _ in trees}
    policy = str(Path(args.policy).resolve()) if Path(args.policy).is_file() else args.policy
    for run in range(args.runs):
        for label, src in trees:
            cwd = Path(src).resolve().parent if src else REPO  # the checkout's root: its guards/ folder
            row = results[label]
            home = tempfile.mkdtemp(dir=scratch)
            wall, cpu, _, _ = _timed([sys.executable, "-c", "pass"], _env(src, home), cwd)
            row.setdefault("python -c pass", []).append((wall, cpu))
            cmd = [sys.executable, "-c", CLI, "ask", QUESTION, "--index", str(index), "--policy", policy]
            wall, cpu, rss, _ = _timed(cmd, _env(src, home), cwd)
            row.setdefault("ragfort ask", []).append((wall, cpu))
            row.setdefault("ragfort ask peak RSS (MB)", []).append((rss, None))
            home = tempfile.mkdtemp(dir=scratch)
            cmd = [sys.executable, "-c", PHASES, str(index), policy, QUESTION, SECOND]
            _, _, _, text = _timed(cmd, _env(src, home), cwd)
            phases = json.loads(text.strip().splitlines()[-1])
            caches[label].update(phases.pop("cache"))
            for name, value in phases.items():
                row.setdefault(f"  {name}", []).append((value, None) if name.endswith("(MB)") else tuple(value))
            print(f"run {run + 1}/{args.runs} {label}: ragfort ask {wall:.2f}s wall, {cpu:.2f}s CPU", file=sys.stderr)

    names = list(results[trees[0][0]])
    width = max(len(n) for n in names)
    print(f"median of {args.runs} runs; seconds (wall and CPU user+system) unless marked; phases indented")
    header = f"{'':<{width}}" + "".join(f" | {label + ' wall':>13} | {label + ' CPU':>12}" for label, _ in trees)
    print(header)
    print("-" * len(header))
    for name in names:
        cells = ""
        for label, _ in trees:
            values = results[label].get(name, [])
            walls = [w for w, _ in values]
            cpus = [c for _, c in values if c is not None]
            cells += f" | {statistics.median(walls) if walls else float('nan'):>13.3f}"
            cells += f" | {statistics.median(cpus):>12.3f}" if cpus else f" | {'':>12}"
        print(f"{name:<{width}}{cells}")
    for label, _ in trees:
        ask = [w for w, _ in results[label]["ragfort ask"]]
        print(
            f"{label}: ragfort ask wall min {min(ask):.3f}s max {max(ask):.3f}s; answer cache {sorted(caches[label])}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
