"""ragfort: harden a LangChain RAG chain for production.

    import ragfort
    guarded = ragfort.harden(chain, policy="guards/support_agent.yaml")
    result = guarded.invoke({"question": "How long do refunds take?"})
    print(result.answer, result.citations)

The vocabulary is in `ragfort.types`; errors in `ragfort.errors`.
"""

from ragfort import _offline  # noqa: F401  (first: sets offline defaults before any library loads)
from ragfort.budget import Budget
from ragfort.chain import RagChain, build_chain
from ragfort.context import RunContext
from ragfort.errors import (
    BackendError,
    ChainError,
    ConfigError,
    GoldenSetError,
    IndexError_,
    InputError,
    PolicyError,
    RagfortError,
)
from ragfort.guards.base import BaseGuard, Guard, GuardSettings, register_guard
from ragfort.harden import harden
from ragfort.index import Index, IngestReport
from ragfort.integrations.langchain import HardenedRunnable
from ragfort.policy import Policy, load_policy
from ragfort.trace import JsonlTraceSink, MemoryTraceSink, TraceSink
from ragfort.types import (
    Action,
    AnswerChunk,
    BudgetReport,
    CacheStatus,
    Citation,
    Claim,
    Finding,
    GuardedAnswer,
    Passage,
    Redaction,
    Stage,
    Status,
    Turn,
    Verdict,
)

__version__ = "0.1.0"

__all__ = [
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
]
