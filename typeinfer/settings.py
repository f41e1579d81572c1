"""One settings layer: defaults, ``[tool.typelens]``, the editor's configuration and
command-line options, merged and validated in one place.

Precedence, lowest first: the defaults, the nearest ``pyproject.toml`` with a
``[tool.typelens]`` table (searched from the working folder or the analysed
path upwards), the editor's ``typelens`` settings (camelCase keys), then the
command line.  Rule selection is layered as in ruff: a layer's ``select``
replaces the rules the layers below enabled, its ``ignore`` removes rules, so
``--select optional-member-access`` on the command line re-enables a rule the
file ignores.  An unknown key is a warning naming it; a value of the wrong type
is an error in the file (:class:`InputError`) and a warning from the editor (the
server keeps its previous value).

:class:`SettingsTree` gives each file its settings: the nearest ``pyproject.toml``
with a ``[tool.typelens]`` table at or above the file (a nested project keeps its
own), else the one found from the working folder upwards, the command line on
top.  ``exclude`` and ``per-file-ignores`` patterns are relative to the folder of
the file that sets them (the working folder for the command line).
:func:`json_schema` describes the table for editors (``docs/typelens.schema.json``).

Example::

    [tool.typelens]
    select = ["attr-defined", "call-arg"]     # only these rules
    ignore = ["optional-member-access"]
    extend-select = ["unused-ignore"]        # add rules that are off by default
    min-confidence = 0.9
    exclude = ["build/", "migrations/", "**/*_pb2.py"]   # gitignore-style globs
    respect-gitignore = true                 # leave out what .gitignore files leave out
    force-exclude = false                    # exclude files named on the command line too
    per-file-ignores = { "tests/**" = ["attr-defined"] }
    python = ".venv"                         # the analysed project's environment
    model-path = "models/classifier"        # a classifier folder (default: the shipped one)
    lm-path = "models/codegen-350M"         # a causal-LM folder, a GGUF file, or tiny / smollm2 (by name)
    device = "auto"                          # auto, cpu, cuda[:N]
    guided-completion = true                 # offer monitor-guided multi-token completions in the editor
    cache = true                             # keep graphs in the on-disk cache (--no-cache: off)
    cache-dir = "~/.cache/typelens"          # its folder (default: $TYPELENS_CACHE_DIR, $XDG_CACHE_HOME/typelens)

    >>> load_settings(Path("."), cli={"min-confidence": 0.5}).min_confidence
    0.5
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from typelens.analyzer import InputError
from typelens.analyzer.codes import CODES

logger = logging.getLogger(__name__)

# the shipped classifier (``model-path``'s default) and the slice model `make slice` adds
DEFAULT_MODEL = Path(__file__).parent / "models" / "classifier"
DEFAULT_SLICE = Path(__file__).parent / "models" / "slice"


@dataclass(frozen=True, slots=True)
class Settings:
    """The rule, file and model settings of a run: ``[tool.typelens]``, the editor's and the command line's layers merged (:func:`merge`)."""

    select: frozenset[str] = frozenset()  # the enabled rules; empty: the default ones
    ignore: frozenset[str] = frozenset()
    extend_select: frozenset[str] = frozenset()  # enabled on top of select (rules off by default)
    min_confidence: float = 0.8
    exclude: tuple[str, ...] = ()  # gitignore-style globs, relative to base
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()  # (glob, codes)
    respect_gitignore: bool = True
    force_exclude: bool = False
    source: Path | None = None  # the pyproject.toml read, if any
    model_path: Path | None = None
    lm_path: Path | str | None = None  # a folder or GGUF file, or a model name (LM_NAMES)
    device: str = "auto"
    guided_completion: bool = False
    python: Path | None = None  # the analysed project's environment or interpreter
    cache: bool = True  # the on-disk graph cache (--no-cache: off)
    cache_dir: Path | None = None  # its folder (default: the user cache folder)

    @property
    def base(self) -> Path:
        """The folder ``exclude`` and ``per-file-ignores`` patterns are relative to."""
        return self.source.parent if self.source is not None else Path.cwd()

    def is_enabled(self, code: str) -> bool:
        if code in self.ignore:
            return False
        if code in self.extend_select:
            return True
        if self.select:
            return code in self.select
        found = CODES.get(code)
        return found is None or found.is_default

    def ignoring(self, codes: frozenset[str]) -> "Settings":
        """These settings with ``codes`` ignored too (a file's ``per-file-ignores``)."""
        if codes <= self.ignore:
            return self
        return replace(self, ignore=self.ignore | codes, extend_select=self.extend_select - codes)


# -- the keys ------------------------------------------------------------------------------
def _codes(value) -> list[str]:
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, (list, tuple, frozenset, set)) or not all(isinstance(v, str) for v in value):
        raise ValueError("must be a list of rule codes")
    for code in value:
        if code not in CODES:
            raise ValueError(f"names unknown rule {code!r}; known: {', '.join(sorted(CODES))}")
    return list(value)


