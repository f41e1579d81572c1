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
it works out the others in a fresh engine.  Early cutoff (:mod:`.cutoff`): a
file whose own reads hold but whose memo hits (answers worked out in another
file's turn) read a changed file is kept when, once the changed files are
answered again, each such hit has the same answer.  The engine's answers do not depend
on the order of its questions (:mod:`.fixpoint`), so the merged answers equal a
cold run's, as long as no run hit a work budget (whose end depends on what the
memo held): such a run keeps no entry, and a run that hits one while reusing
answers starts again from nothing.

Recording reads costs the files a run answers about a third more (the
engine's caches besides the memo start empty for each file and each question
about another file; a library class's members and a library name's
resolution, which read no project file, are kept across turns by the log), so
a run records them only when the entry says to: the first run of a project (a
cold run) keeps an entry with no answers that says to, the next run that
answers (after an edit) records, and later edits reuse.  A run after which an
edit of one file would leave less than half of the answering work to reuse
(:func:`.run.is_worth_tracking`) says not to.

An entry is JSON: ``track`` (whether the next run records reads), ``digests`` (path: content hash), ``callers`` (path: hash of
the files that call into it and their hashes), ``paths`` and ``sets`` (sets of
files, numbered), ``answers`` (one row a file: path, the files read in its
turn, the files whose callers were read, predictions grouped as the result
cache groups them, diagnostics, and its memo hits: key, answer fingerprint,
the sets they read), and ``reads``, the library files read (checked as the
result cache checks them).  A damaged entry is a miss.

Example (``infer`` after an edit of ``b.py`` that ``a.py`` does not read)::

    store = FileAnswers(entry_path)
    plan = store.plan(session, files)       # {'/p/a.py': FileAnswer(...)}: reused
    ...                                     # b.py worked out again
    store.write(session, answers, log.queries, track=True)
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from typelens.analyzer import EdgeKind, ProjectGraph
from typelens.analyzer.cache import content_digest
from typelens.analyzer.digest import blake2b
from typelens.analyzer.spans import Diagnostic

