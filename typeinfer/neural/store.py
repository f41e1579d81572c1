"""Model folders: ``config.json`` + ``model.safetensors`` (+ ``model.onnx``), checked
before anything is loaded.  Never pickles.

A folder is refused with one :class:`ModelError` line when its config is not a
JSON object of the expected types and sane sizes (a ``dim`` of ``"64"`` or of a
billion would otherwise fail deep inside numpy or allocate without end), or when
``model.safetensors`` is not a well-formed safetensors file: an 8-byte header
length, a JSON header whose tensors have known dtypes and shapes, and data
offsets that tile the rest of the file exactly.  Only the header is read.
``model.onnx`` is checked as far as its outer framing (:func:`check_onnx`: the
top-level protobuf fields, a graph among them, tiling the file), so that a
truncated file is refused before onnxruntime, numpy and the session are loaded
(which a run does only when some answer needs the classifier).

Example::

    config = read_config(Path("typeinfer/models/classifier"))
    config["encoder"]["buckets"]          # 16384
"""

from __future__ import annotations

import json
import math
import os
import struct
from pathlib import Path

from typelens.analyzer import InputError, ModelError
from typelens.analyzer.source import not_regular_reason, read_regular_file

MODEL_VERSION = "typelens-classifier-6"  # 2: position embeddings, first window apart; 3: number literals by kind, optional stacked convolutions; 4: operators as one token; 5: value shapes; 6: declared types among them

_MAX_CONFIG_BYTES = 16 * 1024 * 1024
_MAX_HEADER_BYTES = 64 * 1024 * 1024
# (key, smallest, largest): generous bounds that keep a hostile config from allocating without end
_SIZES = (("dim", 1, 4096), ("hidden", 1, 65536), ("layers", 1, 64))
_ENCODER_SIZES = (
    ("buckets", 2, 1 << 24),
    ("windows", 1, 256),
    ("window_len", 1, 4096),
    ("name_len", 1, 256),
    ("values", 0, 256),
)
_DTYPE_BYTES = {
    "BOOL": 1,
    "U8": 1,
    "I8": 1,
    "F8_E5M2": 1,
    "F8_E4M3": 1,
    "I16": 2,
    "U16": 2,
    "F16": 2,
    "BF16": 2,
    "I32": 4,
    "U32": 4,
    "F32": 4,
    "I64": 8,
    "U64": 8,
    "F64": 8,
}


def read_config(model_dir: Path) -> dict:
    """The checked ``config.json`` of a classifier folder (its weights' header checked too)."""
    path = Path(model_dir) / "config.json"
    if not path.is_file():
        raise ModelError(f"{model_dir}: not a typelens model folder (no config.json)")
    try:
        raw, size = read_regular_file(path, _MAX_CONFIG_BYTES)
        if size > _MAX_CONFIG_BYTES:
            raise ModelError(f"{path}: {size} bytes is too large for a model config")
        config = json.loads(raw.decode("utf-8"))
    except (InputError, ValueError, RecursionError) as err:  # RecursionError: JSON nested too deep
        raise ModelError(f"{path}: unreadable model config ({err})") from None
    if not isinstance(config, dict) or config.get("version") != MODEL_VERSION:
        found = config.get("version") if isinstance(config, dict) else None
        raise ModelError(f"{model_dir}: model version {found!r}, this typelens reads {MODEL_VERSION!r}; retrain it")
    for key in ("classes", "encoder", "dim", "hidden", "layers", "temperature"):
        if key not in config:
            raise ModelError(f"{path}: missing {key!r}; the file is damaged or from another tool")
    _check_config(config, path)
    weights = Path(model_dir) / "model.safetensors"
    if weights.exists():
        check_safetensors(weights)
    return config


def file_identity(path: Path) -> tuple[int, int, int, int, int] | None:
    """What changes with any write to ``path`` (device, inode, size, modification
    and change times), for keys of what is worked out from a model file
    (:mod:`.runtime`'s saved optimised graph, :mod:`.batch_answers`); ``None``
    when it cannot be read."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def check_model_folder(model_dir: Path) -> None:
    """Raise :class:`ModelError` unless ``model_dir`` holds a classifier that
    :class:`~.runtime.ClassifierRuntime` can be expected to load: its checked
    config and weights' header (:func:`read_config`) and a framed ``model.onnx``."""
    read_config(model_dir)
    onnx_path = Path(model_dir) / "model.onnx"
    if not onnx_path.is_file():
        raise ModelError(f"{model_dir}: no model.onnx; run `typelens export --onnx --model {model_dir}`")
    check_onnx(onnx_path)


def check_onnx(path: Path) -> None:
    """Raise :class:`ModelError` unless ``path`` is a regular file framed as an
    ONNX ``ModelProto``: top-level protobuf fields of known wire types whose
    lengths tile the file exactly, one of them the graph (field 7).  Reads the
    fields' keys and lengths only, not the graph."""
    try:
        reason = not_regular_reason(os.stat(path).st_mode)
        if reason is not None:
            raise InputError(reason)
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            fields = _onnx_fields(handle, size)
    except (InputError, OSError) as err:
        raise ModelError(f"{path}: cannot read the ONNX model ({err})") from None
    if fields is None or _ONNX_GRAPH not in fields:
        raise ModelError(f"{path}: cannot load the ONNX model (damaged or not an ONNX file)")


_ONNX_GRAPH = 7  # ModelProto.graph


