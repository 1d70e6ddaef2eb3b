"""Writes one-MatMul ONNX models (input X [M, K] times a random weight [K, N]) for matmul-peak.mjs.

    /usr/bin/python3 bench/transformersjs/make_matmul.py /tmp/matmul    # needs Debian's python3-onnx, python3-numpy
"""
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SHAPES = [(768, 768), (768, 3072), (3072, 768), (2048, 2048)]  # DistilBERT-base's products, and a square one

out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/matmul")
out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(0)
for k, n in SHAPES:
    weight = numpy_helper.from_array(rng.standard_normal((k, n), dtype=np.float32), "W")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["X", "W"], ["Y"])], f"matmul_{k}x{n}",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["M", k])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["M", n])], [weight])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, out / f"matmul_{k}x{n}.onnx")
print(f"wrote {len(SHAPES)} models to {out}")
