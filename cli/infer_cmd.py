"""``typelens infer PATH...``: predict the type of every parameter, return,
variable and attribute, as text or JSON; ``--apply`` writes annotations.

JSON: ``{"predictions": [{"file", "scope", "name", "kind", "type", "confidence",
"line", "col", "source"}], "stats": {...}, "diagnostics": [{"file", "line", "col",
"end_line", "end_col", "code", "severity", "message"}]}`` with 1-based ``line``/``col`` and
``file`` relative to the working folder (absolute outside it); a row also has
``evidence`` (the usage constraints behind a parameter's type, ``["call:Order.__init__.customer"]``)
and ``candidates`` (the classifier's ``[label, probability]`` ranking) when there are any.
Text: a classifier's answer under ``min-confidence`` is a guess, ``? (bool 0.24)``.  Files are chosen
as ``analyze`` chooses them (``exclude``, ``.gitignore``).
"""

# Annotations are objects here (no `from __future__ import annotations`): the
# command's parameters are read from them (cli/params.py).
import enum
import json
import logging
import math
from json.encoder import encode_basestring
from pathlib import Path
from typing import TYPE_CHECKING

from .output import echo_error, write_output
from .params import Argument, Option
from .paths import display_path

if TYPE_CHECKING:  # loaded when a rendering needs it
    from .positions import HumanLines

logger = logging.getLogger(__name__)


class InferFormat(str, enum.Enum):
    text = "text"
    json = "json"


class Mode(str, enum.Enum):
    static = "static"
    neural = "neural"
    hybrid = "hybrid"


class _Places:
    """Where each prediction of one rendering is shown: its file relative to the
    working folder, its 1-based line and column (characters, as
    :func:`.positions.human_position` counts them).
    Each file is read, indexed and named once, not once a prediction (a run
    renders thousands of rows)."""

    def __init__(self) -> None:
        from typelens.analyzer.source import file_prefix

        from .positions import line_index

        self._read, self._index = file_prefix, line_index
        self._cwd = Path.cwd()  # once: each row's file is shown relative to it
        self._files: dict[str, tuple[str, "HumanLines"]] = {}

    def of(self, p) -> tuple[str, int, int]:
        """``(file as shown, line, column)`` of prediction ``p``."""
        shown, lines = self.file(p.path)
        line, col = lines.human(p.span.start_row, p.span.start_col)
        return shown, line, col

    def file(self, path: str) -> "tuple[str, HumanLines]":
        """``path`` as shown, and its lines."""
        found = self._files.get(path)
        if found is None:
            found = self._files[path] = (display_path(path, self._cwd), self._index(self._read(path)))
        return found


def render_json(result) -> str:
    """``json_indented({"predictions": rows, "stats": stats, "diagnostics": found})`` of
    each prediction's ``to_dict`` row with its ``file`` shown relative to the working
    folder (the same text, each row written straight from its dict: no walk over the
    document), and the run's diagnostics as ``analyze --format json`` writes them."""
    rows, places = [], _Places()
    for p in result.predictions:
        shown, line, col = places.of(p)
        rows.append(_row_text({**p.to_dict(line, col), "file": shown}))
    body = "[\n  " + ",\n  ".join(rows) + "\n ]" if rows else "[]"
    from .findings import build_findings, finding_row

    diagnostics = [finding_row(f) for f in build_findings(result.diagnostics)]
    return (
        '{\n "predictions": '
        + body
        + ',\n "stats": '
        + json_indented_at(result.stats, 1)
        + ',\n "diagnostics": '
        + json_indented_at(diagnostics, 1)
        + "\n}\n"
    )


def _row_text(row: dict) -> str:
    """``row`` as :func:`json_indented` writes it two levels deep: strings, the usual
    case, go to the C encoder straight."""
    parts = [
        f"{encode_basestring(k)}: {encode_basestring(v) if type(v) is str else json_indented_at(v, 3)}"
        for k, v in row.items()
    ]
    return "{\n   " + ",\n   ".join(parts) + "\n  }"


class _NotPlain(Exception):
    """Internal: a value :func:`json_indented` leaves to ``json.dumps``."""


def json_indented(value: object) -> str:
    """``json.dumps(value, indent=1, ensure_ascii=False)``, the same text, without the
    pure-Python encoder's generator per value (``indent`` turns off json's C encoder;
    a file of 50,000 functions spent seconds there).  Values other than dicts with
    string keys, lists, tuples, strings, numbers, booleans and None go to
    ``json.dumps`` itself."""
    return json_indented_at(value, 0)


def json_indented_at(value: object, depth: int) -> str:
    """:func:`json_indented` of ``value`` nested ``depth`` levels deep in a document
    (its inner lines indented as there)."""
    try:
        return _indented(value, depth)
    except _NotPlain:
        text = json.dumps(value, indent=1, ensure_ascii=False)
        return text.replace("\n", "\n" + " " * depth) if depth else text