def _onnx_fields(handle, size: int) -> set[int] | None:
    """The field numbers of the top-level message in ``handle`` (``size`` bytes),
    or ``None`` when its framing is broken."""
    fields: set[int] = set()
    at = 0
    while at < size:
        key, at = _varint(handle, at)
        if key is None or key >> 3 == 0:
            return None
        wire = key & 7
        if wire == 0:
            value, at = _varint(handle, at)
            if value is None:
                return None
        elif wire == 1 or wire == 5:
            at += 8 if wire == 1 else 4
        elif wire == 2:
            length, at = _varint(handle, at)
            if length is None:
                return None
            at += length
        else:  # groups (3, 4) are not in ONNX's schema; 6 and 7 are no wire types
            return None
        fields.add(key >> 3)
    return fields if at == size else None


def _varint(handle, at: int) -> tuple[int | None, int]:
    """The protobuf varint at byte ``at`` and the byte after it (``None``: broken)."""
    handle.seek(at)
    raw = handle.read(10)
    value = 0
    for n, byte in enumerate(raw):
        value |= (byte & 0x7F) << (7 * n)
        if byte < 0x80:
            return value, at + n + 1
    return None, at


def _check_config(config: dict, path: Path) -> None:
    classes = config["classes"]
    if not isinstance(classes, list) or not classes or not all(isinstance(c, str) for c in classes):
        raise ModelError(f"{path}: 'classes' must be a non-empty list of type names; the file is damaged")
    for key, low, high in _SIZES:
        _check_int(config, key, low, high, path)
    temperature = config["temperature"]
    if (
        isinstance(temperature, bool)
        or not isinstance(temperature, (int, float))
        or not math.isfinite(temperature)
        or temperature <= 0
    ):
        raise ModelError(f"{path}: 'temperature' is {temperature!r}, not a positive number; the file is damaged")
    encoder = config["encoder"]
    if not isinstance(encoder, dict):
        raise ModelError(f"{path}: 'encoder' must be an object; the file is damaged")
    known = {key for key, _, _ in _ENCODER_SIZES} | {"subtokens"}
    unknown = sorted(set(encoder) - known)
    if unknown:
        raise ModelError(f"{path}: unknown encoder setting(s) {', '.join(unknown)}; the file is from another version")
    for key, low, high in _ENCODER_SIZES:
        if key in encoder:
            _check_int(encoder, key, low, high, path)
    if not isinstance(encoder.get("subtokens", False), bool):
        raise ModelError(f"{path}: encoder 'subtokens' must be true or false; the file is damaged")


def _check_int(table: dict, key: str, low: int, high: int, path: Path) -> None:
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ModelError(f"{path}: {key!r} is {value!r}, not a whole number from {low} to {high}; the file is damaged")


def check_safetensors(path: Path) -> None:
    """Raise :class:`ModelError` unless ``path`` is a well-formed safetensors file
    (reads the header only)."""
    _read_safetensors(path, header_only=True)


def read_safetensors(path: Path) -> tuple[dict, memoryview]:
    """The checked header of the safetensors file ``path`` (tensor name -> dtype,
    shape, data offsets) and its data (the bytes after the header, which the
    offsets index): the whole file read once.  :class:`ModelError` when it is
    damaged, truncated included."""
    return _read_safetensors(path, header_only=False)


_MAX_WEIGHTS_BYTES = 1 << 32


def _read_safetensors(path: Path, *, header_only: bool) -> tuple[dict, memoryview]:
    try:
        head, size = read_regular_file(path, 8)
        if len(head) < 8:
            raise ModelError(f"{path}: damaged weights ({size} bytes, no safetensors header)")
        (length,) = struct.unpack("<Q", head[:8])
        if not 2 <= length <= min(_MAX_HEADER_BYTES, size - 8):
            raise ModelError(f"{path}: damaged weights (header of {length} bytes in a file of {size})")
        if not header_only and size > _MAX_WEIGHTS_BYTES:
            raise ModelError(f"{path}: {size} bytes is too large for the classifier's weights")
        raw, size = read_regular_file(path, 8 + length if header_only else size)
        if not header_only and len(raw) != size:
            raise ModelError(f"{path}: damaged weights ({len(raw)} bytes read of {size}; changed while read)")
        header = json.loads(raw[8 : 8 + length].decode("utf-8"))
    except (InputError, ValueError, RecursionError) as err:  # RecursionError: JSON nested too deep
        raise ModelError(f"{path}: damaged weights ({err})") from None
    _check_tensors(header, size - 8 - length, path)
    return header, memoryview(raw)[8 + length :]


def _check_tensors(header, data_bytes: int, path: Path) -> None:
    if not isinstance(header, dict):
        raise ModelError(f"{path}: damaged weights (the header is not an object)")
    spans = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            width = _DTYPE_BYTES[info["dtype"]]
            shape = [int(n) for n in info["shape"] if isinstance(n, int) and not isinstance(n, bool) and n >= 0]
            begin, end = info["data_offsets"]
            if len(shape) != len(info["shape"]) or not isinstance(begin, int) or not isinstance(end, int):
                raise ValueError
        except (KeyError, TypeError, ValueError):
            raise ModelError(f"{path}: damaged weights (tensor {name!r} is not described properly)") from None
        if end - begin != math.prod(shape) * width or begin < 0:
            raise ModelError(f"{path}: damaged weights (tensor {name!r} has {end - begin} bytes for shape {shape})")
        spans.append((begin, end))
    at = 0
    for begin, end in sorted(spans):
        if begin != at:
            raise ModelError(f"{path}: damaged weights (tensor data overlaps or leaves a gap at byte {at})")
        at = end
    if at != data_bytes:
        raise ModelError(f"{path}: damaged weights ({data_bytes} data bytes, the tensors describe {at})")
