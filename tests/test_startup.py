"""Start-up: what a process imports and loads to answer one question (timings: benchmarks/startup.py).

Import checks run in a fresh interpreter: what a process has imported is the point.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

_PREDEFINED = "presidio_analyzer.predefined_recognizers"


def _run(code: str) -> Any:
    """Run `code` in a fresh interpreter; the JSON its last stdout line prints."""
    done = subprocess.run(
        [sys.executable, "-c", code], env=dict(os.environ), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


_DETECT = """
import json, sys
import ragfort._offline
from ragfort.pii import get_detector
detector = get_detector()
found = detector.detect("I'm John Smith, card 4111 1111 1111 1111, mail john@example.com, call +1 415 555 0134.")
print(json.dumps({
    "modules": sorted(m for m in sys.modules if m.startswith("presidio_analyzer.predefined_recognizers")),
    "found": sorted(d.entity for d in found),
    "registry": sorted(type(r).__name__ for r in detector._engine.registry.recognizers),
}))
"""


def test_the_pii_detector_imports_only_the_recognizers_its_entities_need() -> None:
    got = _run(_DETECT)
    assert got["found"] == ["CREDIT_CARD", "EMAIL_ADDRESS", "PERSON", "PHONE_NUMBER"]
    modules = set(got["modules"])
    # Not every country's recognizers (only the US ones the default entities name), not the URL
    # recognizer (its module compiles a 30 KB pattern), not the third-party or transformer NER ones.
    countries = {m.split(".")[3] for m in modules if m.startswith(f"{_PREDEFINED}.country_specific.")}
    assert countries <= {"us"}, countries
    assert f"{_PREDEFINED}.generic.url_recognizer" not in modules
    assert not any(m.startswith((f"{_PREDEFINED}.third_party", f"{_PREDEFINED}.ner")) for m in modules)
    # The registry holds the recognizers of the default entity list, nothing else.
    assert "UrlRecognizer" not in got["registry"]
    expected = {"CreditCardRecognizer", "EmailRecognizer", "_VettedSpacyRecognizer", "UsSsnRecognizer"}
    assert expected <= set(got["registry"])


_REGISTRY = """
import json, sys
sys.modules["torch"] = sys.modules["transformers"] = None  # as ragfort.pii._torchless does
{prelude}
import presidio_analyzer.predefined_recognizers as predefined
from presidio_analyzer import RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpEngineProvider
registry = RecognizerRegistry()
registry.load_predefined_recognizers(languages=["en", "es", "it", "de"])
namespace = {{}}
exec("from presidio_analyzer.predefined_recognizers import *", namespace)
print(json.dumps({{
    "registry": sorted(type(r).__name__ for r in registry.recognizers),
    "predefined": sorted(map(str, predefined.PREDEFINED_RECOGNIZERS)),
    "star": sorted(k for k in namespace if not k.startswith("__")),
    "us_all": sorted(predefined.country_specific.us.__all__),
}}))
"""


def test_presidio_still_finds_every_predefined_recognizer_when_asked_for_them() -> None:
    plain = _run(_REGISTRY.format(prelude=""))
    after_ragfort = _run(_REGISTRY.format(prelude="import ragfort.pii"))
    assert after_ragfort == plain
    assert len(plain["registry"]) > 30  # the whole default set, every country's


def test_a_url_entity_still_gets_presidios_url_recognizer() -> None:
    from ragfort.pii import PIISettings, get_detector

    detector = get_detector(PIISettings(entities=("URL",)), patterns_only=True)
    found = detector.detect("Your invoice is at https://billing.example.com/inv/42 until Friday.")
    assert [d.entity for d in found] == ["URL"]


def _pipeline(tmp_path: Path, *, listener: bool) -> Path:
    """A tiny spaCy pipeline saved to disk: a tok2vec and an NER, which listens to it or embeds on its own."""
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("en")
    nlp.add_pipe("tok2vec")
    own = {"@architectures": "spacy.HashEmbedCNN.v2", "width": 32, "depth": 1, "embed_size": 500,
           "window_size": 1, "maxout_pieces": 2, "subword_features": True, "pretrained_vectors": None}  # fmt: skip
    tok2vec = {"@architectures": "spacy.Tok2VecListener.v1", "width": 96, "upstream": "*"} if listener else own
    model = {"@architectures": "spacy.TransitionBasedParser.v2", "state_type": "ner", "extra_state_tokens": False,
             "hidden_width": 16, "maxout_pieces": 2, "use_upper": True, "tok2vec": tok2vec}  # fmt: skip
    nlp.add_pipe("ner", config={"model": model}).add_label("PERSON")
    nlp.initialize()
    path = tmp_path / ("listener" if listener else "own")
    nlp.to_disk(path)
    return path


def _loads(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    import spacy

    calls: list[list[str]] = []
    real = spacy.load

    def load(name: Any, **kwargs: Any) -> Any:
        calls.append(list(kwargs.get("exclude", [])))
        return real(name, **kwargs)

    monkeypatch.setattr(spacy, "load", load)
    return calls


def test_spacy_does_not_read_a_tok2vec_the_ner_does_not_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ragfort.pii.detect import _resolve_spacy

    path = _pipeline(tmp_path, listener=False)
    calls = _loads(monkeypatch)
    nlp = _resolve_spacy(str(path))
    assert nlp.pipe_names == ["ner"]
    assert len(calls) == 1 and "tok2vec" in calls[0]  # excluded at load, not loaded and then dropped


def test_an_ner_that_listens_to_the_tok2vec_keeps_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spacy = pytest.importorskip("spacy")
    from ragfort.pii.detect import _resolve_spacy

    path = _pipeline(tmp_path, listener=True)
    calls = _loads(monkeypatch)
    nlp = _resolve_spacy(str(path))
    assert nlp.pipe_names == ["tok2vec", "ner"]
    assert calls[-1] == [c for c in calls[0] if c != "tok2vec"]
    text = "Anna Berg wrote to Tom Lee about the parcel"
    full = spacy.load(path)
    assert [(e.start, e.end) for e in nlp(text).ents] == [(e.start, e.end) for e in full(text).ents]


_ASK = """
import atexit, gc, json, sys
def report():  # runs after main() returned
    modules = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r} or m.startswith("ragfort."))
    print(json.dumps({{"frozen": gc.get_freeze_count(), "modules": modules}}))
