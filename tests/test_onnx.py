"""`cpu_session`: an ONNX Runtime session on the CPU with the thread counts asked for, on a model built here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper

from ragfort._onnx import cpu_session


def _doubling_model(path: Path) -> Path:
    """A one-node model: y = x + x."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 3])
    graph = helper.make_graph([helper.make_node("Add", ["x", "x"], ["y"])], "double", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def test_the_session_runs_on_the_cpu_with_the_given_threads(tmp_path: Path) -> None:
    session = cpu_session(ort, _doubling_model(tmp_path / "double.onnx"), threads=2)
    assert session.get_providers() == ["CPUExecutionProvider"]
    options = session.get_session_options()
    assert (options.intra_op_num_threads, options.inter_op_num_threads) == (2, 1)
    (out,) = session.run(None, {"x": np.array([[1.0, 2.0, 3.0]], dtype=np.float32)})
    assert out.tolist() == [[2.0, 4.0, 6.0]]


def test_a_path_given_as_text_works_too(tmp_path: Path) -> None:
    session = cpu_session(ort, str(_doubling_model(tmp_path / "m.onnx")), threads=1)
    assert session.get_session_options().intra_op_num_threads == 1
