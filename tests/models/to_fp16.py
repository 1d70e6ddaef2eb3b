"""Writes the float16 variant of an ONNX export, as transformers.js's fp16 files are made
(`onnx/model_fp16.onnx` beside `onnx/model.onnx`): every float32 weight, input, output,
constant and cast becomes float16, subgraphs (the merged decoder's If branches) included.
Inputs and outputs change type too (no float32 interface kept), as in the Hub's fp16 exports,
so the engine must feed float16 caches and read float16 logits.

Operators without a float16 CPU kernel still run: ONNX Runtime inserts casts around them.

Usage (Debian's python3-onnx and python3-numpy):
    /usr/bin/python3 tests/models/to_fp16.py tests/models/t5-tiny-random/onnx/encoder_model.onnx
        -> tests/models/t5-tiny-random/onnx/encoder_model_fp16.onnx
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FLOAT, FLOAT16 = TensorProto.FLOAT, TensorProto.FLOAT16
# float32's extreme values (attention masks use finfo(float32).min) would overflow to ±inf in
# float16; they become float16's own extremes, as the Hub's converters clamp them.
F16_MAX = float(np.finfo(np.float16).max)


def half(array):
    return np.clip(array, -F16_MAX, F16_MAX).astype(np.float16)


def convert_tensor(tensor):
    if tensor.data_type != FLOAT:
        return tensor
    converted = numpy_helper.from_array(half(numpy_helper.to_array(tensor)), tensor.name)
    tensor.CopyFrom(converted)
    return tensor


def convert_value_info(info):
    tensor_type = info.type.tensor_type
    if tensor_type.elem_type == FLOAT:
        tensor_type.elem_type = FLOAT16


def convert_graph(graph):
    for tensor in graph.initializer:
        convert_tensor(tensor)
    for info in list(graph.input) + list(graph.output) + list(graph.value_info):
        convert_value_info(info)
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.type == onnx.AttributeProto.TENSOR:
                convert_tensor(attribute.t)
            elif attribute.type == onnx.AttributeProto.GRAPH:
                convert_graph(attribute.g)
            elif attribute.type == onnx.AttributeProto.GRAPHS:
                for subgraph in attribute.graphs:
                    convert_graph(subgraph)
            elif node.op_type == "Cast" and attribute.name == "to" and attribute.i == FLOAT:
                attribute.i = FLOAT16


def main(path):
    model = onnx.load(path)
    convert_graph(model.graph)
    onnx.checker.check_model(model)
    out = path[: -len(".onnx")] + "_fp16.onnx"
    onnx.save(model, out)
    print(out)


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        main(argument)
