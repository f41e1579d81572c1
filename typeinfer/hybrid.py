"""Hybrid inference: certain static answers win; otherwise the classifier's
candidates are checked against what the code says (HiTyper's idea) and the most
probable one that fits is taken.

Checks on a candidate type for a symbol:
* every attribute the code reads or calls on the symbol exists on the type (when
  the type's class is known);
* it agrees with what static inference did find (``str | <unknown>`` admits only
  candidates containing ``str``);
* it breaks none of the usage constraints of :mod:`.usage` (``self.orders[key]``
  with ``dict[str, Order]`` drops ``int``), which also move agreeing candidates up;
* a ``None`` default or a ``None`` the static pass saw is kept (``X | None``).

A parameter's type seen at its call sites is what callers pass, not what the
function accepts: where every class passed is a library or project class (not a
builtin such as ``bool``), a confident candidate that is a base class of each
(``str`` for ``class Shells(str, Enum)``) replaces it.

``source`` says who decided: ``neural`` (nothing static was known), ``hybrid`` (the
static facts filtered or completed the candidates).

While a buffer has a syntax error, the models read its recovered text (the graph's
``recovered``, see :func:`readable_tokens`), so the code outside the statement being
typed gets the finished file's answers; inside that statement answers stay static.

Example::

    def greet(name):              static: nothing; classifier: str 0.81, bytes 0.06
        return name.title()       `title` exists on str: name -> str (hybrid)
"""

from __future__ import annotations

import bisect
import logging
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Generator, TypeVar

from typelens.analyzer import ProgramGraph
from typelens.analyzer.recovery import recover_text

from .declared import Declared
from .engine import TypeEngine
from .features import TokenStream, slice_tokens, targets, windows
from .normalize import label_bases
from .predictions import Prediction
from .settings import DEFAULT_MODEL as DEFAULT_MODEL  # re-exported: defined where the cache key reads it
from .settings import DEFAULT_SLICE as DEFAULT_SLICE
from .types import ClassType, TypeOfClass, members
from .usage import rerank, used_attributes

if TYPE_CHECKING:  # loaded on first use: the C kernel, or numpy and onnxruntime
    from .neural.batch_answers import BatchAnswers
    from .neural.encoding import Encoder
    from .neural.native import Classifier

logger = logging.getLogger(__name__)

CERTAIN = 0.85
MIN_PROBABILITY = 0.15
WIDEN_PROBABILITY = 0.5  # a call-site type gives way only to a candidate this probable
_USELESS = frozenset({"Any", "object", "Self", "<other>"})
_GENERIC_NAMES = frozenset(
    {
        "None",
        "str",
        "int",
        "float",
        "bool",
        "bytes",
        "complex",
        "list",
        "dict",
        "set",
        "tuple",
        "frozenset",
        "type",
        "bytearray",
        "Callable",
        "Iterator",
        "Iterable",
        "Generator",
        "Sequence",
        "Mapping",
        "Literal",
    }
)
# what the models read of a file, and the byte ranges of its broken statements (``readable_tokens``)
Tokens = tuple[TokenStream, tuple[tuple[int, int], ...]]
SLICE_WEIGHT = 0.5  # the slice model's share when its candidates are mixed with the classifier's
STEP_ROWS = 32  # rows the models read, or candidates checked, per step of ``refine_steps``
MODEL_ROWS = 256  # the most rows one run of the classifier reads (``ClassifierRuntime.predict``'s batch)


