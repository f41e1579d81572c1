"""``[tool.typelens]`` in pyproject.toml: defaults for the command line and the language server.

Example::

    [tool.typelens]
    select = ["attr-defined", "call-arg"]     # only these rules
    ignore = ["optional-member-access"]
    min-confidence = 0.9
    exclude = ["build/", "migrations/"]
    model-path = "models/classifier"        # a classifier folder (default: the shipped one)
    lm-path = "models/codegen-350M"         # a causal-LM folder for completion (default: the shipped LM)
    device = "auto"                          # auto, cpu, cuda
    guided-completion = true                 # offer monitor-guided multi-token completions in the editor

Command-line options win over the file.  The nearest pyproject.toml above the
first path is used.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from typelens.analyzer import InputError
from typelens.analyzer.codes import CODES

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Settings:
    select: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()
    min_confidence: float = 0.8
    exclude: tuple[str, ...] = ()
    source: Path | None = None
    model_path: Path | None = None
    lm_path: Path | None = None
    device: str = "auto"
    guided_completion: bool = False


def find_pyproject(start: Path) -> Path | None:
    try:
        current = start.resolve()
    except (OSError, RuntimeError):   # a symbolic link loop (RuntimeError before Python 3.13)
        current = Path(os.path.abspath(start))
    if current.is_file():
        current = current.parent
    for folder in (current, *current.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_settings(start: Path) -> Settings:
    path = find_pyproject(start)
    if path is None:
        return Settings()
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise InputError(f"{path}: cannot read [tool.typelens]: {err}") from None
    section = doc.get("tool", {}).get("typelens", {})
    if not isinstance(section, dict):
        raise InputError(f"{path}: [tool.typelens] must be a table")
    select = frozenset(_codes(path, section.get("select", []), "select"))
    ignore = frozenset(_codes(path, section.get("ignore", []), "ignore"))
    confidence = section.get("min-confidence", 0.8)
    if not isinstance(confidence, (int, float)) or not 0 <= confidence <= 1:
        raise InputError(f"{path}: min-confidence={confidence!r} must be a number between 0 and 1")
    exclude = tuple(str(e) for e in section.get("exclude", []))
    paths = {}
    for key in ("model-path", "lm-path"):
        value = section.get(key)
        if value is not None and not isinstance(value, str):
            raise InputError(f"{path}: {key}={value!r} must be a path string")
        paths[key] = (path.parent / value) if value else None
    device = section.get("device", "auto")
    if device not in ("auto", "cpu") and not (isinstance(device, str) and device.startswith("cuda")):
        raise InputError(f"{path}: device={device!r} must be auto, cpu or cuda[:N]")
    guided = section.get("guided-completion", False)
    if not isinstance(guided, bool):
        raise InputError(f"{path}: guided-completion={guided!r} must be true or false")
    return Settings(select, ignore, float(confidence), exclude, path, paths["model-path"], paths["lm-path"], device,
                    guided)


def _codes(path: Path, value, key: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise InputError(f"{path}: {key} must be a list of rule codes")
    for code in value:
        if code not in CODES:
            raise InputError(f"{path}: {key} names unknown rule {code!r}; known: {', '.join(sorted(CODES))}")
    return list(value)


def parse_code_list(text: str | None, option: str) -> frozenset[str]:
    if not text:
        return frozenset()
    codes = [c.strip() for c in text.split(",") if c.strip()]
    for code in codes:
        if code not in CODES:
            raise InputError(f"{option} names unknown rule {code!r}; known: {', '.join(sorted(CODES))}")
    return frozenset(codes)
