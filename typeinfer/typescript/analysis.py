"""One script file at one version, and every question about it, in byte offsets:
the script twin of :class:`~typelens.typeinfer.session.FileAnalysis`, answering
with the same values (``Prediction``, ``HoverInfo``, ``Hint``,
``CompletionEntry``, edits), so the command line and the language server need
no script-specific code.

* :meth:`predictions`: :mod:`.predictions`; ``hybrid``/``neural`` refine them with
  the script classifier when one is installed (:mod:`.neural`);
* :meth:`diagnostics`: syntax problems and unresolved relative imports;
* :meth:`hover`: the prediction at the identifier, else its static type;
* :meth:`inlay_hints` / :meth:`annotate`: the edits of :mod:`.edits`;
* :meth:`completions`: the members of the receiver before a ``.`` (a half-typed
  ``obj.`` is completed on a patched copy of the buffer);
* :meth:`definition`: where a name, an import or a member is declared;
* :meth:`document_symbols` (the outline) and :meth:`highlights` (a name's
  uses in the file); :meth:`signature_help` (:mod:`.signatures`) and
  :meth:`semantic_tokens` (:mod:`.semantic`); :meth:`references` and
  :meth:`rename` across the project's files (:mod:`.references`).

Example::

    analysis = AnalysisSession(root).analyse(Path("src/app.ts"))
    analysis.hover(offset).type           # 'Map<string, User>'
    [e.label for e in analysis.completions(dot + 1)][:3]
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from typelens.analyzer import Definition, Diagnostic, SymbolKind, codes
from typelens.analyzer.typescript import ScriptGraph, build_script_graph
from typelens.analyzer.typescript.resolve import ScriptModule

from ..ide.annotate import Hint, minimal_edits
from ..ide.completion import CompletionEntry
from ..ide.hover import HoverInfo
from ..ide.references import Reference
from ..ide.symbols import OutlineItem
from ..predictions import Prediction
from .edits import apply_script_edits, plan_script_edits
from .members import Member
from .predictions import ScriptPredictor
from .types import UNKNOWN, ClassOf, Func, Named, Overloads, render

if TYPE_CHECKING:
    from ..session import AnalysisSession
    from ..settings import Settings
    from .engine import ScriptEngine

logger = logging.getLogger(__name__)

STATIC_CONFIDENCE = 0.9
_NAME_BYTES = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$0123456789#"
_PLACEHOLDER = "__typelens_member__"


_OUTLINE = {
    "function_declaration": "function",
    "generator_function_declaration": "function",
    "method_definition": "method",
    "class_declaration": "class",
    "abstract_class_declaration": "class",
    "interface_declaration": "interface",
    "type_alias_declaration": "type",
    "enum_declaration": "enum",
    "public_field_definition": "field",
    "field_definition": "field",
    "variable_declarator": "variable",
}
_OUTLINE_INSIDE = frozenset(
    {
        "program",
        "export_statement",
        "class_body",
        "lexical_declaration",
        "variable_declaration",
        "ambient_declaration",
        "statement_block",
    }
)


class ScriptAnalysis:
    """The analysis of one script (see the module docstring)."""

    language = "script"

    def __init__(
        self,
        session: "AnalysisSession",
        path: str,
        display: str,
        graph: ScriptGraph,
        engine: "ScriptEngine",
        mode: str = "static",
    ) -> None:
        self.session, self.path, self.display = session, path, display
        self.graph, self.engine, self.mode = graph, engine, mode
        self.settings = None
        self._predictions: dict[str, list[Prediction]] = {}
        self._diagnostics: list[Diagnostic] | None = None
        self.partial = False  # the predictions ran past a budget (ScriptPredictor)

    # -- predictions and findings ---------------------------------------------------------
    def predictions(self, mode: str | None = None, assistant=None) -> list[Prediction]:
        mode = mode or self.mode
        if mode not in self._predictions:
            predictor = ScriptPredictor(self.engine, self.path, self.display)
            found = predictor.run()
            self.partial = self.partial or predictor.partial
            if mode != "static":
                from .neural import script_assistant

                helper = script_assistant(self.session)
                if helper is not None:
                    found = helper.refine(self.engine, self.path, found, mode)
            self._predictions[mode] = found
        return self._predictions[mode]

    def diagnostics(self, settings: Settings | None = None) -> list[Diagnostic]:
        """As :meth:`FileAnalysis.diagnostics`: ``settings``, the file's rule settings."""
        if self._diagnostics is None:
            found = [Diagnostic(d.code, d.message, d.span, d.severity, self.display) for d in self.graph.diagnostics]
            self._diagnostics = found + self._unresolved_imports()
        chosen = settings or self.settings or self.session.settings
        return [d for d in self._diagnostics if chosen.is_enabled(d.code)]

    def _unresolved_imports(self) -> list[Diagnostic]:
        g, out, seen = self.graph, [], set()
        for binding in g.imports:
            if binding.module in seen or not binding.module.startswith("."):
                continue
            seen.add(binding.module)
            if self.engine.index.resolve(binding.module, self.path) is None:
                message = codes.UNRESOLVED_IMPORT.format(module=binding.module)
                out.append(Diagnostic.build("unresolved-import", message, g.span(binding.statement), self.display))
        return out

    # -- hover and definitions ------------------------------------------------------------
    def identifier_at(self, offset: int) -> int | None:
        g = self.graph
        for candidate in (offset, offset - 1):
            node = g.node_at(max(candidate, 0))
            if node in g.names or g.kinds[node] in ("this",):
                return node
        return None

    def hover(self, offset: int) -> HoverInfo | None:
        g = self.graph
        node = self.identifier_at(offset)
        if node is None:
            return None
        prediction = next((p for p in self.predictions() if p.span.start_byte == g.start_bytes[node]), None)
        value = self.value_at(node)
        text: str | None
        if prediction is not None and prediction.type is not None:
            text, source, confidence = prediction.type, prediction.source, prediction.confidence
        else:
            text = render(value) if value is not UNKNOWN else None
            source, confidence = "static", STATIC_CONFIDENCE if text else 0.0
        if text is None and isinstance(value, (Func, Overloads, ClassOf)):
            text = render(value)
        return HoverInfo(
            g.names.get(node, g.text(node)),
            _hover_kind(g, node, value),
            text,
            source,
            confidence,
            (),
            None,
            g.start_bytes[node],
            g.end_bytes[node],
            "typescript",
        )

    def value_at(self, node: int):
        """The static type of the identifier ``node`` (or of the member it names)."""
        g, engine = self.graph, self.engine
        kind = g.kinds[node]
        parent = g.parents[node]
        if kind == "property_identifier" and g.kinds[parent] in ("attribute", "attribute_store"):
            return engine.value_of(self.path, parent)
        if kind in ("name_load", "this"):
            return engine.value_of(self.path, node)
        if kind in ("name_store", "parameter"):
            return engine.definition_type(self.path, node)
        if kind == "property_identifier" and node in g.symbol_of:
            return engine.definition_type(self.path, node)
        if kind == "type_identifier":
            return engine.declared(self.path, node)
        return UNKNOWN

    def definition(self, offset: int) -> tuple[Path, int, int] | None:
        g = self.graph
        node = self.identifier_at(offset)
        if node is None:
            return None
        sym = g.symbol_at(node)
        if sym is not None and sym.kind is SymbolKind.IMPORT:
            binding = next((b for b in g.imports if b.node in sym.definitions), None)
            target = self.engine.index.resolve_binding(g, binding) if binding is not None else None
            if isinstance(target, Definition):
                tg = self.engine.graph(str(target.path))
                return (target.path, tg.start_bytes[target.node], tg.end_bytes[target.node]) if tg is not None else None
            if isinstance(target, ScriptModule) and target.path is not None:
                return target.path, 0, 0
        if sym is not None and sym.definitions and sym.scope >= 0:
            d = sym.definitions[0]
            return Path(self.path), g.start_bytes[d], g.end_bytes[d]
        parent = g.parents[node]
        if g.kinds[node] == "property_identifier" and g.kinds[parent] in ("attribute", "attribute_store"):
            obj = g.child_by_field(parent, "object")
            member = (
                self.engine.members.members_of(self.engine.value_of(self.path, obj)).get(g.text(node))
                if obj is not None
                else None
            )
            if member is not None and member.where is not None:
                tg = self.engine.graph(member.where[0])
                if tg is not None:
                    return Path(member.where[0]), tg.start_bytes[member.where[1]], tg.end_bytes[member.where[1]]
        return None

    # -- annotations ------------------------------------------------------------------------
    def inlay_hints(self, start: int, end: int, min_confidence: float | None = None) -> list[Hint]:
        minimum = self.session.settings.min_confidence if min_confidence is None else min_confidence
        if not self.graph.is_typescript:
            return [
                Hint(p.span.end_byte, f": {p.type}", (p.span.end_byte, p.span.end_byte, f": {p.type}"))
                for p in self.predictions()
                if p.type is not None
                and p.source != "annotation"
                and p.confidence >= minimum
                and start <= p.span.end_byte <= end
            ]
        plan = plan_script_edits(self.engine, self.path, self.predictions(), minimum)
        return [Hint(e.start, e.text, (e.start, e.end, e.text)) for e in plan.edits if start <= e.start <= end]

    def annotate(self, offset: int | None) -> list[tuple[int, int, str]] | None:
        g = self.graph
        if g.has_syntax_errors():
            return None
        only = None
        if offset is not None:
            node = self.identifier_at(offset)
            if node is None:
                return None
            only = g.start_bytes[node]
        minimum = 0.0 if only is not None else self.session.settings.min_confidence
        plan = plan_script_edits(self.engine, self.path, self.predictions(), minimum, only)
        if not plan.edits:
            return None
        return minimal_edits(g.source.data, apply_script_edits(g.source.data, plan))

    # -- completion -------------------------------------------------------------------------
    def completions(self, offset: int) -> list[CompletionEntry]:
        data = self.graph.source.data
        stripped = data[:offset].rstrip(_NAME_BYTES)
        if not stripped.endswith(b"."):
            return []
        table = self.members_before(len(stripped) - 1, offset)
        entries = [CompletionEntry(m.name, m.kind, render(m.type)) for m in table.values()]
        return sorted(entries, key=lambda e: (e.label.startswith(("_", "#", "[")), e.label))

    def members_before(self, dot: int, offset: int) -> dict[str, Member]:
        """The members of the expression before the ``.`` at byte ``dot``."""
        g, engine, path = self.graph, self.engine, self.path
        node = _member_at(g, dot)
        if node is None:
            data = g.source.data
            patched = data[: dot + 1] + _PLACEHOLDER.encode() + data[offset:]
            g = build_script_graph(patched.decode("utf-8", "replace"), path)
            engine = self.session_engine({path: g})
            node = _member_at(g, dot)
        if node is None:
            return {}
        obj = g.child_by_field(node, "object")
        return engine.members.members_of(engine.value_of(path, obj)) if obj is not None else {}

    def session_engine(self, overlays: dict[str, ScriptGraph]) -> "ScriptEngine":
        from .session import script_side

        return script_side(self.session).engine(overlays)

    # -- the outline and the other editor requests --------------------------------------------
    def document_symbols(self) -> list[OutlineItem]:
        """Declarations as an outline: functions, classes and their members,
        interfaces, type aliases, enums and top-level variables (no function
        bodies); walked with an explicit stack."""
        g = self.graph
        children_of: dict[int, list[OutlineItem]] = {-1: []}
        order: list[tuple[int, int]] = []  # (node, the outline item it belongs under)
        stack = [(0, -1)]
        while stack:
            node, owner = stack.pop()
            kind = _OUTLINE.get(g.kinds[node])
            name = g.child_by_field(node, "name") if kind is not None else None
            if name is not None and not (kind == "variable" and g.kinds[name] != "name_store"):
                order.append((node, owner))
                children_of[node] = []
                owner = node
                if g.kinds[node] not in ("class_declaration", "abstract_class_declaration"):
                    continue
            stack.extend(
                (c, owner)
                for c in reversed(g.children(node))
                if g.kinds[c] in _OUTLINE_INSIDE or g.kinds[c] in _OUTLINE
            )
        for node, owner in reversed(order):
            name = g.child_by_field(node, "name")
            assert name is not None  # order holds named declarations only
            kind = _OUTLINE[g.kinds[node]]
            item = OutlineItem(
                g.text(name),
                kind,
                g.start_bytes[node],
                g.end_bytes[node],
                g.start_bytes[name],
                g.end_bytes[name],
                tuple(children_of.pop(node)),
            )
            children_of[owner].insert(0, item)
        return children_of[-1]

    def highlights(self, offset: int) -> list[Reference]:
        """The definitions and uses in this file of the name at ``offset``."""
        g = self.graph
        node = self.identifier_at(offset)
        sym = g.symbol_at(node) if node is not None else None
        if sym is None or sym.scope < 0:
            return []
        found = {(n, True) for n in sym.definitions} | {(n, False) for n in sym.uses}
        return sorted(
            (Reference(self.path, g.start_bytes[n], g.end_bytes[n], write) for n, write in found),
            key=lambda r: (r.start, r.end),
        )

    def references(self, offset: int, include_declaration: bool = True) -> list[Reference]:
        """The places naming the symbol at ``offset`` in the project (:mod:`.references`)."""
        from .references import find_references, target_at

        found = target_at(self, offset)
        if found is None or (found[0].kind != "local" and found[0].node < 0):
            places = self.highlights(offset)  # a global: its uses in this file
        else:
            places = find_references(self, found[0])
        return [r for r in places if include_declaration or not r.is_write]

    def prepare_rename(self, offset: int) -> tuple[int, int, str]:
        from .references import prepare_rename

        return prepare_rename(self, offset)

    def rename(self, offset: int, new_name: str) -> dict[str, list[tuple[int, int, str]]]:
        from .references import rename

        return rename(self, offset, new_name)

    def resolve_completion(self, ref: tuple[str, int, bool]) -> tuple[str | None, str | None]:
        return None, None

    def type_definition(self, offset: int) -> list[tuple[Path, int, int]]:
        return []

    def signature_help(self, offset: int):
        """The signatures of the call open at ``offset`` (:mod:`.signatures`)."""
        from .signatures import script_signature_help

        return script_signature_help(self, offset)

    def semantic_tokens(self, start: int = 0, end: int | None = None) -> list:
        """The names' tokens for the editor's colours (:mod:`.semantic`)."""
        from .semantic import script_semantic_tokens

        return script_semantic_tokens(self, start, end)

    def members_at(self, dot: int):
        return None  # the decoding monitors read Python only

    def call_at(self, offset: int):
        return None


def _hover_kind(g: ScriptGraph, node: int, value) -> str:
    """The word before the name in a hover: ``(parameter) n: number``."""
    kind = g.kinds[node]
    if isinstance(value, ClassOf) or kind == "type_identifier":
        return "class"
    if isinstance(value, (Func, Overloads)):
        return "method" if kind == "property_identifier" else "function"
    if kind == "property_identifier":
        return "property"
    return "parameter" if kind == "parameter" else "variable"


def _member_at(g: ScriptGraph, dot: int) -> int | None:
    """The member expression whose ``.`` is at byte ``dot``."""
    node = g.node_at(dot)
    for _ in range(4):
        if node < 0:
            return None
        if g.kinds[node] in ("attribute", "attribute_store"):
            obj = g.child_by_field(node, "object")
            if obj is not None and g.end_bytes[obj] <= dot + 1 and g.start_bytes[node] <= dot < g.end_bytes[node]:
                return node
        node = g.parents[node]
    return None


__all__ = ["Named", "ScriptAnalysis"]
