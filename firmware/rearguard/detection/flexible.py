"""Let a fully convolutional model take an input of any height and width.

YOLOX is fully convolutional, but its export declares one input shape (1x3x416x416), and
onnxruntime refuses any other. A camera frame is 16:9: letterboxed into a square, 38 % of every
inference is spent on grey padding. This module rewrites the model's declared shapes (and
nothing else) so the input's height and width are free: the detector can then feed a 416x256
tensor for a 16:9 frame, the same pixels of the scene for 62 % of the work.

The device has no ``onnx`` package (and should not need one for a shape), so the rewrite works
on the protobuf wire format directly. Only the few messages on the path to the shapes are
decoded; the weights (most of the file) are carried over as opaque bytes.

Field numbers (onnx/onnx.proto): ModelProto.graph 7; GraphProto.input 11, output 12,
value_info 13; ValueInfoProto.name 1, type 2; TypeProto.tensor_type 1; TypeProto.Tensor
elem_type 1, shape 2; TensorShapeProto.dim 1; Dimension.dim_value 1, dim_param 2.
"""

from __future__ import annotations

Field = tuple[int, int, bytes]  # field number, wire type, the raw value bytes (no tag)

_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5
_MODEL_GRAPH = 7
_GRAPH_INPUT, _GRAPH_OUTPUT, _GRAPH_VALUE_INFO = 11, 12, 13
_VALUE_TYPE = 2
_TYPE_TENSOR = 1
_TENSOR_SHAPE = 2
_SHAPE_DIM = 1
_DIM_PARAM = 2


class ModelFormatError(ValueError):
    """The bytes are not an ONNX model this rewrite understands."""


def free_input_size(model: bytes) -> bytes:
    """``model`` with its first input's height and width (NCHW) left free.

    The inputs after the first, the weights and every node are unchanged. The outputs' sizes
    after the batch become free too (their row count follows the input), and the graph's recorded
    intermediate shapes (``value_info``, an optional hint) are dropped, since they were worked
    out for the one input size.
    """
    fields = _parse(model)
    graph_at = [i for i, f in enumerate(fields) if f[0] == _MODEL_GRAPH and f[1] == _LEN]
    if len(graph_at) != 1:
        raise ModelFormatError("not an ONNX model: no single graph")
    graph = _parse(fields[graph_at[0]][2])
    rewritten: list[Field] = []
    first_input = True
    for number, wire, value in graph:
        if number == _GRAPH_VALUE_INFO:
            continue
        if number == _GRAPH_INPUT and first_input:
            value, first_input = _free_spatial_dims(value), False
        elif number == _GRAPH_OUTPUT:
            value = _free_dims_after_first(value)
        rewritten.append((number, wire, value))
    if first_input:
        raise ModelFormatError("the ONNX graph has no input")
    fields[graph_at[0]] = (_MODEL_GRAPH, _LEN, _serialise(rewritten))
    return _serialise(fields)


def _free_spatial_dims(value_info: bytes) -> bytes:
    """The input's shape [N, C, H, W] with H and W as named (free) dimensions."""
    return _free_dims(value_info, keep=2, names=("height", "width"))


def _free_dims_after_first(value_info: bytes) -> bytes:
    """An output's shape with every dimension after the batch named (free)."""
    return _free_dims(value_info, keep=1)


def _free_dims(value_info: bytes, keep: int, names: tuple[str, ...] = ()) -> bytes:
    """``value_info`` with the dimensions after the first ``keep`` named: ``names`` (which
    must then match their number), else dim1, dim2, ..."""
    def shape(raw: bytes) -> bytes:
        dims = [f for f in _parse(raw) if f[0] == _SHAPE_DIM]
        if not names and len(dims) <= keep:
            return raw  # nothing after the kept dimensions to free
        free = names or tuple(f"dim{i}" for i in range(keep, len(dims)))
        if len(dims) != keep + len(free):
            raise ModelFormatError(f"the model's input has {len(dims)} dimensions, not "
                                   f"{keep + len(free)} (NCHW)")
        named = [_serialise([(_DIM_PARAM, _LEN, name.encode())]) for name in free]
        return _serialise([*dims[:keep], *((_SHAPE_DIM, _LEN, d) for d in named)])

    return _edit_tensor_type(value_info, lambda fields: [
        (n, w, shape(v)) if n == _TENSOR_SHAPE else (n, w, v) for n, w, v in fields])


def _edit_tensor_type(value_info: bytes, edit) -> bytes:
    """``value_info`` with ``edit`` applied to the fields of its TypeProto.Tensor."""
    out = []
    for number, wire, value in _parse(value_info):
        if number == _VALUE_TYPE:
            value = _serialise([
                (n, w, _serialise(edit(_parse(v))) if n == _TYPE_TENSOR else v)
                for n, w, v in _parse(value)])
        out.append((number, wire, value))
    return _serialise(out)


# --- protobuf wire format ---------------------------------------------------------------------

def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(data):
            raise ModelFormatError("truncated varint")
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, at
        shift += 7
        if shift > 63:
            raise ModelFormatError("varint too long")


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _parse(data: bytes) -> list[Field]:
    """One message's fields in order; nested messages stay raw bytes."""
    fields, at = [], 0
    view = memoryview(data)
    while at < len(data):
        tag, at = _varint(data, at)
        number, wire = tag >> 3, tag & 7
        start = at
        if wire == _VARINT:
            _, at = _varint(data, at)
        elif wire == _I64:
            at += 8
        elif wire == _I32:
            at += 4
        elif wire == _LEN:
            length, start = _varint(data, at)
            at = start + length
        else:
            raise ModelFormatError(f"unsupported protobuf wire type {wire}")
        if at > len(data):
            raise ModelFormatError("truncated field")
        fields.append((number, wire, bytes(view[start:at])))
    return fields


def _serialise(fields: list[Field]) -> bytes:
    parts = []
    for number, wire, value in fields:
        parts.append(_encode_varint(number << 3 | wire))
        if wire == _LEN:
            parts.append(_encode_varint(len(value)))
        parts.append(value)
    return b"".join(parts)
