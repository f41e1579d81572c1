"""The result cache: a run's whole answer, reused while nothing it depends on changed.

``infer`` keeps its predictions and diagnostics in the project's
``.typelens-cache/infer-<key>.json``, ``analyze`` its diagnostics in the user
cache folder's ``results/analyze-<key>.json``.  The key (:func:`answer_key`)
hashes everything an answer depends on: the options, typelens's code, the
environment imports resolve in, the bytes of every file of the project, and the
caller's settings.  What the key cannot see, a stub or an installed module that
was edited in place, is listed in the entry (``reads``: path, time, size and
content hash) and checked before the entry is used.

An entry is compact JSON: predictions grouped by file, each a row of values
whose order is the :class:`~.predicted.Prediction` fields' (no key names, no
repeated file names); rows are read straight into predictions, and nothing is
unpickled.  An entry that is unreadable, of another version or whose reads
changed is a miss; entries are written to a temporary file and renamed.

Example (``infer`` twice on an unchanged tree)::

    where = infer_entry(files, options, root, scope, settings)
    read_answers(where)                    # None: a miss, the run analyses
    write_answers(where, predictions, diagnostics, index.files_read())
    read_answers(where)                    # (predictions, diagnostics), equal to the run's
"""

from __future__ import annotations

import json
import os
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

import logging

from typelens.analyzer.cache import cache_root, code_fingerprint, content_digest, replace_atomically
from typelens.analyzer.digest import blake2b
from typelens.analyzer.environment import discover_environment
from typelens.analyzer.errors import InputError
from typelens.analyzer.layout import is_library_root, iter_python_files, iter_script_files
from typelens.analyzer.source import read_regular_file
from typelens.analyzer.spans import Diagnostic, Span

from .settings import DEFAULT_MODEL, DEFAULT_SLICE, Settings

if TYPE_CHECKING:
    from .predicted import Prediction
    from .run import InferOptions

logger = logging.getLogger(__name__)

# 4: compact rows grouped by file; 3: predictions keep evidence and candidates; 2: scripts (.ts, .js ...)
CACHE_VERSION = "typelens-infer-4"

FileStamps = Mapping[Path, tuple[tuple[int, int], str]]  # path -> ((mtime_ns, size), content digest)


# -- keys and places --------------------------------------------------------------------------
def answer_key(
    files: list[Path],
    options: InferOptions,
    root: Path,
    scope: Path | None = None,
    *,
    settings: Settings | None = None,
    extra: str = "",
    contents: bool = True,
) -> str:
    """The key of an answer of ``files``: what it depends on (the options, typelens's
    code, the environment, every file of the project, and ``extra``, the caller's
    settings).  Without ``contents``, the project's files count by name only (the
    per-file entry of :mod:`.file_answers`, which checks contents itself)."""
    scope = scope or root
    settings = settings or options.settings
    memo = cache_root(settings.cache_dir) / "library" if settings.cache else None  # no cache: no folder looked for
    code = code_fingerprint(("analyzer", "typeinfer"), memo=memo)
    h = blake2b(digest_size=20)
    h.update(
        f"{CACHE_VERSION}|{code}|{options.mode}|{options.model_dir}|"
        f"{options.slice_dir}|{options.use_slice}|{options.max_bytes}|{root}|{extra}".encode("utf-8", "surrogateescape")
    )
    # the environment imports resolve in: which one, and its folders' times (a package installed or removed)
    environment = discover_environment(root, settings.python)
    for folder in environment.search_paths:
        try:
            h.update(f"{folder}|{folder.stat().st_mtime_ns}".encode("utf-8", "surrogateescape"))
        except OSError:
            h.update(f"{folder}|missing".encode("utf-8", "surrogateescape"))
    if options.mode != "static":
        # a model retrained in the same folder changes the answers: its files' sizes and times
        for folder in {Path(options.model_dir or DEFAULT_MODEL), Path(options.slice_dir or DEFAULT_SLICE)}:
            for item in sorted(folder.glob("*")) if folder.is_dir() else []:
                try:
                    stat = item.stat()
                    h.update(f"{item}|{stat.st_size}|{stat.st_mtime_ns}".encode("utf-8", "surrogateescape"))
                except OSError:  # a dangling link, a file removed meanwhile: the model's own checks say what
                    h.update(f"{item}|missing".encode("utf-8", "surrogateescape"))
        # and which runs it (the C kernel or onnxruntime: their probabilities differ in the last bits)
        from .neural.native import backend_identity

        h.update(repr(backend_identity(Path(options.model_dir or DEFAULT_MODEL))).encode("utf-8", "surrogateescape"))
    if scope != root and not is_library_root(root):  # the root's other modules are read when imported:
        for folder in (root, root / "src"):  # one added there can change the answer
            h.update(os.fsencode(folder) + b"\0" + b"\0".join(module_entries(folder)))
    for path in sorted(iter_python_files(scope, skipped=[]) + iter_script_files(scope, declarations=True, skipped=[])):
        if not contents:
            h.update(os.fsencode(path) + b"\0")
            continue
        try:
            data, size = read_regular_file(path, options.max_bytes)  # bounded: what the analysis reads
            h.update(os.fsencode(path) + b"\0" + blake2b(data, digest_size=16).digest() + b"%d" % size)
        except InputError:
            h.update(os.fsencode(path) + b"\0unreadable")
    h.update(b"|".join(sorted(os.fsencode(f) for f in files)))
    return h.hexdigest()