class NeuralAssistant:
    """The classifier, and the slice model when one is installed (``slice_dir`` or
    the shipped ``models/slice``): the classifier on its C kernel where the
    compiled core is built, else under onnxruntime (:mod:`.neural.native`); the
    slice model under onnxruntime.

    ``is_lazy``: the classifier's folder is checked at once (a damaged one is a
    :class:`ModelError` before any analysis) but its weights (and onnxruntime,
    numpy and the session, where it runs there) load only when an answer needs
    the classifier: a run whose every
    answer is certain (or written), or whose every batch of samples an earlier
    run asked (``answers``, :mod:`.neural.batch_answers`), loads none of them.
    ``optimized_dir``: where the session's optimised graph is kept
    (:mod:`.neural.runtime`)."""

    def __init__(
        self,
        model_dir: Path | None = None,
        slice_dir: Path | None = None,
        *,
        use_slice: bool = True,
        is_lazy: bool = False,
        optimized_dir: Path | None = None,
    ) -> None:
        self.model_dir = model_dir or DEFAULT_MODEL
        self.optimized_dir = optimized_dir
        self._runtime: Classifier | None = None
        self._encoder: Encoder | None = None  # the rows' ids, for the kept answers' keys (``encoder``)
        self.answers: BatchAnswers | None = None  # the classifier's answers of earlier runs, when kept
        self._label_sets: list[frozenset[str]] | None = None  # each useful class's label_bases
        self._nameable: dict[frozenset[str], bool] = {}  # can_name's answers
        if is_lazy:
            from .neural.store import check_model_folder

            check_model_folder(self.model_dir)
        else:
            self._load()
        self.slice = None
        folder = slice_dir or (DEFAULT_SLICE if (DEFAULT_SLICE / "decoder.onnx").is_file() else None)
        folder = folder if use_slice else None
        if folder is not None:
            from .neural.slice_onnx import SliceOnnxRuntime

            self.slice = SliceOnnxRuntime(folder)

    def _predict(self, batch: list[dict]) -> list[list[tuple[str, float]]]:
        """The classifier's top 5 of each sample of ``batch``: from the answers of an
        earlier run that asked this very batch (``answers``, keyed by the encoded
        rows), else from the model."""
        if self.answers is None:
            return self.runtime.predict(batch, k=5)
        from .neural.batch_answers import batch_key

        ids = self.encoder.encode_ids(batch)
        key = batch_key(ids)
        found = self.answers.get(key)
        if found is None:
            found = self.runtime.predict_ids(ids, len(batch), k=5)
            self.answers.put(key, found)
        return found

    @property
    def encoder(self) -> Encoder:
        """The classifier's encoder (from its config: a batch answered by
        ``answers`` loads no weights); the runtime's, once it is loaded."""
        if self._encoder is None:
            if self._runtime is not None:
                self._encoder = self._runtime.encoder
            else:
                from .neural.encoding import Encoder, EncoderConfig
                from .neural.store import read_config

                self._encoder = Encoder(EncoderConfig(**read_config(self.model_dir)["encoder"]))
        return self._encoder

    @property
    def runtime(self) -> Classifier:
        """The classifier, loaded on first use: on its C kernel where the compiled
        core is built, else under onnxruntime (:func:`.neural.native.load_classifier`)."""
        return self._runtime if self._runtime is not None else self._load()

    def can_name(self, needed: frozenset[str]) -> bool:
        """Whether one of the classifier's useful classes names every class of
        ``needed`` (the hybrid check :func:`_may_fit`): where none does, no answer
        of the classifier can be taken.  Read from the model's config, without
        loading the model."""
        found = self._nameable.get(needed)
        if found is None:
            if self._label_sets is None:
                from .neural.store import read_config

                classes = self._runtime.classes if self._runtime is not None else read_config(self.model_dir)["classes"]
                self._label_sets = [label_bases(c) for c in classes if c not in _USELESS]
            if len(self._nameable) >= 4096:  # a long language-server session: bounded
                self._nameable.clear()
            found = self._nameable[needed] = any(needed <= names for names in self._label_sets)
        return found

    def _load(self) -> Classifier:
        from .neural.native import load_classifier

        self._runtime = load_classifier(self.model_dir, optimized_dir=self.optimized_dir)
        return self._runtime

    def refine(
        self, engine: TypeEngine, path: str, predictions: list[Prediction], mode: str, tokens: Tokens | None = None
    ) -> list[Prediction]:
        """``predictions`` with the classifier's answers where static inference is
        not certain (see the module docstring); ``tokens``: the file's
        :func:`readable_tokens`, when the caller keeps them (refining a few
        answers at a time)."""
        return drained(self.refine_steps(engine, path, predictions, mode, rows=len(predictions) + 1, tokens=tokens))

    def refine_steps(
        self,
        engine: TypeEngine,
        path: str,
        predictions: list[Prediction],
        mode: str,
        rows: int = STEP_ROWS,
        tokens: Tokens | None = None,
    ) -> Generator[None, None, list[Prediction]]:
        """:meth:`refine` in steps (the samples read; the models run on ``rows``
        rows at a time; the candidates checked as many at a time), each a complete
        question of the engine: the editor answers requests between them.
        Returns what :meth:`refine` returns."""
        wanted = [
            p
            for p in predictions
            if p.source != "annotation"
            and (mode == "neural" or p.type is None or p.confidence < CERTAIN or p.kind == "parameter")
        ]
        if not wanted:
            return predictions
        g = engine.require_graph(path)
        stream, broken = tokens if tokens is not None else readable_tokens(g)
        wanted = [p for p in wanted if not _inside(broken, p.span.start_byte)]
        wanted_keys = {(p.scope, p.name, p.kind) for p in wanted}
        by_key = {(t.scope, t.name, t.kind): t for t in targets(g, Declared(g, engine.index), wanted_keys)}
        # the slice model reads the rows no candidate decided, settled ones too: with it, the classifier reads them all
        settles = mode != "neural" and self.slice is None
        samples, keys, places, total = [], [], [], 0
        for p in wanted:
            target = by_key.get((p.scope, p.name, p.kind))
            if target is None:
                continue
            total += 1
            if settles and (_is_settled(engine, path, p, target) or not self._may_change(p)):
                continue
            samples.append(
                {"windows": windows(stream, target), "name": p.name, "kind": p.kind, "values": list(target.values)}
            )
            keys.append((p, target))
            places.append(total - 1)
        if not samples:
            return predictions
        yield
        ranked: list[list[tuple[str, float]]] = [[] for _ in samples]
        for batch, alone in model_batches(places, total, rows):
            read = [samples[i] for i in batch]
            found = self._predict(read if alone or len(read) > 1 else read * 2)  # see model_batches
            for i, row in zip(batch, found):
                ranked[i] = row
            yield
        replaced: dict[int, Prediction] = {}
        undecided = []
        for n, ((p, target), candidates) in enumerate(zip(keys, ranked), 1):
            choice = self._choose(engine, path, g, p, target, candidates, mode)
            if choice is not None:
                replaced[id(p)] = choice
            else:
                undecided.append((p, target, candidates))
            if n % rows == 0:
                yield
        if self.slice is not None and undecided:
            # the slice model is asked only where no classifier candidate fits: it can
            # name the parametric and user-defined types outside the classifier's classes
            for i in range(0, len(undecided), rows):
                yield
                chunk = undecided[i : i + rows]
                read = [
                    {"kind": p.kind, "name": p.name, "slice": slice_tokens(g, target, stream)} for p, target, _ in chunk
                ]
                for (p, target, candidates), extra in zip(chunk, self.slice.predict(read, k=5)):
                    choice = self._choose(engine, path, g, p, target, mix(candidates, extra), mode)
                    if choice is not None:
                        replaced[id(p)] = choice
        return [replaced.get(id(p), p) for p in predictions]

    def _may_change(self, p: Prediction) -> bool:
        """Whether a hybrid answer of the classifier can replace the unsure static
        answer ``p``: some class of the classifier names what static inference
        found (``_choose`` takes no other).  The models need not read the others."""
        if p.type is None or p.confidence >= CERTAIN:
            return True
        needed = label_bases(p.type) - {"None"}
        return not needed or self.can_name(needed)

    def _choose(self, engine, path, g, p: Prediction, target, candidates, mode: str) -> Prediction | None:
        if mode != "neural" and p.type is not None and p.confidence >= CERTAIN:
            return _widened(engine, path, p, target, candidates)
        static_bases = frozenset() if p.type is None else label_bases(p.type)
        # what static inference found (less None) each candidate must name, in the hybrid mode
        needed = static_bases - {"None"} if mode != "neural" else frozenset()
        if not any(_may_fit(label, prob, needed) for label, prob in candidates):
            return None  # the checks below only drop candidates: the uses need not be asked
        used = used_attributes(g, target.symbol, stores=False)
        ranked = list(candidates)
        if p.kind in ("parameter", "variable"):  # the uses drop candidates and favour agreeing ones
            ranked = rerank(engine, path, target.node, ranked)
        shown = tuple((label, prob) for label, prob in candidates[:5])
        for label, prob in ranked:
            bases = label_bases(label)
            if not _may_fit(label, prob, needed) or not all(_in_scope(engine, path, b) for b in bases):
                continue
            if mode == "neural":
                return replace(p, type=label, confidence=prob, source="neural", candidates=shown)
            if not all(_has(engine, path, b, attr) for b in bases - {"None"} for attr in used):
                continue
            text = label
            if "None" in static_bases and "None" not in bases:
                text = f"{label} | None"
            source = "hybrid" if (static_bases or used or p.evidence) else "neural"
            return replace(p, type=text, confidence=_agreeing(p, bases, prob), source=source, candidates=shown)
        return None


