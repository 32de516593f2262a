"""A reader and writer of the safetensors format, written from its published specification with
NumPy only (Python's `safetensors` package is not installable on this machine).

Format (https://github.com/huggingface/safetensors, "Format"):
  8 bytes   N, little-endian u64: the size of the header
  N bytes   a UTF-8 JSON object: {"NAME": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]},
            ..., optionally "__metadata__": {str: str}}; offsets are relative to the byte buffer
  rest      the byte buffer: every tensor's little-endian, row-major data

The writer follows the reference implementation's choices: tensors sorted by descending dtype
(the Rust enum's order, which rises with alignment) then by name, laid out back to back in that
order, the header written compactly ("__metadata__" first) and padded with spaces to a multiple of
8 bytes. The reader applies the reference's checks: header size limit, UTF-8, JSON, known dtypes,
offsets that tile the buffer from 0 with no gap or overlap, shape x dtype size == offset span,
and a buffer that ends exactly at the end of the file.

Command line (used by tests/lua/io_spec.lua):
  python3 safetensors_ref.py dump FILE       print {"tensors": {name: {dtype, shape, data}}, "metadata": ...}
  python3 safetensors_ref.py roundtrip FILE  exit 0 if serialize(deserialize(FILE)) == FILE's bytes
"""
import json
import struct
import sys

import numpy as np

MAX_HEADER_SIZE = 100_000_000

# The reference's Dtype enum, in its declared order (sorting key of the writer).
DTYPE_ORDER = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64",
               "I64", "U64"]
SIZES = {"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
         "I32": 4, "U32": 4, "F32": 4, "F64": 8, "I64": 8, "U64": 8}
# NumPy types for the bytes (BF16 has none: its raw uint16 bits are kept)
NUMPY = {"BOOL": np.bool_, "U8": np.uint8, "I8": np.int8, "I16": np.int16, "U16": np.uint16, "F16": np.float16,
         "BF16": np.uint16, "I32": np.int32, "U32": np.uint32, "F32": np.float32, "F64": np.float64,
         "I64": np.int64, "U64": np.uint64}


class SafetensorsError(ValueError):
    pass


def bf16_bits(x):
    """float32 array -> bfloat16 bits (round to nearest even), as torch does."""
    u = np.asarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


def bf16_to_float32(bits):
    return (np.asarray(bits, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


def serialize(tensors, metadata=None):
    """tensors: {name: (dtype, ndarray)} (BF16 arrays hold the bits as uint16) -> bytes."""
    items = sorted(tensors.items(), key=lambda kv: (-DTYPE_ORDER.index(kv[1][0]), kv[0].encode("utf-8")))
    header = {}
    if metadata is not None:
        header["__metadata__"] = {k: metadata[k] for k in sorted(metadata)}
    chunks, offset = [], 0
    for name, (dtype, arr) in items:
        data = np.ascontiguousarray(arr, dtype=np.dtype(NUMPY[dtype]).newbyteorder("<")).tobytes()
        if len(data) != int(np.prod(arr.shape, dtype=np.int64)) * SIZES[dtype]:
            raise SafetensorsError(f"{name}: data size does not match shape and dtype")
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def deserialize(buf):
    """bytes -> ({name: (dtype, ndarray)}, metadata or None), validating like the reference."""
    if len(buf) < 8:
        raise SafetensorsError("HeaderTooSmall")
    (n,) = struct.unpack("<Q", buf[:8])
    if n > MAX_HEADER_SIZE:
        raise SafetensorsError("HeaderTooLarge")
    if 8 + n > len(buf):
        raise SafetensorsError("InvalidHeaderLength")
    try:
        text = buf[8:8 + n].decode("utf-8")
    except UnicodeDecodeError:
        raise SafetensorsError("InvalidHeader")
    try:
        header = json.loads(text)
    except json.JSONDecodeError:
        raise SafetensorsError("InvalidHeaderDeserialization")
    if not isinstance(header, dict):
        raise SafetensorsError("InvalidHeaderDeserialization")
    metadata = header.pop("__metadata__", None)
    if metadata is not None and not (isinstance(metadata, dict) and
                                     all(isinstance(v, str) for v in metadata.values())):
        raise SafetensorsError("InvalidHeaderDeserialization")
    infos = []
    for name, info in header.items():
        if not isinstance(info, dict) or info.get("dtype") not in SIZES:
            raise SafetensorsError("InvalidHeaderDeserialization")
        shape, offs = info.get("shape"), info.get("data_offsets")
        if not (isinstance(shape, list) and all(isinstance(d, int) and d >= 0 for d in shape)):
            raise SafetensorsError("InvalidHeaderDeserialization")
        if not (isinstance(offs, list) and len(offs) == 2 and all(isinstance(o, int) and o >= 0 for o in offs)):
            raise SafetensorsError("InvalidHeaderDeserialization")
        infos.append((tuple(offs), name, info["dtype"], shape))
    infos.sort(key=lambda x: x[0])
    start = 0
    for (s, e), name, dtype, shape in infos:
        if s != start or e < s:
            raise SafetensorsError(f"InvalidOffset({name})")
        start = e
        if int(np.prod(shape, dtype=object) if shape else 1) * SIZES[dtype] != e - s:
            raise SafetensorsError("TensorInvalidInfo")
    if start + 8 + n != len(buf):
        raise SafetensorsError("MetadataIncompleteBuffer")
    data = buf[8 + n:]
    out = {}
    for (s, e), name, dtype, shape in infos:
        if dtype.startswith("F8"):
            raise SafetensorsError(f"{dtype} is not readable with NumPy")
        arr = np.frombuffer(data[s:e], dtype=np.dtype(NUMPY[dtype]).newbyteorder("<")).reshape(shape)
        out[name] = (dtype, arr)
    return out, metadata


def save_file(tensors, path, metadata=None):
    with open(path, "wb") as f:
        f.write(serialize(tensors, metadata))


def load_file(path):
    with open(path, "rb") as f:
        return deserialize(f.read())


def _values(dtype, arr):
    if dtype == "BF16":
        arr = bf16_to_float32(arr)
    if arr.dtype == np.bool_:
        return [bool(v) for v in arr.ravel()]
    if arr.dtype.kind == "f":
        return [None if v != v else float(v) if abs(v) != float("inf") else ("inf" if v > 0 else "-inf")
                for v in arr.astype(np.float64).ravel()]
    return [int(v) for v in arr.ravel()]


def main(argv):
    if len(argv) == 3 and argv[1] == "dump":
        tensors, metadata = load_file(argv[2])
        out = {name: {"dtype": dt, "shape": list(arr.shape), "data": _values(dt, arr)}
               for name, (dt, arr) in tensors.items()}
        order = list(tensors)  # deserialize keeps the data order
        print(json.dumps({"tensors": out, "metadata": metadata, "order": order}))
        return 0
    if len(argv) == 3 and argv[1] == "roundtrip":
        with open(argv[2], "rb") as f:
            buf = f.read()
        tensors, metadata = deserialize(buf)
        again = serialize(tensors, metadata)
        if again != buf:
            print(f"differs: {len(again)} vs {len(buf)} bytes\nref: {again[:200]!r}\nfile: {buf[:200]!r}")
            return 1
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