atexit.register(report)
sys.argv = ["ragfort", "ask", "How long do refunds take?", "--index", {index!r}, "--policy", "passthrough", "--json"]
from ragfort.cli import main
main()
"""
# Libraries of the service, the evaluation reports and notebooks, which one question never needs.
_HEAVY = ("fastapi", "starlette", "uvicorn", "matplotlib", "pandas", "scipy", "sklearn", "torch", "transformers")


@pytest.fixture(scope="module")
def one_shot_ask(help_center_index: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`ragfort ask` through the console-script entry point, in a fresh interpreter."""
    env = {**os.environ, "RAGFORT_HOME": str(tmp_path_factory.mktemp("home"))}
    done = subprocess.run(
        [sys.executable, "-c", _ASK.format(index=str(help_center_index), heavy=set(_HEAVY))],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    *answer, last = done.stdout.strip().splitlines()
    result: dict[str, Any] = json.loads(last)
    result["answer"] = json.loads("\n".join(answer))
    return result


def test_ragfort_ask_leaves_the_heap_to_the_os_at_exit(one_shot_ask: dict[str, Any]) -> None:
    assert one_shot_ask["answer"]["status"] == "ok"  # the whole answer was printed first
    # The objects alive at exit were frozen: the collector does not sweep them while the modules are torn down.
    assert one_shot_ask["frozen"] > 100_000


def test_ragfort_ask_imports_no_subsystem_it_does_not_use(one_shot_ask: dict[str, Any]) -> None:
    modules = one_shot_ask["modules"]
    assert not [m for m in modules if m.split(".")[0] in _HEAVY]
    # Not the evaluation harness nor the service, whose commands the CLI lists.
    assert not [m for m in modules if m.startswith(("ragfort.evals", "ragfort.server"))]


def test_the_subsystems_commands_are_still_there() -> None:
    from typer.testing import CliRunner

    from ragfort.cli import app

    runner = CliRunner()
    listed = runner.invoke(app, ["--help"])
    assert listed.exit_code == 0
    for name in ("ingest", "ask", "chat", "serve", "ab-report", "eval", "eval-guard", "keys", "golden"):
        assert f"  {name} " in listed.output, name
    assert runner.invoke(app, ["golden", "import", "--help"]).exit_code == 0
    typo = runner.invoke(app, ["evl"])
    assert typo.exit_code == 2 and "Did you mean 'eval'?" in typo.output


def test_an_in_process_ask_leaves_the_collector_alone(help_center_index: Path) -> None:
    import gc

    from typer.testing import CliRunner

    from ragfort.cli import app

    before = gc.get_freeze_count()
    res = CliRunner().invoke(
        app, ["ask", "How long do refunds take?", "--index", str(help_center_index), "--policy", "passthrough"]
    )
    assert res.exit_code == 0, res.output
    assert gc.get_freeze_count() == before