def _confidence(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError("must be a number between 0 and 1")
    return float(value)


def _strings(value) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValueError("must be a list of strings")
    return tuple(value)


def _globs(value) -> tuple[str, ...]:
    patterns = _strings(value)
    from typelens.analyzer.ignores import check_patterns

    check_patterns(patterns)
    return patterns


def _per_file_ignores(value) -> tuple[tuple[str, frozenset[str]], ...]:
    if not isinstance(value, dict):
        raise ValueError('must be a table of glob = [rule codes], e.g. { "tests/**" = ["attr-defined"] }')
    pairs = []
    for pattern, codes in value.items():
        try:
            pairs.append((_globs(pattern)[0], frozenset(_codes(codes))))
        except ValueError as err:
            raise ValueError(f"[{pattern!r}] {err}") from None
    return tuple(pairs)


def _path(value) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, (str, Path)):
        raise ValueError("must be a path string")
    return str(value)


def _device(value) -> str:
    if not isinstance(value, str) or not (value in ("auto", "cpu") or value.startswith("cuda")):
        raise ValueError("must be auto, cpu or cuda[:N]")
    return value


def _boolean(value) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


@dataclass(frozen=True, slots=True, eq=False)  # a holder: compared by identity, never a key
class Key:
    """One setting: its names in ``pyproject.toml`` and in the editor, the :class:`Settings` field it fills, its parser and JSON schema."""

    name: str  # in [tool.typelens] and on the command line (kebab-case)
    editor: str  # in the editor's settings (camelCase)
    field: str  # the Settings attribute
    parse: Callable[[object], object]
    schema: dict  # its JSON schema (without the description)
    description: str
    is_path: bool = False
    names: tuple[str, ...] = ()  # values that are names, not paths: kept as they are


LM_NAMES = ("tiny", "smollm2")  # the code LMs named rather than found by path (monitors.lm.NAMED)


_RULES = {"type": "array", "items": {"type": "string", "enum": sorted(CODES)}, "uniqueItems": True}
_GLOBS = {"type": "array", "items": {"type": "string"}}
_PATH = {"type": "string"}

KEYS: tuple[Key, ...] = (
    Key(
        "select",
        "select",
        "select",
        _codes,
        _RULES,
        "The rules to report (replaces the rules enabled below this layer); empty: the default rules.",
    ),
    Key("ignore", "ignore", "ignore", _codes, _RULES, "Rules to leave out."),
    Key(
        "extend-select",
        "extendSelect",
        "extend_select",
        _codes,
        _RULES,
        "Rules to report on top of `select`, such as `unused-ignore`, which is off by default.",
    ),
    Key(
        "min-confidence",
        "minConfidence",
        "min_confidence",
        _confidence,
        {"type": "number", "minimum": 0, "maximum": 1, "default": 0.8},
        "`infer --apply` and inlay hints: leave out less certain predictions.",
    ),
    Key(
        "exclude",
        "exclude",
        "exclude",
        _globs,
        _GLOBS,
        "Gitignore-style globs of files and folders never analysed, relative to this file's folder.",
    ),
    Key(
        "per-file-ignores",
        "perFileIgnores",
        "per_file_ignores",
        _per_file_ignores,
        {"type": "object", "additionalProperties": _RULES},
        'Rules to leave out in the files a gitignore-style glob matches: { "tests/**" = ["attr-defined"] }.',
    ),
    Key(
        "respect-gitignore",
        "respectGitignore",
        "respect_gitignore",
        _boolean,
        {"type": "boolean", "default": True},
        "Leave out the files that .gitignore files leave out.",
    ),
    Key(
        "force-exclude",
        "forceExclude",
        "force_exclude",
        _boolean,
        {"type": "boolean", "default": False},
        "Apply `exclude` and .gitignore to files named on the command line too (pre-commit passes every file).",
    ),
    Key(
        "python",
        "python",
        "python",
        _path,
        _PATH,
        "The analysed project's Python environment or interpreter (default: $VIRTUAL_ENV, .venv, python on PATH).",
        is_path=True,
    ),
    Key(
        "model-path",
        "modelPath",
        "model_path",
        _path,
        _PATH,
        "A classifier model folder (default: the shipped one).",
        is_path=True,
    ),
    Key(
        "lm-path",
        "lmPath",
        "lm_path",
        _path,
        _PATH,
        "A causal-LM folder or GGUF file for completion, or tiny / smollm2 by name (default: SmolLM2 when "
        "typelens[lm] and its weights are installed, else the tiny LM).",
        is_path=True,
        names=LM_NAMES,
    ),
    Key(
        "device",
        "device",
        "device",
        _device,
        {"type": "string", "pattern": "^(auto|cpu|cuda(:[0-9]+)?)$", "default": "auto"},
        "Where models run: auto, cpu or cuda[:N].",
    ),
    Key(
        "guided-completion",
        "guidedCompletion",
        "guided_completion",
        _boolean,
        {"type": "boolean", "default": False},
        "Offer monitor-guided multi-token completions in the editor.",
    ),
    Key(
        "cache",
        "cache",
        "cache",
        _boolean,
        {"type": "boolean", "default": True},
        "Keep the graphs of files read (libraries and the project) in the on-disk cache and read them from it "
        "(`--no-cache`: neither read nor write it).",
    ),
    Key(
        "cache-dir",
        "cacheDir",
        "cache_dir",
        _path,
        _PATH,
        "The cache folder (default: $TYPELENS_CACHE_DIR, else $XDG_CACHE_HOME/typelens, else ~/.cache/typelens).",
        is_path=True,
    ),
)
_BY_NAME = {k.name: k for k in KEYS}
_BY_EDITOR = {k.editor: k for k in KEYS}


