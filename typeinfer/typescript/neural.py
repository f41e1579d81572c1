"""Neural and hybrid answers for scripts.

``neural``: the script classifier's most probable type (trained on the corpus of
``datasets/typescript.py``; onnxruntime, no torch) among those this file can
name, mixed with the slice model's (CodeTIDAL5's generator of type strings) when
one is installed (``models/slice``, or ``$TYPELENS_SCRIPT_SLICE``).  ``hybrid``: certain static answers stay; otherwise the candidates are the
classifier's plus the file's own types, and each is checked against what the
code says (HiTyper's idea, as on the Python side):

* the file's user-defined types (declared here or imported: classes,
  interfaces, aliases, enums) are candidates by how well their name matches the
  target's (``scope`` -> ``ImmerScope``, ``patches`` -> ``Patch[]``), ties broken
  by how often the file mentions them: a classifier trained on other projects
  cannot name them, and they are CodeTIDAL5's weak point;
* a type parameter of the function that no remaining annotation uses is a
  candidate for its parameters (``function castDraft<T>(value)``);
* every member the code reads on the target must exist on a candidate whose
  members are known; a static answer's known part must be in the candidate;
* a parameter's usage constraints (:mod:`.usage`) drop the candidates that break
  them (``count * 2`` drops ``string``); its usage answer is a candidate too, at
  its own confidence, raised where the classifier agrees;
* a parameter nothing says anything about is ``any`` (``any[]`` for ``...rest``),
  as TypeScript reads it.

Example::

    import { ImmerScope } from "./scope";
    function leaveScope(scope) { scope.drafts_ ... }     # hybrid: scope -> ImmerScope
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from typelens.analyzer import Definition, Symbol, SymbolKind

from ..predictions import Prediction
from .features import ScriptTokens, canonical, sample
from .functions import is_rest
from .targets import ScriptTarget, script_targets
from .types import ANY, ArrayOf, Named, TsType, TypeVar, render
from .usage import Constraint, admits

if TYPE_CHECKING:
    from .engine import ScriptEngine

logger = logging.getLogger(__name__)

DEFAULT_MODEL = Path(__file__).parent / "models" / "classifier"
DEFAULT_SLICE = Path(__file__).parent / "models" / "slice"  # optional: `make slice-ts` trains one
SLICE_WEIGHT = 0.5
CERTAIN = 0.85
MIN_PROBABILITY = 0.2
NAME_MATCH = 0.5  # the least name similarity that makes a file's type a candidate
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_DECLARED = (
    "interface_declaration",
    "class_declaration",
    "abstract_class_declaration",
    "type_alias_declaration",
    "enum_declaration",
)
_USELESS = frozenset({"<other>"})


class ScriptAssistant:
    """The script classifier under onnxruntime, and the hybrid checks."""

    def __init__(self, model_dir: Path | None = None, *, use_model: bool = True) -> None:
        """``model_dir``: the classifier (default: the shipped one); without one (or
        with ``use_model=False``) the hybrid checks still run, on the file's own candidates."""
        folder = Path(model_dir or DEFAULT_MODEL)
        self.runtime = None
        if use_model and (model_dir is not None or (folder / "model.onnx").is_file()):
            from ..neural.runtime import ClassifierRuntime

            self.runtime = ClassifierRuntime(folder)
        slice_dir = Path(os.environ.get("TYPELENS_SCRIPT_SLICE", DEFAULT_SLICE))
        self.slice = None
        if use_model and (slice_dir / "decoder.onnx").is_file():
            from ..neural.slice_onnx import SliceOnnxRuntime

            self.slice = SliceOnnxRuntime(slice_dir)

    def refine(self, engine: "ScriptEngine", path: str, predictions: list[Prediction], mode: str) -> list[Prediction]:
        g = engine.require_graph(path)
        context = FileTypes(engine, path)
        if mode == "hybrid":
            predictions = [context.named_union(p) for p in predictions]
        by_anchor = {(g.start_bytes[t.anchor], t.kind): t for t in script_targets(g)}
        looked_up = [
            (p, by_anchor.get((p.span.start_byte, p.kind)))
            for p in predictions
            if p.source != "annotation" and (mode == "neural" or p.type is None or p.confidence < CERTAIN)
        ]
        wanted = [(p, t) for p, t in looked_up if t is not None]
        if not wanted:
            return predictions
        stream = ScriptTokens(g)
        rows = [sample(g, t, stream) for _, t in wanted]
        ranked = self.runtime.predict(rows, k=8) if self.runtime is not None else [[] for _ in wanted]
        if self.slice is not None:
            # the slice model (CodeTIDAL5) names types outside the classifier's classes
            ranked = [_mix(c, s) for c, s in zip(ranked, self.slice.predict(rows, k=5))]
        replaced = {}
        for (p, target), candidates in zip(wanted, ranked):
            choice = (
                self._neural(p, candidates, context)
                if mode == "neural"
                else self._hybrid(p, target, candidates, context)
            )
            if choice is not None:
                replaced[id(p)] = choice
        return [replaced.get(id(p), p) for p in predictions]

    def _neural(self, p: Prediction, candidates, context: "FileTypes") -> Prediction | None:
        for label, prob in candidates:
            if label not in _USELESS and prob >= MIN_PROBABILITY and context.can_name(label):
                return replace(p, type=label, confidence=prob, source="neural")
        return None

    def _hybrid(self, p: Prediction, target: ScriptTarget, candidates, context: "FileTypes") -> Prediction | None:
        # a type read from the parameter's uses is one more candidate, not a filter
        static = p.type if p.type not in (None, "any", "unknown") and not p.evidence else None
        used = context.used_members(target)
        options: list[tuple[str, float]] = []
        options += [(label, prob) for label, prob in candidates if label not in _USELESS and context.can_name(label)]
        options += context.by_name(target)
        options += context.by_members(used)
        constraints = context.usage(target)
        options = usage_ranked(options, p)
        for label, prob in options:
            if prob < MIN_PROBABILITY:
                break
            if static is not None and not _agrees(static, label):
                continue
            if not context.has_members(label, used) or not context.admits(label, constraints):
                continue
            if label == p.type:  # the model agrees with the static answer
                return replace(p, confidence=max(p.confidence, round(prob, 3)))
            return replace(p, type=label, confidence=round(prob, 3), source="hybrid")
        if p.type is None and target.kind == "parameter":
            rest = target.holder is not None and target.function is not None and is_rest(context.g, target.holder)
            return replace(p, type="any[]" if rest else "any", confidence=0.1, source="hybrid")
        return None


