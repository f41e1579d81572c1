"""The classifier on its C kernel, without numpy or onnxruntime, and the choice
between that and onnxruntime (:mod:`.runtime`).

``typelens.typeinfer._kernel`` (``typeinfer/neural/_kernel.c``) is built with the
compiled core (``tools/mypyc_build.py``) into ``typeinfer/_mypyc/``, so it is
importable exactly when that build runs (not with ``TYPELENS_PURE=1``, a pure
wheel, or a machine without a C compiler).  :class:`KernelRuntime` reads
``model.safetensors`` itself (the whole file, 5 MB: header checked as
:func:`~.store.read_config` checks it, then every tensor's dtype and shape
against the config) and hands the raw float32 tensors to the kernel (which
reads the embedding in that buffer, and holds it, rather than copy 4 MB), which
folds the first convolution into its lookup tables one token id at a time, as
batches use them (a cold ``infer`` of a package folds a few thousand of the
16,384 buckets: under a millisecond each batch, nothing kept on disk).  The
encoder gives it flat ``array('q')`` ids (:meth:`~.encoding.Encoder.encode_ids`).

:func:`load_classifier` picks the kernel where it is built and supports the
model (one convolution, no sub-tokens, a little-endian machine) and
onnxruntime otherwise; :func:`backend_identity` names the one it picks, for
keys of what depends on the exact probabilities (:mod:`.batch_answers`).  The
two agree to float rounding (``tests/test_kernel.py``): the order of float32
additions differs.

Example::

    rt = load_classifier(Path("typeinfer/models/classifier"))
    type(rt).__name__                  # 'KernelRuntime' (compiled build) or 'ClassifierRuntime'
    rt.predict([sample])[0][:2]        # [('str', 0.81), ('bytes', 0.07)]
"""

from __future__ import annotations

import logging
import sys
from array import array
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Union

from typelens.analyzer import ModelError
from typelens.analyzer.cache import distribution_version

from .encoding import Encoder, EncoderConfig, batches_of
from .store import file_identity, read_config, read_safetensors

if TYPE_CHECKING:
    from .runtime import ClassifierRuntime

    Classifier = Union["KernelRuntime", ClassifierRuntime]

logger = logging.getLogger(__name__)

Ranked = list[list[tuple[str, float]]]


def kernel_module() -> ModuleType | None:
    """The C kernel, or ``None`` where it is not built (or the compiled build does
    not run) or the machine is big-endian (the weights are little-endian)."""
    if sys.byteorder != "little":
        return None
    try:  # found only in the compiled build's folder (typeinfer/_mypyc/), first on the package's path
        import typelens.typeinfer._kernel as kernel
    except ImportError:
        return None
    return kernel


def unsupported_reason(config: dict) -> str | None:
    """Why the kernel cannot run the model of ``config`` (read by
    :func:`~.store.read_config`), or ``None`` when it can."""
    if config["layers"] != 1:
        return f"{config['layers']} convolutions (the kernel folds one)"
    if config["encoder"].get("subtokens"):
        return "sub-token inputs"
    return None


def uses_kernel(model_dir: Path) -> bool:
    """Whether :func:`load_classifier` runs the model in ``model_dir`` on the kernel."""
    if kernel_module() is None or not (Path(model_dir) / "model.safetensors").is_file():
        return False
    return unsupported_reason(read_config(model_dir)) is None


def load_classifier(model_dir: Path, *, optimized_dir: Path | None = None) -> Classifier:
    """The classifier of ``model_dir``: on the kernel where :func:`uses_kernel`,
    else under onnxruntime (``optimized_dir``: :mod:`.runtime`'s saved graphs)."""
    if uses_kernel(model_dir):
        return KernelRuntime(model_dir)
    from .runtime import ClassifierRuntime

    return ClassifierRuntime(model_dir, optimized_dir=optimized_dir)


def backend_identity(model_dir: Path) -> list[object]:
    """What names the backend :func:`load_classifier` picks for ``model_dir``:
    the kernel's version and file, or onnxruntime's and numpy's versions."""
    kernel = kernel_module()
    if kernel is not None and uses_kernel(model_dir):
        return ["kernel", kernel.VERSION, file_identity(Path(kernel.__file__ or ""))]
    return ["onnxruntime", distribution_version("onnxruntime"), distribution_version("numpy")]