def readable_tokens(g: ProgramGraph) -> Tokens:
    """The tokens the models read, and the byte ranges of the statements that broke.

    A buffer with a syntax error was analysed from its recovered text (each broken
    statement closed or blanked in place, same length and line breaks, see
    :mod:`typelens.analyzer.recovery`): the windows and slices come from that text,
    so those of the code below a half-typed line are the finished file's, and its
    offsets are the buffer's own.  Answers inside a broken statement stay static."""
    if not g.has_syntax_errors():
        return TokenStream(g), ()
    if g.recovered is None:  # a graph from the cache: recovered again
        recovery = recover_text(g.source.data)
        return TokenStream(g, recovery.patched), recovery.innermost()
    return TokenStream(g, g.recovered[0]), g.recovered[1]


def _inside(ranges: tuple[tuple[int, int], ...], offset: int) -> bool:
    """Whether ``offset`` lies in one of ``ranges`` (sorted, apart)."""
    at = bisect.bisect_right(ranges, offset, key=lambda r: r[0]) - 1
    return at >= 0 and ranges[at][0] <= offset < ranges[at][1]


def _may_fit(label: str, prob: float, needed: frozenset[str]) -> bool:
    """Whether candidate ``label`` passes the checks that ask the engine nothing: a
    useful, probable label naming every class of ``needed``."""
    return label not in _USELESS and prob >= MIN_PROBABILITY and needed <= label_bases(label)


