"""``--apply``'s rounds for a script: TypeScript annotations or JSDoc, to a fixpoint.

:class:`ScriptFileRounds` is the script twin of the Python file's round state in
:mod:`typelens.typeinfer.apply_rounds`; the rounds, the raw-byte splice and the
safe writer are shared.  Each round analyses the script *as it would be
written* and plans, on that text, what is still missing (:mod:`.edits`); each
planned edit is moved back onto the text as read.  An edit that lands in (or
at the edge of) the text an earlier round inserted amends that edit: a JSDoc
block written in round 1 gets the ``@returns`` line round 2 found.  After each
round's edits the file must still parse; an edit that breaks it is left out
with a note, the others stay.

Example: in ``function half(n) { return n / 2 }`` of a ``.js`` file, round 1
writes ``@param {number} n`` and ``@returns {number}`` in one new block; had
the return type needed the parameter's declared type, round 2 would have added
its line to that same block::

    [done] = annotate_files([Path("lib/half.js")], [Snapshot.read(Path("lib/half.js"))],
                            InferOptions(mode="static"), min_confidence=0.8)
    done.new_raw.decode()[:3]        # '/**'
"""

from __future__ import annotations

import logging

from typelens.analyzer import ProgramGraph
from typelens.analyzer.rawbytes import RawBytesError, apply_data_edits
from typelens.analyzer.typescript import build_script_graph

from ..apply import Edit
from ..apply_rounds import Note, _FileRounds, _without_path
from ..predictions import Prediction
from .edits import plan_script_edits
from .session import script_side

logger = logging.getLogger(__name__)


class ScriptFileRounds(_FileRounds):
    """One script's edits across the rounds (see the module docstring)."""

    def graph_of(self, engine) -> ProgramGraph | None:
        return script_side(engine.session).engine().graph(self.key)

    def start(self, graph: ProgramGraph | None) -> None:
        if self.rf is None or graph is None:
            return
        if graph.has_syntax_errors():
            self.notes.append(Note("skipped: it has syntax errors"))
            return
        self.graph = graph

    def advance(self, engine, predictions: list[Prediction], min_confidence: float) -> bool:
        """Plan on the text this round read, move the edits onto the text as read."""
        assert self.rf is not None and self.graph is not None
        scripts = script_side(engine.session).engine()
        if scripts.graph(self.key) is None:
            return False
        base = self._data_edits()
        fresh: dict[tuple[int, int], Edit] = {}
        parts: dict[tuple[int, int], list[str]] = {}  # the planned texts each fresh edit is made of
        for planned in plan_script_edits(scripts, self.key, predictions, min_confidence).edits:
            moved = onto_original(base, planned)
            if moved is None or (moved.start, moved.end, planned.text) in self.banned:
                continue
            key = (moved.start, moved.end)
            if not self.rf.can_encode(planned.text):
                self._leave_out(key, [planned.text], f"{self.rf.codec} cannot write it")
            elif key not in fresh:
                fresh[key], parts[key] = moved, [planned.text]
            elif key not in self.edits:  # two insertions at one place: both, in the planner's order
                fresh[key] = Edit(key[0], key[1], fresh[key].text + planned.text)
                parts[key].append(planned.text)
            # a second amendment of one earlier edit waits for the next round (it is planned again)
        if not fresh:
            return False
        self._add_what_parses(fresh, parts)
        previous = self.current
        try:
            self.current = self.rf.splice(self._data_edits()) if self.edits else self.snapshot.raw
        except RawBytesError as err:
            return self.give_up(_without_path(err, self.key))
        return self.current != previous

    def _data_edits(self) -> list[tuple[int, int, str]]:
        return sorted((e.start, e.end, e.text) for e in self.edits.values())

    def _parses(self) -> bool:
        assert self.rf is not None
        data = apply_data_edits(self.rf.source.data, self._data_edits())
        return not build_script_graph(data, self.key).has_syntax_errors()

    def _add_what_parses(self, fresh: dict[tuple[int, int], Edit], parts: dict[tuple[int, int], list[str]]) -> None:
        """Add this round's edits if the file still parses with them; else one by
        one, leaving out (with a note) each one after which it would not."""
        before = dict(self.edits)
        self.edits.update(fresh)
        if self._parses():
            return
        self.edits = dict(before)
        for key, edit in sorted(fresh.items()):
            self.edits[key] = edit
            if not self._parses():
                del self.edits[key]
                if key in before:
                    self.edits[key] = before[key]
                self._leave_out(key, parts[key], "the file would not parse")

    def _leave_out(self, key: tuple[int, int], texts: list[str], why: str) -> None:
        assert self.graph is not None
        self.banned.update((key[0], key[1], text) for text in texts)
        line = self.graph.point(min(key[0], len(self.graph.source.data)))[0] + 1
        shown = " ".join(" ".join(text.split()) for text in texts)
        self.notes.append(Note(f"left out {shown!r}: {why}", line))


def onto_original(edits: list[tuple[int, int, str]], edit: Edit) -> Edit | None:
    """``edit``, planned on the text ``edits`` (sorted, of the text as read) make,
    as an edit of the text as read.  One that lies in or at the edge of an
    inserted text amends that edit (its result replaces it); ``None`` when it
    straddles one.

    >>> onto_original([(4, 4, "AB")], Edit(1, 1, "x")).start
    1
    >>> onto_original([(4, 4, "AB")], Edit(7, 7, "y")).start
    5
    >>> onto_original([(4, 4, "AB")], Edit(5, 5, "-")).text
    'A-B'
    """
    shift = 0
    for start, end, text in edits:
        inserted = text.encode("utf-8")
        new_start = start + shift
        new_end = new_start + len(inserted)
        if edit.end < new_start:
            break
        if edit.start > new_end:
            shift += len(inserted) - (end - start)
            continue
        if not new_start <= edit.start <= edit.end <= new_end:
            return None
        at, to = edit.start - new_start, edit.end - new_start
        try:
            amended = (inserted[:at] + edit.text.encode("utf-8") + inserted[to:]).decode("utf-8")
        except UnicodeDecodeError:
            return None
        return Edit(start, end, amended)
    return Edit(edit.start - shift, edit.end - shift, edit.text)