from .cutoff import ASK_AGAIN, ASK_OUTSIDE, NODE_KINDS, SYMBOL_KINDS, NodeMap, NodeOf, fingerprint, key_of, same_node
from .engine import BudgetSpent, query_digest
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
class Asked:
    """An answer a file used from another turn (:mod:`.cutoff`): its key
    (``None``: one that cannot be asked again), its answer's fingerprint
    (``None``: none kept), the files it read and those whose callers it read
    (resolved paths, project queries)."""

    key: tuple | None
    answer: str | None
    reads: tuple[str, ...]
    calls: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FileAnswer:
    """One file's answers and what they read (resolved paths): ``reads`` and
    ``calls`` in its own turn, the rest through the answers it used (``asked``)."""

    path: str
    predictions: tuple[Prediction, ...]
    diagnostics: tuple[Diagnostic, ...]
    reads: tuple[str, ...]
    calls: tuple[str, ...]
    asked: tuple[Asked, ...] = ()


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
        self._recorded: dict[str, str] = {}  # path -> its hash when the entry was written
        self._recorded_callers: dict[str, str] = {}
        self._held: dict[tuple, bool] = {}
        self._maps: dict[str, NodeMap | None] = {}

    def plan(self, session: AnalysisSession, files: list[Path]) -> tuple[dict[str, FileAnswer], dict[str, FileAnswer]]:
        """The kept answers of ``files`` that still hold, by resolved path, and
        those whose own reads hold but some of whose used answers read a
        changed file (:meth:`verify` asks those again)."""
        doc = read_entry(self.where) if self.keep else None
        if doc is None:
            return {}, {}
        try:
            self.found = True
            self.tracking = doc["track"] is True
            wanted = {str(f) for f in files}
            self._recorded, self._recorded_callers = doc["digests"], doc["callers"]
            paths, sets = doc["paths"], doc["sets"]
            groups = [tuple(paths[i] for i in group) for group in sets]
            kept, suspects = {}, {}
            for row in doc["answers"]:
                answer = _answer_of(row, groups)
                if answer.path not in wanted or not self._holds(session, answer.reads, answer.calls):
                    continue
                if any(self._moved(session, a) for a in answer.asked):
                    suspects[answer.path] = answer
                else:
                    kept[answer.path] = answer
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as err:
            logger.info("ignoring the damaged cache entry %s: %s", self.where, err)
            self.found = self.tracking = False
            return {}, {}
        return kept, suspects

    def _holds(self, session: AnalysisSession, reads: tuple[str, ...], calls: tuple[str, ...]) -> bool:
        """Whether ``reads`` have their recorded hashes and ``calls`` their recorded callers."""
        key = (reads, calls)
        found = self._held.get(key)
        if found is None:
            digests, callers = self._recorded, self._recorded_callers
            found = all(self.digest(session, p) == digests[p] for p in reads) and all(
                self.callers(session).get(p) == callers[p] for p in calls
            )
            self._held[key] = found
        return found

    def _moved(self, session: AnalysisSession, asked: Asked) -> bool:
        return not self._holds(session, asked.reads, asked.calls)

    def is_changed(self, session: AnalysisSession, path: str) -> bool:
        """Whether the project file ``path`` changed since the entry was written."""
        recorded = self._recorded.get(path)
        return recorded is not None and self.digest(session, path) != recorded

    def verify(self, session: AnalysisSession, engine: TypeEngine, answer: FileAnswer) -> FileAnswer | None:
        """``answer`` again if each of its used answers that read a changed
        file is answered as before by ``engine`` (which has answered the files
        that changed), with the questions as they are now; else ``None``."""
        asked = []
        try:
            with engine.file_budget():  # asking again costs no more than answering the file would
                for question in answer.asked:
                    now = self._asked_again(session, engine, question) if self._moved(session, question) else question
                    if now is None:
                        return None
                    asked.append(now)
        except BudgetSpent:
            return None
        return FileAnswer(answer.path, answer.predictions, answer.diagnostics, answer.reads, answer.calls, tuple(asked))

    def _asked_again(self, session: AnalysisSession, engine: TypeEngine, question: Asked) -> Asked | None:
        if question.key is None or question.answer is None or engine.log is None:
            return None
        log = engine.log
        key = self._key_now(session, engine, question.key)
        if key is None:
            return None
        if key[0] in ASK_OUTSIDE and len(key) == 3:  # asked outside the memo: worked out again
            ASK_OUTSIDE[key[0]](engine, key[1], key[2])
            kept = log.answers.get(key)
            if kept is None:
                return None
            value, sets = kept
        else:
            found, value = engine.answered(key)
            if not found and key[0] in ASK_AGAIN and len(key) == 3:
                ASK_AGAIN[key[0]](engine, key[1], key[2])
                found, value = engine.answered(key)
            recorded = log.deps.get(key)
            if not found or recorded is None:
                return None
            sets = recorded
        bare = not (isinstance(key[1], str) and self.is_changed(session, key[1]))
        now = fingerprint(
            value, self._to_old(session, engine), bare_numbers=bare, is_changed=lambda p: self.is_changed(session, p)
        )
        if now != question.answer:
            return None
        return Asked(key, fingerprint(value, same_node), *log.paths_of_sets(sets))

    def _key_now(self, session: AnalysisSession, engine: TypeEngine, key: tuple) -> tuple | None:
        """``key`` in the numbering of the files as they are now (``None``: its node is gone)."""
        if len(key) != 3 or not isinstance(key[1], str) or not self.is_changed(session, key[1]):
            return key
        nodes = self._map(session, engine, key[1])
        if nodes is None or not isinstance(key[2], int):
            return None
        if key[0] in NODE_KINDS:
            now = nodes.to_new.get(key[2])
        elif key[0] in SYMBOL_KINDS:
            now = nodes.symbol_to_new(key[2])
        else:
            return None
        return None if now is None else (key[0], key[1], now)

    def _to_old(self, session: AnalysisSession, engine: TypeEngine) -> NodeOf:
        def node_of(path: str, node: int) -> int | None:
            if not self.is_changed(session, path):
                return node
            nodes = self._map(session, engine, path)
            return nodes.to_old.get(node) if nodes is not None else None

        return node_of

    def _map(self, session: AnalysisSession, engine: TypeEngine, path: str) -> NodeMap | None:
        """The node map of the changed file ``path``: its old graph from the graph cache."""
        if path not in self._maps:
            index, nodes = session.index, None
            cache = index.graph_cache
            if cache is not None:
                old = cache.load(cache.key(self._recorded[path], path, index.config))
                with engine.untracked():
                    new = engine.graph(path)
                if old is not None and new is not None:
                    nodes = NodeMap(old, new)
            self._maps[path] = nodes
        return self._maps[path]

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
                h = blake2b(self.digest(session, path).encode(), digest_size=16)
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
        table: dict[tuple[str, ...], int] = {}
        read: set[str] = set()
        called: set[str] = set()
        rows = []
        for a in answers:
            read.update(a.reads)
            called.update(a.calls)
            asked = []
            for q in a.asked:
                read.update(q.reads)
                called.update(q.calls)
                asked.append(
                    [key_of(q.key) if q.key is not None else None, q.answer, _set(table, q.reads), _set(table, q.calls)]
                )
            rows.append(
                [
                    a.path,
                    list(a.reads),
                    list(a.calls),
                    prediction_groups(list(a.predictions)),
                    diagnostic_rows(list(a.diagnostics)),
                    asked,
                ]
            )
        callers = self.callers(session) if called else {}
        paths = sorted({p for group in table for p in group})
        number = {p: i for i, p in enumerate(paths)}
        doc = {
            "track": track,
            "digests": {p: self.digest(session, p) for p in sorted(read)},
            "callers": {p: callers.get(p, "none") for p in sorted(called)},
            "paths": paths,
            "sets": [[number[p] for p in group] for group in table],
            "answers": rows,
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


def _set(table: dict[tuple[str, ...], int], paths: tuple[str, ...]) -> int:
    found = table.get(paths)
    if found is None:
        found = table[paths] = len(table)
    return found


def _answer_of(row: list, groups: list[tuple[str, ...]]) -> FileAnswer:
    path, reads, calls, groups_of_predictions, diagnostics, asked = row
    if not isinstance(path, str) or not all(isinstance(p, str) for p in reads + calls):
        raise ValueError("a malformed row")
    questions = tuple(
        Asked(tuple(key) if isinstance(key, list) else None, answer, groups[r], groups[c])
        for key, answer, r, c in asked
    )
    return FileAnswer(
        path,
        tuple(predictions_of(groups_of_predictions)),
        tuple(diagnostics_of(diagnostics)),
        tuple(reads),
        tuple(calls),
        questions,
    )


def asked_of(engine: TypeEngine) -> tuple[Asked, ...]:
    """The answers the file just answered used from other turns (:mod:`.reads`), each
    with its answer's fingerprint and what it read."""
    log = engine.log
    if log is None:
        return ()
    found = []
    written = log.fingerprints  # a memo answer is final: its key and fingerprint are written once a run
    for key in log.asked:
        kept = log.answers.get(key)
        sets = kept[1] if kept is not None else log.deps.get(key, (log.reads, log.calls))
        if not sets[0] and not sets[1]:  # it read no project file: the library files are checked as a whole
            continue
        if kept is not None:
            kept_key, answer = key if key_of(key) is not None else None, fingerprint(kept[0], same_node)
        else:
            known = written.get(key)
            if known is None:
                done, value = engine.answered(key)
                known = (key if key_of(key) is not None else None, fingerprint(value, same_node) if done else None)
                if done:
                    written[key] = known
            kept_key, answer = known
        reads, calls = log.paths_of_sets(sets)
        found.append(Asked(kept_key, answer, reads, calls))
    return tuple(found)
