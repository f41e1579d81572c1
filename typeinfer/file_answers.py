"""Per-file answers kept between runs: after a one-file edit, only what it can reach is redone.

The result cache (:mod:`.result_cache`) serves a tree whose every file is
unchanged.  Beside it, a run keeps each file's answers (predictions and
diagnostics) with what they read (:mod:`.reads`): the project files whose
content went into them, and the files whose incoming calls did (a parameter
typed from call sites in other files).  The entry is keyed by the project's
file *names* and everything else the result cache keys by (options, code,
environment, settings), and holds the content hash each file had.  A later run
reuses a file's answers iff every file they read still has that hash and every
file whose callers they read is still called from the same files, unchanged;
it works out the others in a fresh engine.  The engine's answers do not depend
on the order of its questions (:mod:`.fixpoint`), so the merged answers equal a
cold run's, as long as no run hit a work budget (whose end depends on what the
memo held): such a run keeps no entry, and a run that hits one while reusing
answers starts again from nothing.

Recording reads costs a run about a tenth to a quarter more (the engine's
caches besides the memo start empty for each file), so a run records them only
when the entry says to: the first run of a project (a cold run) keeps an entry
with no answers that says to, the next run that answers (after an edit)
records, and later edits reuse.  A run after which an edit of one file would
on average leave less than a third of the answers to reuse (a package whose
modules all import each other through its ``__init__``) says not to.

An entry is JSON: ``track`` (whether the next run records reads), ``digests`` (path: content hash), ``callers`` (path: hash of
the files that call into it and their hashes), ``answers`` (one row a file:
path, the files read, the files whose callers were read, predictions grouped as
the result cache groups them, diagnostics), and ``reads``, the library files
read (checked as the result cache checks them).  A damaged entry is a miss.

Example (``infer`` after an edit of ``b.py`` that ``a.py`` does not read)::

    store = FileAnswers(entry_path)
    plan = store.plan(session, files)       # {'/p/a.py': FileAnswer(...)}: reused
    ...                                     # b.py worked out again
    store.write(session, answers, log.queries, track=True)
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from typelens.analyzer import EdgeKind, ProjectGraph
from typelens.analyzer.cache import content_digest
from typelens.analyzer.spans import Diagnostic

from .engine import query_digest
from .result_cache import (
    diagnostic_rows,
    diagnostics_of,
    prediction_groups,
    predictions_of,
    read_entry,
    write_entry,
)

if TYPE_CHECKING:
    from .engine import TypeEngine
    from .predicted import Prediction
    from .session import AnalysisSession

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FileAnswer:
    """One file's answers and what they read (resolved paths)."""

    path: str
    predictions: tuple[Prediction, ...]
    diagnostics: tuple[Diagnostic, ...]
    reads: tuple[str, ...]
    calls: tuple[str, ...]