def module_entries(folder: Path) -> list[bytes]:
    """The names in ``folder`` that can be modules (``.py``/``.pyi`` files and
    folders, not hidden ones: a cache or an editor's swap file is none), sorted."""
    try:
        with os.scandir(folder) as entries:
            names = [
                os.fsencode(e.name)
                for e in entries
                if not e.name.startswith(".") and (e.name.endswith((".py", ".pyi")) or e.is_dir())
            ]
    except OSError:
        return []
    return sorted(names)


def infer_entry(
    files: list[Path],
    options: InferOptions,
    root: Path,
    scope: Path,
    settings: Settings | None = None,
    *,
    contents: bool = True,
) -> Path:
    """Where ``infer`` keeps the answer of ``files`` (``options.cache_dir``, else the
    project's ``.typelens-cache``); without ``contents``, its per-file answers
    (:mod:`.file_answers`)."""
    folder = scope if scope.is_dir() else scope.parent  # a loose module's scope is the file
    base = options.cache_dir if options.cache_dir is not None else folder / ".typelens-cache"
    key = answer_key(files, options, root, scope, settings=settings, contents=contents)
    return base / f"{'' if contents else 'perfile-'}infer-{key}.json"


def analyze_entry(
    files: list[Path],
    options: InferOptions,
    root: Path,
    scope: Path,
    settings: Settings,
    rules: list[str],
    *,
    contents: bool = True,
) -> Path | None:
    """Where ``analyze`` keeps the diagnostics of ``files``, whose enabled rules are
    ``rules`` (one comma list a file): the user cache folder's ``results``, or the
    ``cache-dir`` setting's; ``None`` when the settings switch the cache off."""
    if not settings.cache:
        return None
    extra = "analyze|" + "|".join(rules)
    key = answer_key(files, options, root, scope, settings=settings, extra=extra, contents=contents)
    return cache_root(settings.cache_dir) / "results" / f"{'' if contents else 'perfile-'}analyze-{key}.json"


# -- entries ------------------------------------------------------------------------------------
def read_answers(path: Path) -> tuple[list[Prediction], list[Diagnostic]] | None:
    """The predictions and diagnostics kept at ``path``; ``None`` for a miss."""
    doc = read_entry(path)
    if doc is None:
        return None
    try:
        return predictions_of(doc["files"]), _diagnostics_of(doc)
    except (ValueError, KeyError, TypeError):
        return None


def predictions_of(groups: list) -> list[Prediction]:
    """The predictions of rows grouped by file (:func:`prediction_groups`); a
    malformed row raises ``ValueError``, ``KeyError`` or ``TypeError``."""
    from .predicted import Prediction

    return [
        Prediction(
            file,
            where,
            scope,
            name,
            kind,
            type_,
            confidence,
            Span(*span),
            source,
            tuple(evidence),
            tuple((str(label), float(p)) for label, p in candidates),
        )
        for file, where, rows in groups
        for scope, name, kind, type_, confidence, span, source, evidence, candidates in rows
    ]