# -- layers ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, eq=False)  # a holder: compared by identity, never a key
class Layer:
    """Validated values of one source, by key name, with the folder its paths are relative to."""

    origin: str
    values: dict
    base: Path | None = None


def file_layer(path: Path) -> Layer:
    """``[tool.typelens]`` of one pyproject.toml; a wrong value is an :class:`InputError`."""
    if sys.version_info >= (3, 11):  # here: a project without a pyproject.toml never imports it
        import tomllib
    else:  # Python 3.10
        import tomli as tomllib
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise InputError(f"{path}: cannot read [tool.typelens]: {err}") from None
    section = doc.get("tool", {}).get("typelens", {})
    if not isinstance(section, dict):
        raise InputError(f"{path}: [tool.typelens] must be a table")
    values = {}
    for key, value in section.items():
        spec = _BY_NAME.get(key)
        if spec is None:
            logger.warning("%s: unknown key %r in [tool.typelens] (known: %s)", path, key, ", ".join(_BY_NAME))
            continue
        try:
            values[key] = spec.parse(value)
        except ValueError as err:
            raise InputError(f"{path}: {key}={value!r} {err}") from None
    return Layer(str(path), values, path.parent)


def editor_layer(options, root: Path | None) -> Layer:
    """The editor's ``typelens`` settings (``initializationOptions`` or
    ``workspace/didChangeConfiguration``); wrong values are warnings."""
    if isinstance(options, dict) and isinstance(options.get("typelens"), dict):
        options = options["typelens"]
    values = {}
    for key, value in options.items() if isinstance(options, dict) else ():
        spec = _BY_EDITOR.get(key) or _BY_NAME.get(key)
        if spec is None:
            logger.warning("editor settings: unknown key %r (known: %s)", key, ", ".join(_BY_EDITOR))
            continue
        try:
            values[spec.name] = spec.parse(value)
        except ValueError as err:
            logger.warning("editor settings: ignoring %s=%r: %s", key, value, err)
    return Layer("editor", values, root)


def cli_layer(options: dict) -> Layer:
    """Command-line options by key name; ``None`` means not given.  A wrong value
    is an :class:`InputError` naming the option."""
    values = {}
    for key, value in options.items():
        if value is None or (key in _RULE_KEYS and value == ""):
            continue
        spec = _BY_NAME[key]
        try:
            values[key] = spec.parse(value)
        except ValueError as err:
            raise InputError(f"--{key} {value} {err}") from None
    return Layer("command line", values, Path.cwd())


_RULE_KEYS = ("select", "ignore", "extend-select")