def usage_ranked(options: list[tuple[str, float]], p: Prediction) -> list[tuple[str, float]]:
    """The options by probability, the usage answer (``p`` when its uses typed it)
    among them, raised where a candidate agrees with it (``1 - (1-a)(1-b)``)."""
    if p.evidence and p.type is not None:
        options = [*options, (p.type, p.confidence)]
    answer = p.type if p.evidence else None
    merged: dict[str, float] = {}
    for label, prob in options:
        merged[label] = max(merged.get(label, 0.0), prob)
    if answer is not None and answer in merged:
        others = [prob for label, prob in options if label == answer]
        doubt = 1.0
        for prob in others:
            doubt *= 1.0 - prob
        merged[answer] = min(0.95, 1.0 - doubt)
    return sorted(merged.items(), key=lambda item: -item[1])


def _mix(classifier: list[tuple[str, float]], slices: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """One ranking from both models' probabilities (``SLICE_WEIGHT`` to the slice model's)."""
    merged: dict[str, float] = {}
    for label, prob in classifier:
        if label not in _USELESS:
            merged[label] = merged.get(label, 0.0) + (1 - SLICE_WEIGHT if slices else 1.0) * prob
    for label, prob in slices:
        merged[label] = merged.get(label, 0.0) + SLICE_WEIGHT * prob
    return sorted(merged.items(), key=lambda item: -item[1])


def _members_of(t: TsType):
    from .types import members

    return members(t)


def _agrees(static: str, label: str) -> bool:
    """A partly known static answer must be among the candidate's members."""
    wanted = {m.strip() for m in static.split("|")} - {"undefined", "null"}
    return not wanted or wanted <= {m.strip() for m in label.split("|")}


def words(name: str) -> list[str]:
    return [w.lower() for w in _WORDS.findall(name)] or [name.lower()]


class FileTypes:
    """The types a file can name, and how its targets' names match them."""

    def __init__(self, engine: "ScriptEngine", path: str) -> None:
        self.engine, self.path = engine, path
        self.g = engine.require_graph(path)
        self.types: dict[str, Named] = {}
        data = self.g.source.data
        for sym in self.g.symbols:
            if (
                sym.scope != 0
                or not sym.definitions
                or sym.kind not in (SymbolKind.TYPE, SymbolKind.CLASS, SymbolKind.IMPORT)
            ):
                continue
            found = self._declared(sym)
            if found is not None:
                self.types[sym.name] = found
        self.mentions = {name: len(re.findall(rb"\b" + re.escape(name.encode()) + rb"\b", data)) for name in self.types}

    def _declared(self, sym: Symbol) -> Named | None:
        g, store = self.g, sym.definitions[0]
        holder = g.parents[store]
        if sym.kind is not SymbolKind.IMPORT:
            return Named(sym.name, (), (self.path, holder)) if g.kinds[holder] in _DECLARED else None
        binding = next((b for b in g.imports if b.node == store), None)
        target = self.engine.resolve_binding(g, binding) if binding is not None else None
        if isinstance(target, Definition):
            tg = self.engine.graph(str(target.path))
            if tg is not None and tg.kinds[target.node] in _DECLARED:
                return Named(sym.name, (), (str(target.path), target.node))
        return None

    def can_name(self, label: str) -> bool:
        """Whether every name in ``label`` is a library type or one this file can name."""
        for name in re.findall(r"[A-Za-z_$][\w$.]*", label):
            head = name.split(".")[0]
            if head in self.types or head in (
                "string",
                "number",
                "boolean",
                "any",
                "unknown",
                "void",
                "null",
                "undefined",
                "never",
                "object",
                "bigint",
                "symbol",
                "true",
                "false",
                "readonly",
                "keyof",
                "typeof",
            ):
                continue
            if not self.engine.lib.knows(head):
                return False
        return True

    def by_name(self, target: ScriptTarget) -> list[tuple[str, float]]:
        """The file's types whose names match the target's (see the module docstring)."""
        own = words(target.name)
        if (
            target.kind == "return"
            and own
            and own[0] in ("get", "create", "make", "new", "to", "build", "read", "load", "parse", "find")
        ):
            own = own[1:] or own
        plural = own[-1].endswith("s") and len(own[-1]) > 3
        singular = {own[-1][:-1], own[-1][:-2] if own[-1].endswith("es") else ""} - {""} if plural else set()
        in_scope = self._scope_type_parameters(target)
        out = []
        for name, t in self.types.items():
            theirs = words(name)
            if theirs[-1] != own[-1] and theirs[-1] not in singular:
                continue
            head = theirs[-1]
            similarity = len(set(own) & set(theirs) | {head}) / len(set(own) | set(theirs))
            if similarity < NAME_MATCH and len(theirs) > 2:
                continue
            score = 0.45 + 0.4 * similarity + 0.01 * min(self.mentions.get(name, 0), 10)
            text = self._instantiated(name, t, in_scope)
            out.append((f"{text}[]" if head != own[-1] else text, min(score, 0.95)))
        out += self._type_parameters(target)
        return out

    def by_members(self, used: set[str]) -> list[tuple[str, float]]:
        """The file's object types that have every member the code reads on the
        target (HiTyper-style structural matching), when few do."""
        if not used:
            return []
        fitting = [name for name, t in self.types.items() if used <= set(self.engine.members.members_of(t))]
        if not fitting or len(fitting) > 3:
            return []
        fitting.sort(key=lambda n: -self.mentions.get(n, 0))
        score = 0.5 + 0.1 * min(len(used), 3) / 3
        return [(self._instantiated(name, self.types[name], set()), score - 0.05 * i) for i, name in enumerate(fitting)]

    def _instantiated(self, name: str, t: Named, in_scope: set[str]) -> str:
        """A generic type's name with its parameters: the same-named type parameters
        in scope where there are, ``any`` elsewhere (``Mutation<TData, any>``)."""
        from .declared import type_parameters

        where = t.where
        g = self.engine.graph(where[0]) if where is not None else None
        params = type_parameters(g, where[1]) if g is not None and where is not None else []
        if not params:
            return name
        return f"{name}<{', '.join(p if p in in_scope else 'any' for p in params)}>"

    def _scope_type_parameters(self, target: ScriptTarget) -> set[str]:
        from .declared import type_parameters

        g, node, found = self.g, target.function if target.function is not None else target.anchor, set()
        while node is not None and node >= 0:
            if g.child_by_field(node, "type_parameters") is not None:
                found.update(type_parameters(g, node))
            node = g.parents[node]
        return found

    def _type_parameters(self, target: ScriptTarget) -> list[tuple[str, float]]:
        """``function f<T>(value)``: T, when no annotation left in the signature uses it."""
        g = self.g
        function = target.function
        holder = g.child_by_field(function, "type_parameters") if function is not None else None
        if holder is None or function is None or target.kind not in ("parameter", "return"):
            return []
        names = [g.text(n) for p in g.children(holder) if (n := g.child_by_field(p, "name")) is not None]
        body = g.child_by_field(function, "body")
        signature = g.source.data[
            g.end_bytes[holder] : g.start_bytes[body] if body is not None else g.end_bytes[function]
        ]
        unused = [n for n in names if not re.search(rb"\b" + re.escape(n.encode()) + rb"\b", signature)]
        return [(n, 0.6) for n in unused[:1]]  # a declared type parameter no annotation left uses

    def named_union(self, p: Prediction) -> Prediction:
        """A static union of the file's types, named by the alias that covers it
        (``MapState | SetState`` -> ``ImmerState``), the smallest one."""
        if p.source == "annotation" or p.type is None or "|" not in p.type:
            return p
        parts = {m.strip() for m in p.type.split("|")} - {"undefined"}
        best = None
        for name, t in self.types.items():
            g = self.engine.graph(t.where[0]) if t.where else None
            if g is None or t.where is None or g.kinds[t.where[1]] != "type_alias_declaration":
                continue
            opened = {render(m) for m in _members_of(self.engine.types.expand(t))}
            if len(parts) > 1 and parts <= opened and (best is None or len(opened) < best[1]):
                best = (name, len(opened))
        if best is None:
            return p
        text = best[0] + (" | undefined" if "undefined" in {m.strip() for m in p.type.split("|")} else "")
        return replace(p, type=text, source="hybrid")

    def used_members(self, target: ScriptTarget) -> set[str]:
        if target.symbol is None:
            return set()
        g, used = self.g, set()
        for use in g.symbols[target.symbol].uses:
            parent = g.parents[use]
            if g.kinds[parent] in ("attribute", "attribute_store") and g.child_by_field(parent, "object") == use:
                prop = g.child_by_field(parent, "property")
                if prop is not None:
                    used.add(g.text(prop))
        return used

    def usage(self, target: ScriptTarget) -> tuple[Constraint, ...]:
        """The usage constraints of a parameter target (:mod:`.usage`)."""
        if target.kind != "parameter":
            return ()
        return self.engine.usage.constraints(self.path, target.anchor)

    def admits(self, label: str, constraints: tuple[Constraint, ...]) -> bool:
        """False only when the label reads as a type that breaks a usage constraint."""
        if not constraints:
            return True
        from .features import _read

        t = _read(label) if canonical(label) else None
        if t is None or t == ANY or isinstance(t, TypeVar):
            return True
        return admits(constraints, t)

    def has_members(self, label: str, used: set[str]) -> bool:
        """False only when the type's members are known and lack one the code reads."""
        if not used:
            return True
        t = self.types.get(label.removesuffix("[]")) if not label.endswith("[]") else None
        if t is None:
            from .features import _read

            t = _read(label) if canonical(label) else None
            if t is None or isinstance(t, (TypeVar,)) or t == ANY:
                return True
            if isinstance(t, Named) and t.where is None and not self.engine.lib.knows(t.name):
                return True
        table = self.engine.members.members_of(t)
        return not table or used <= set(table)


def script_assistant(session):
    """The session's script assistant (its classifier loaded once), or ``None`` when it cannot load."""
    return session.model("script-classifier", ScriptAssistant)


__all__ = ["ArrayOf", "ScriptAssistant", "render", "script_assistant"]
