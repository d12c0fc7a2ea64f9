"""The exception tree: every fault ragfort raises on purpose is a RagfortError, grouped as documented."""

from __future__ import annotations

from pathlib import Path

import pytest

import ragfort
from ragfort import errors
from ragfort.errors import (
    BackendError,
    ChainError,
    ConfigError,
    GoldenSetError,
    IndexError_,
    IndexIncomplete,
    InputError,
    PolicyError,
    RagfortError,
)
from ragfort.integrations.convert import plain_text


def test_the_tree_is_as_documented() -> None:
    parents = {
        ConfigError: RagfortError,
        PolicyError: ConfigError,
        InputError: RagfortError,
        GoldenSetError: InputError,
        IndexError_: RagfortError,
        IndexIncomplete: IndexError_,
        ChainError: RagfortError,
        BackendError: RagfortError,
    }
    for cls, parent in parents.items():
        assert cls.__bases__[0] is parent, cls
    assert {getattr(errors, name) for name in errors.__all__} == {RagfortError, *parents}


def test_bad_input_is_also_a_value_error_and_the_index_error_is_not_the_builtin() -> None:
    assert issubclass(InputError, ValueError) and issubclass(GoldenSetError, ValueError)
    assert not issubclass(IndexError_, IndexError)
    assert not issubclass(RagfortError, ValueError)


def test_faults_raised_by_the_library_are_caught_by_their_branch(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        ragfort.load_policy(tmp_path / "missing.yaml")  # a PolicyError
    with pytest.raises(IndexError_):
        ragfort.build_chain(tmp_path / "no-index")
    with pytest.raises(RagfortError):
        plain_text(b"\xff", "the answer")  # a ChainError