def _tensor_shapes(config: dict) -> dict[str, tuple[int, ...]]:
    """The weights the kernel reads, in its argument order, with their shapes."""
    enc, dim, hidden = EncoderConfig(**config["encoder"]), config["dim"], config["hidden"]
    pooled = 4 if enc.values else 3
    return {
        "embed.weight": (enc.buckets, dim),
        "convs.0.weight": (dim, dim, 3),
        "convs.0.bias": (dim,),
        "position.weight": (enc.window_len, dim),
        "head.0.weight": (hidden, pooled * dim),
        "head.0.bias": (hidden,),
        "head.3.weight": (len(config["classes"]), hidden),
        "head.3.bias": (len(config["classes"]),),
    }


class KernelRuntime:
    """:class:`~.runtime.ClassifierRuntime`'s :meth:`predict` on the C kernel;
    :class:`ModelError` when the weights are damaged or do not fit the config."""

    def __init__(self, model_dir: Path, kernel: ModuleType | None = None) -> None:
        kernel = kernel or kernel_module()
        if kernel is None:
            raise ModelError("the classifier's C kernel is not built; use ClassifierRuntime (onnxruntime)")
        self.config = read_config(model_dir)
        reason = unsupported_reason(self.config)
        if reason is not None:
            raise ModelError(f"{model_dir}: the C kernel cannot run this classifier ({reason})")
        self.classes: list[str] = self.config["classes"]
        self.encoder = Encoder(EncoderConfig(**self.config["encoder"]))
        weights = Path(model_dir) / "model.safetensors"
        header, data = read_safetensors(weights)
        buffers = []
        for name, shape in _tensor_shapes(self.config).items():
            info = header.get(name)
            if not isinstance(info, dict) or info.get("dtype") != "F32" or tuple(info.get("shape", ())) != shape:
                found = (info.get("dtype"), info.get("shape")) if isinstance(info, dict) else "none"
                raise ModelError(f"{weights}: tensor {name!r} is {found}, the config needs F32 {list(shape)}")
            begin, end = info["data_offsets"]
            buffers.append(data[begin:end])
        enc = self.encoder.config  # the config's sizes, with EncoderConfig's defaults for those it leaves out
        sizes = (enc.buckets, self.config["dim"], enc.windows, enc.window_len, enc.name_len)
        dims = (*sizes, enc.values, self.config["hidden"], len(self.classes))
        try:
            self.kernel = kernel.Kernel(dims, *buffers, float(self.config["temperature"]))
        except ValueError as err:
            raise ModelError(f"{weights}: the C kernel refused the weights ({err})") from None

    def probabilities(self, samples: list[dict], batch: int = 256) -> array:
        """Every sample's probabilities, float32, row after row (``len(samples) *
        len(classes)`` values)."""
        out = array("f")
        for i in range(0, len(samples), batch):
            chunk = samples[i : i + batch]
            ids = self.encoder.encode_ids(chunk)
            out.frombytes(self.kernel.probabilities(ids["windows"], ids["name"], len(chunk)))
        return out

    def predict(self, samples: list[dict], k: int = 5, batch: int = 256) -> Ranked:
        """The top ``k`` ``(type, probability)`` of each sample, best first (ties:
        the class listed first), encoded and run ``batch`` rows at a time."""
        found: Ranked = []
        for i in range(0, len(samples), batch):
            chunk = samples[i : i + batch]
            found += self.predict_ids(self.encoder.encode_ids(chunk), len(chunk), k)
        return found

    def predict_ids(self, ids: dict[str, array], rows: int, k: int = 5, batch: int = 256) -> Ranked:
        """:meth:`predict` of the ``rows`` samples that ``ids`` encodes (:meth:`~.encoding.Encoder.encode_ids`)."""
        classes = self.classes
        found: Ranked = []
        for part, count in batches_of(ids, rows, batch):
            for row in self.kernel.ranked(part["windows"], part["name"], count, min(k, len(classes))):
                found.append([(classes[j], p) for j, p in row])
        return found