def _agreeing(p: Prediction, bases: frozenset[str], prob: float) -> float:
    """The classifier's probability, raised where the static usage answer agrees."""
    if p.evidence and p.type is not None and label_bases(p.type) == bases:
        return 1.0 - (1.0 - prob) * (1.0 - p.confidence)
    return prob


def _widened(engine: TypeEngine, path: str, p: Prediction, target, candidates) -> Prediction | None:
    """A certain static parameter type read from call sites, replaced by the first
    confident candidate that is a base class of every class passed (see above)."""
    if p.kind != "parameter" or not candidates or candidates[0][1] < WIDEN_PROBABILITY:
        return None
    label, prob = candidates[0]
    if label in _USELESS or "|" in label or "[" in label:
        return None
    classes = _passed_classes(engine, path, target)
    if classes is None:
        return None
    wanted = {c.name for c in _classes_named(engine, path, label)}
    if not wanted or any(m.name in wanted for m in classes):
        return None
    if all(wanted & {view.name for view, _ in engine.classes.mro(m)} for m in classes):
        return replace(p, type=label, confidence=prob, source="hybrid")
    return None


def _passed_classes(engine: TypeEngine, path: str, target) -> list[ClassType] | None:
    """The classes a parameter's callers pass, where each is a library or project
    class (what :func:`_widened` may widen); else ``None``."""
    passed = members(engine.parameter_type(path, target.node))
    if not passed or not all(
        isinstance(m, ClassType) and not m.name.startswith("builtins.") and "." in m.name for m in passed
    ):
        return None
    return [m for m in passed if isinstance(m, ClassType)]  # all of them (checked above)


