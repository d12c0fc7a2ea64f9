"""The public surface is explicit and pinned (a change here is an API change)."""

import ragfort

EXPECTED = {
    "Action",
    "AnswerChunk",
    "BackendError",
    "BaseGuard",
    "Budget",
    "BudgetReport",
    "CacheStatus",
    "ChainError",
    "Citation",
    "Claim",
    "ConfigError",
    "Finding",
    "GoldenSetError",
    "Guard",
    "GuardSettings",
    "GuardedAnswer",
    "HardenedRunnable",
    "Index",
    "IndexError_",
    "IngestReport",
    "InputError",
    "JsonlTraceSink",
    "MemoryTraceSink",
    "Passage",
    "Policy",
    "PolicyError",
    "RagChain",
    "RagfortError",
    "Redaction",
    "RunContext",
    "Stage",
    "Status",
    "TraceSink",
    "Turn",
    "Verdict",
    "__version__",
    "build_chain",
    "harden",
    "load_policy",
    "register_guard",
}


def test_all_is_exactly_the_public_surface() -> None:
    assert set(ragfort.__all__) == EXPECTED


def test_every_exported_name_exists() -> None:
    for name in ragfort.__all__:
        assert hasattr(ragfort, name), name


def test_private_modules_are_not_exported() -> None:
    assert not any(name.startswith("_") and name != "__version__" for name in ragfort.__all__)