def _indented(value: object, depth: int) -> str:
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None or value is True or value is False:
        return "null" if value is None else "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return float.__repr__(value) if math.isfinite(value) else json.dumps(value)
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise _NotPlain
        parts = [f"{encode_basestring(k)}: {_indented(v, depth + 1)}" for k, v in value.items()]
        return _container("{", parts, "}", depth)
    if isinstance(value, (list, tuple)):
        return _container("[", [_indented(v, depth + 1) for v in value], "]", depth)
    raise _NotPlain


def _container(opening: str, parts: list[str], closing: str, depth: int) -> str:
    if not parts:
        return opening + closing
    inner = "\n" + " " * (depth + 1)
    return opening + inner + ("," + inner).join(parts) + "\n" + " " * depth + closing


def render_text(result, min_confidence: float = 0.8) -> str:
    """One line per prediction; a classifier's answer under ``min_confidence`` is a
    guess, shown as ``? (bool 0.24)``."""
    lines, places = [], _Places()
    path, file, human = None, "", None
    for p in result.predictions:
        if p.path != path:  # they come file by file: each file looked up once a run of its rows
            path = p.path
            file, found = places.file(path)
            human = found.human
        line, col = human(p.span.start_row, p.span.start_col)
        where = p.scope if p.kind == "return" else (f"{p.scope}.{p.name}" if p.scope else p.name)
        if p.is_guess(min_confidence):
            lines.append(f"{file}:{line}:{col}: {p.kind} {where}: ? ({p.type} {p.confidence:.2f})  ({p.source} guess)")
            continue
        shown = p.type if p.type is not None else "?"
        lines.append(f"{file}:{line}:{col}: {p.kind} {where}: {shown}  ({p.source}, {p.confidence:.2f})")
    s = result.stats
    lines.append(
        f"{s['predictions']} predictions in {s['files']} files, {s['unknown']} unknown, {s['seconds']:.2f} s"
        + (" (cached)" if s.get("cache_hits") else "")
    )
    return "\n".join(lines) + "\n"


def infer_command(
    paths: list[Path] = Argument(..., help="Files or directories to analyse."),
    fmt: InferFormat = Option(InferFormat.text, "--format", "-f", help="Output format."),
    mode: Mode = Option(
        Mode.hybrid, "--mode", help="Inference engine (hybrid: static first, the classifier where static is unsure)."
    ),
    model: Path = Option(None, "--model", help="A classifier model folder (default: the one shipped with typelens)."),
    slice_model: Path = Option(
        None,
        "--slice-model",
        help="A slice-model folder with its ONNX export (default: typeinfer/models/slice when `make slice` has built it; none ships).",
    ),
    no_slice: bool = Option(False, "--no-slice", help="Neural and hybrid modes: the classifier alone."),
    apply: bool = Option(False, "--apply", help="Write the annotations into the files."),
    diff: bool = Option(False, "--diff", help="With --apply: print a unified diff, write nothing."),
    min_confidence: float = Option(
        None,
        "--min-confidence",
        help="With --apply: skip less certain predictions (default: min-confidence in the working folder's pyproject.toml tool.typelens table, else 0.8).",
    ),
    python: str = Option(
        None,
        "--python",
        help="The project's Python environment or interpreter (default: the python setting, the site-packages holding the path, $VIRTUAL_ENV, .venv upwards, python on PATH).",
    ),
    jobs: int = Option(1, "--jobs", "-j", help="Build graphs and answer files in N processes."),
    no_cache: bool = Option(
        False, "--no-cache", help="Neither read nor write the result cache and the on-disk graph cache."
    ),
) -> None:
    """Infer the types of parameters, returns, variables and attributes."""
    from .main import imports_paused

    with imports_paused():
        from typelens.analyzer import InputError, ModelError
        from typelens.typeinfer.discovery import Discovery
        from typelens.typeinfer.run import InferOptions, infer_paths

        from .run_settings import INFER_RUN_WIDE, run_tree

    try:
        cli = {
            "python": python,
            "min-confidence": min_confidence,
            "model-path": str(model) if model else None,
            "cache": False if no_cache else None,
        }
        tree = run_tree(cli, INFER_RUN_WIDE)
        settings = tree.default  # run-wide: the command line over the working folder's table
        options = InferOptions(
            mode=mode.value,
            jobs=jobs,
            worker_answers=not (apply or diff),
            use_cache=not no_cache and not apply,
            model_dir=settings.model_path,
            slice_dir=slice_model,
            use_slice=not no_slice,
            settings=settings,
            discovery=Discovery(tree),
        )
        result = infer_paths(paths, options)
    except (InputError, ValueError, ModelError) as err:
        echo_error(f"typelens infer: {err}")
        raise SystemExit(2) from None
    if apply or diff:
        from .apply_cmd import apply_predictions

        code = apply_predictions(result, paths, min_confidence=settings.min_confidence, diff_only=diff, options=options)
        raise SystemExit(code)
    is_json = fmt is InferFormat.json
    text = render_json(result) if is_json else render_text(result, settings.min_confidence)
    write_output(text, None, command="infer", is_json=is_json)