def prediction_groups(predictions: list[Prediction]) -> list:
    """``predictions`` as compact rows grouped by file (JSON values; a row is a tuple)."""
    return [
        [file, where, [_prediction_row(p) for p in rows]]
        for (file, where), rows in groupby(predictions, key=lambda p: (p.file, p.path))
    ]


def write_answers(path: Path, predictions: list[Prediction], diagnostics: list[Diagnostic], reads: FileStamps) -> None:
    """Keep ``predictions`` and ``diagnostics`` at ``path``, with the files they read."""
    write_entry(path, {"files": prediction_groups(predictions), "diagnostics": diagnostic_rows(diagnostics)}, reads)


def read_diagnostics(path: Path) -> list[Diagnostic] | None:
    """The diagnostics kept at ``path``; ``None`` for a miss."""
    doc = read_entry(path)
    try:
        return _diagnostics_of(doc) if doc is not None else None
    except (ValueError, KeyError, TypeError):
        return None


def write_diagnostics(path: Path, diagnostics: list[Diagnostic], reads: FileStamps) -> None:
    """Keep ``diagnostics`` at ``path``, with the files they read."""
    write_entry(path, {"diagnostics": diagnostic_rows(diagnostics)}, reads)


def read_entry(path: Path) -> dict | None:
    """The entry at ``path`` when it is of this version and no file it read changed."""
    try:
        doc = json.loads(path.read_bytes())
        if doc["version"] != CACHE_VERSION or not reads_unchanged(doc["reads"]):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return doc if isinstance(doc, dict) else None


def write_entry(path: Path, doc: dict, reads: FileStamps) -> None:
    """``doc`` and its reads written to ``path`` atomically, a ``.gitignore`` beside it."""
    rows = [[str(p), stamp[0], stamp[1], digest] for p, (stamp, digest) in reads.items()]
    # no check for cycles (rows of values: none): a cold infer of asyncio writes 12,000 lists and tuples
    text = json.dumps({"version": CACHE_VERSION, **doc, "reads": rows}, separators=(",", ":"), check_circular=False)
    try:
        replace_atomically(path, text.encode("ascii"))  # json.dumps escapes the rest, lone surrogates too
        gitignore = path.parent / ".gitignore"
        if not gitignore.exists():
            gitignore.write_text("*\n", encoding="utf-8")
    except OSError as err:
        logger.warning("cannot write the cache %s: %s", path, err)


def reads_unchanged(rows: list[list]) -> bool:
    """Whether every file an entry read still has its content (its size and time,
    else its hash)."""
    for path, mtime, size, digest in rows:
        try:
            st = os.stat(path)
            if (st.st_mtime_ns, st.st_size) != (mtime, size) and content_digest(Path(path).read_bytes()) != digest:
                return False
        except OSError:
            return False
    return True


def _prediction_row(p: Prediction) -> tuple:
    # tuples, the prediction's own included, are written as JSON lists: no copies
    span = p.span
    where = (span.start_byte, span.end_byte, span.start_row, span.start_col, span.end_row, span.end_col)
    return (p.scope, p.name, p.kind, p.type, p.confidence, where, p.source, p.evidence, p.candidates)


def _diagnostic_row(d: Diagnostic) -> list:
    return [d.code, d.message, _span_list(d.span), d.severity, d.path]


def _diagnostics_of(doc: dict) -> list[Diagnostic]:
    return diagnostics_of(doc["diagnostics"])


def diagnostics_of(rows: list) -> list[Diagnostic]:
    """The diagnostics of :func:`diagnostic_rows`' rows."""
    return [Diagnostic(code, message, Span(*span), severity, path) for code, message, span, severity, path in rows]


def diagnostic_rows(diagnostics: list[Diagnostic]) -> list:
    """``diagnostics`` as compact rows (JSON values)."""
    return [_diagnostic_row(d) for d in diagnostics]


def _span_list(span: Span) -> list[int]:
    return [span.start_byte, span.end_byte, span.start_row, span.start_col, span.end_row, span.end_col]