def merge(layers: list[Layer], source: Path | None = None) -> Settings:
    """Apply ``layers`` in order over the defaults (see the module docstring)."""
    fields: dict = {}
    selected: set[str] | None = None
    ignored: set[str] = set()
    extended: set[str] = set()
    for layer in layers:
        values = layer.values
        if "select" in values:
            selected, extended = set(values["select"]), set()
            ignored -= selected
        extended |= set(values.get("extend-select", ()))
        ignored -= set(values.get("extend-select", ()))
        ignored |= set(values.get("ignore", ()))
        extended -= set(values.get("ignore", ()))
        if selected is not None:
            selected -= set(values.get("ignore", ()))
        for key, value in values.items():
            spec = _BY_NAME[key]
            if key in _RULE_KEYS:
                continue
            if spec.is_path and value is not None and value not in spec.names:
                value = Path(value).expanduser()
                value = value if value.is_absolute() or layer.base is None else layer.base / value
            fields[spec.field] = value
    settings = replace(Settings(), **fields, source=source)
    return replace(
        settings, select=frozenset(selected or ()), ignore=frozenset(ignored), extend_select=frozenset(extended)
    )


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above ``start`` that has a ``[tool.typelens]``
    table, else the nearest one at all."""
    current = start.resolve()
    if not current.is_dir():
        current = current.parent
    nearest = None
    for folder in (current, *current.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            nearest = nearest or candidate
            try:
                if b"[tool.typelens" in candidate.read_bytes():
                    return candidate
            except OSError:
                continue
    return nearest


def load_settings(start: Path, *, editor=None, cli: dict | None = None, root: Path | None = None) -> Settings:
    """The settings for work started at ``start`` (a path given or the editor's root)."""
    path = find_pyproject(start)
    layers = [file_layer(path)] if path is not None else []
    if editor is not None:
        layers.append(editor_layer(editor, root or (path.parent if path else None)))
    if cli:
        layers.append(cli_layer(cli))
    return merge(layers, path)


def with_editor(settings: Settings, options, root: Path | None) -> Settings:
    """``settings`` (from the file) with the editor's configuration on top."""
    base = settings.source
    layers = [file_layer(base)] if base is not None and base.is_file() else []
    return merge([*layers, editor_layer(options, root)], base)


def parse_code_list(text: str | None, option: str) -> frozenset[str]:
    """A comma list of rule codes from the command line."""
    try:
        return frozenset(_codes(text or ""))
    except ValueError as err:
        raise InputError(f"{option} {err}") from None


class SettingsTree:
    """The settings of each file (see the module docstring); every pyproject.toml
    is read once.

    Example::

        tree = SettingsTree(Path.cwd(), cli={"ignore": "call-arg"})
        tree.for_path(Path("vendored/lib/x.py")).source   # vendored/lib/pyproject.toml, if it has [tool.typelens]
    """

    def __init__(self, cwd: Path, cli: dict | None = None) -> None:
        self._cli = cli_layer(cli) if cli else None
        self._by_source: dict[Path | None, Settings] = {}
        self._by_folder: dict[Path, Path | None] = {}
        self.default = self._settings(find_pyproject(cwd))

    def _settings(self, source: Path | None) -> Settings:
        if source not in self._by_source:
            layers = [file_layer(source)] if source is not None else []
            if self._cli is not None:
                layers.append(self._cli)
            self._by_source[source] = merge(layers, source)
        return self._by_source[source]

    def _configured(self, folder: Path) -> Path | None:
        """The nearest pyproject.toml with a [tool.typelens] table at or above ``folder``."""
        walked: list[Path] = []
        found: Path | None = None
        for current in (folder, *folder.parents):
            if current in self._by_folder:
                found = self._by_folder[current]
                break
            walked.append(current)
            candidate = current / "pyproject.toml"
            if _has_table(candidate):
                found = candidate
                break
        for current in walked:
            self._by_folder[current] = found
        return found

    def for_path(self, path: Path) -> Settings:
        """The settings of the file or folder ``path`` (absolute)."""
        found = self._configured(path if path.is_dir() else path.parent)
        return self._settings(found) if found is not None else self.default


def _has_table(candidate: Path) -> bool:
    try:
        return candidate.is_file() and b"[tool.typelens" in candidate.read_bytes()
    except OSError:
        return False


def json_schema() -> dict:
    """The JSON schema of ``[tool.typelens]``, from :data:`KEYS`."""
    properties = {k.name: {**k.schema, "description": k.description} for k in KEYS}
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "typelens.schema.json",
        "title": "[tool.typelens]",
        "description": "typelens settings in pyproject.toml (docs/rules.md, docs/ci.md).",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