def _is_settled(engine: TypeEngine, path: str, p: Prediction, target) -> bool:
    """Whether no candidate can change the hybrid answer ``p``: a certain static
    answer (``_choose`` keeps it) that :func:`_widened` cannot widen, whatever the
    candidates.  The models need not read it."""
    if p.type is None or p.confidence < CERTAIN:
        return False
    return p.kind != "parameter" or _passed_classes(engine, path, target) is None


def model_batches(places: list[int], total: int, rows: int) -> list[tuple[list[int], bool]]:
    """The batches the classifier reads the samples in (indices into ``places``),
    and whether each is one sample read alone.

    ``places``: where each sample is in the file's whole list of ``total`` samples
    (the settled answers' left out, :func:`_is_settled`).  The C kernel
    (:mod:`.neural.native`) gives a row the same bits in any batch; onnxruntime gives a row
    the same bits in any batch of two rows or more, but other bits alone (another
    kernel): so that the answers are those of the whole list read ``rows`` at a time
    (:data:`MODEL_ROWS` a run), a sample the whole list would read alone is read
    alone, and every other in a batch of two or more, a lone one beside a copy of
    itself (``tests/test_neural.py``).  Measured on this x86 build with one
    intra-op thread (the session's setting); other kernels or thread counts may
    split rows differently, which would move the last bits of a confidence, not
    which batches are read."""
    size = min(rows, MODEL_ROWS)
    batches: list[tuple[list[int], bool]] = []
    pending: list[int] = []
    for n, place in enumerate(places):
        if _is_read_alone(place, total, rows):
            if pending:
                batches.append((pending, False))
                pending = []
            batches.append(([n], True))
            continue
        pending.append(n)
        if len(pending) == size:
            batches.append((pending, False))
            pending = []
    if pending:
        batches.append((pending, False))
    return batches


def _is_read_alone(place: int, total: int, rows: int) -> bool:
    """Whether the sample at ``place`` of ``total`` is alone in its batch when they
    are read ``rows`` at a time, :data:`MODEL_ROWS` a run."""
    start = place - place % rows
    offset = place - start
    left = min(rows, total - start) - (offset - offset % MODEL_ROWS)
    return min(MODEL_ROWS, left) == 1


def _classes_named(engine: TypeEngine, path: str, name: str) -> list[ClassType]:
    classes = [m.cls for m in members(engine.names.module_value(path, name)) if isinstance(m, TypeOfClass)]
    return classes or ([ClassType(f"builtins.{name}")] if name in _GENERIC_NAMES else [])


def mix(classifier: list[tuple[str, float]], slices: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """One ranking from both models: probabilities averaged (``SLICE_WEIGHT``), the
    classifier's ``<other>`` left out (the slice model names those types)."""
    merged: dict[str, float] = {}
    for label, prob in classifier:
        if label != "<other>":
            merged[label] = merged.get(label, 0.0) + (1 - SLICE_WEIGHT) * prob
    for label, prob in slices:
        merged[label] = merged.get(label, 0.0) + SLICE_WEIGHT * prob
    return sorted(merged.items(), key=lambda item: -item[1])


def _in_scope(engine: TypeEngine, path: str, name: str) -> bool:
    """A candidate may only name classes this module can see or its project defines
    (a type named in some other project of the training corpus is no answer here)."""
    if name in _GENERIC_NAMES:
        return True
    value = engine.names.module_value(path, name)
    if any(isinstance(m, TypeOfClass) for m in members(value)):
        return True
    return bool(engine.project_query("defines-class", name)[0])  # a question about the whole project


def _has(engine: TypeEngine, path: str, name: str, attr: str) -> bool:
    """False only when the class is known and lacks ``attr``."""
    value = engine.names.module_value(path, name)
    classes = [m.cls for m in members(value) if isinstance(m, TypeOfClass)]
    if not classes and name in ("str", "int", "float", "bytes", "list", "dict", "set", "tuple", "bool"):
        classes = [ClassType(name)]
    return all(engine.classes.has_member(c, attr) is not False for c in classes)


R = TypeVar("R")


def drained(steps: Generator[None, None, R]) -> R:
    """What a generator of steps returns, its steps run at once."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value