class FileAnswers:
    """The per-file entry at ``where`` (see the module docstring)."""

    def __init__(self, where: Path, *, keep: bool = True) -> None:
        self.where = where
        self.keep = keep  # False: reuse nothing (a run that starts again), but write
        self.found = False  # :meth:`plan` found an entry
        self.tracking = not keep  # :meth:`plan`: whether this run records what answers read
        self._callers: dict[str, str] | None = None
        self._digests: dict[str, str] = {}
        self._known: dict[Path, tuple[tuple[int, int], str]] | None = None  # the index's hashes
        self._engine: TypeEngine | None = None  # answers project queries again

    def plan(self, session: AnalysisSession, files: list[Path]) -> dict[str, FileAnswer]:
        """The kept answers of ``files`` that still hold, by resolved path."""
        doc = read_entry(self.where) if self.keep else None
        if doc is None:
            return {}
        try:
            self.found = True
            self.tracking = doc["track"] is True
            wanted = {str(f) for f in files}
            digests, callers = doc["digests"], doc["callers"]
            kept = {}
            for row in doc["answers"]:
                answer = _answer_of(row)
                if answer.path in wanted and self._holds(session, answer, digests, callers):
                    kept[answer.path] = answer
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            logger.info("ignoring the damaged cache entry %s: %s", self.where, err)
            self.found = self.tracking = False
            return {}
        return kept

    def _holds(self, session: AnalysisSession, answer: FileAnswer, digests: dict, callers: dict) -> bool:
        if any(self.digest(session, p) != digests[p] for p in answer.reads):
            return False
        return all(self.callers(session).get(p) == callers[p] for p in answer.calls)

    def digest(self, session: AnalysisSession, path: str) -> str:
        """The content hash ``path`` has now (``missing`` when it cannot be read)."""
        found = self._digests.get(path)
        if found is None and path.startswith("?"):  # a project query: asked again
            if self._engine is None:
                self._engine = session.engine(share_library=False)
            found = self._digests[path] = query_digest(self._engine, path) or "missing"
        if found is None:
            if self._known is None:
                self._known = session.index.files_read()
            known = self._known.get(Path(path))
            if known is not None:
                found = known[1]
            else:
                try:
                    found = content_digest(Path(path).read_bytes())
                except OSError:
                    found = "missing"
            self._digests[path] = found
        return found

    def callers(self, session: AnalysisSession) -> dict[str, str]:
        """Each project file's callers now: a hash of the files whose calls the
        project graph links into it, with their content hashes (its own too)."""
        if self._callers is None:
            pg = session.project
            paths, into = _calls_between(pg) if pg is not None else ([], {})
            found = {}
            for j, path in enumerate(paths):
                h = hashlib.blake2b(self.digest(session, path).encode(), digest_size=16)
                for source in sorted(paths[i] for i in into.get(j, ())):
                    h.update(f"|{source}|{self.digest(session, source)}".encode("utf-8", "surrogateescape"))
                found[path] = h.hexdigest()
            self._callers = found
        return self._callers

    def write(
        self, session: AnalysisSession, answers: list[FileAnswer], queries: dict[str, str], *, track: bool
    ) -> None:
        """Keep ``answers`` with the content hashes of what they read (``queries``:
        the hashes of the project queries' answers, as the run found them);
        ``track``: whether the next run that answers records what they read."""
        self._known = session.index.files_read()  # what the files worked out again read too
        self._digests.update(queries)
        read = sorted({p for a in answers for p in a.reads})
        called = sorted({p for a in answers for p in a.calls})
        callers = self.callers(session) if called else {}
        doc = {
            "track": track,
            "digests": {p: self.digest(session, p) for p in read},
            "callers": {p: callers.get(p, "none") for p in called},
            "answers": [
                [
                    a.path,
                    list(a.reads),
                    list(a.calls),
                    prediction_groups(list(a.predictions)),
                    diagnostic_rows(list(a.diagnostics)),
                ]
                for a in answers
            ],
        }
        root = session.index.root
        library = {p: v for p, v in session.index.files_read().items() if root is None or not p.is_relative_to(root)}
        write_entry(self.where, doc, library)

    def drop(self) -> None:
        """Forget the kept answers (a run whose answers cannot be kept per file)."""
        try:
            self.where.unlink(missing_ok=True)
        except OSError as err:
            logger.warning("cannot remove the cache %s: %s", self.where, err)


def _calls_between(pg: ProjectGraph) -> tuple[list[str], dict[int, set[int]]]:
    """The project graph's files (resolved paths), and for each one, the files
    whose calls it links into it."""
    if pg.root is None:
        return [], {}
    paths = [str((pg.root / name).resolve()) for name in pg.files]
    into: dict[int, set[int]] = defaultdict(set)
    for src, dst in pg.cross_edges.get(EdgeKind.CALL, ()):
        (i, _), (j, _) = pg.locate(src), pg.locate(dst)
        into[j].add(i)
    return paths, into


def _answer_of(row: list) -> FileAnswer:
    path, reads, calls, groups, diagnostics = row
    if not isinstance(path, str) or not all(isinstance(p, str) for p in reads + calls):
        raise ValueError("a malformed row")
    return FileAnswer(
        path, tuple(predictions_of(groups)), tuple(diagnostics_of(diagnostics)), tuple(reads), tuple(calls)
    )
