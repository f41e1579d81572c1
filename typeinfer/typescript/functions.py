"""Functions of scripts: their returns, their parameters, their signatures.

Returns: the declared return type; else JSDoc's ``@returns`` (``.js``); else the
join of the returned values, widened, with ``undefined`` joined when the end of
the body can be reached too (``tsc`` says ``number | undefined`` there),
``void`` for a body that returns nothing, ``Promise<T>`` around an ``async``
function's, ``Generator<Y, R, unknown>`` for a generator.

Parameters, in order of evidence: the annotation (destructured where the
parameter is a pattern); JSDoc's ``@param``; the default value; the context a
function expression sits in (a callback's parameter gets the callee's
parameter type: ``xs.map(x => ...)``; a function assigned to a variable
declared with a function type; a member of an object literal whose type is
expected where it sits, or of a typed field; a method of a class that
``implements`` or ``extends`` a type declaring it; a function declaring
``this: T``, T's member of its name); then, in ``function f<T>(p)`` whose
``T`` nothing left in the signature uses, ``T`` for a ``p`` it returns and
``() => T`` for one whose call it returns; an overloads' implementation,
``any`` where its overloads disagree; then what callers pass at this
position (direct calls, imported functions, ``this.m(x)`` and ``o.m(x)``
through any receiver whose member ``m`` is this method), or what the body does
with it (:mod:`.usage`) where a declared type it is passed on to decides,
callers pass nothing or ``any``, or they pass object literals whose keys are
all members of the project type the uses name (callers that pass only
``undefined`` or ``null`` say nothing).  An empty ``{}`` or ``[]`` default is
the last resort (``{}`` flows on but is reported as no answer).  What is
inferred from callers or uses is reported as an author would declare it
(:mod:`.settle`: ``string | symbol`` as ``PropertyKey``, ``any`` for a parameter
whose type the body tests ...); the inferred type itself flows on.

Example::

    async function load(url = "/") { if (!url) return; return 1 }
    # url: string; return: Promise<number | undefined>
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from typelens.analyzer import EdgeKind, Symbol, SymbolKind
from typelens.analyzer.typescript import ScriptGraph
from typelens.analyzer.typescript.scopes import FUNCTION_KINDS

from .declared import parameters_of, type_parameters
from .expressions import destructure, pattern_steps
from .jsdoc import jsdoc_of
from .usage_rules import used_members
from .settle import CONTEXT_ANY, MIXED, OVERLOADS, TESTED, predicate_of, settle, settle_contextual, single, tested
from .types import (
    ANY,
    NULL,
    NULLISH,
    UNDEFINED,
    UNKNOWN,
    VOID,
    ArrayOf,
    Func,
    Named,
    Overloads,
    Param,
    Prim,
    Shape,
    TsType,
    TypeVar,
    is_known,
    join,
    members,
    substitute,
    widen,
)

if TYPE_CHECKING:
    from typelens.analyzer import ProjectGraph
    from .contract import ScriptContract

logger = logging.getLogger(__name__)

MAX_CALL_SITES = 24
MAX_RECEIVERS = 48  # member calls of one name whose receivers are typed, per method
_PARAMETER_HOLDERS = ("required_parameter", "optional_parameter")


class FunctionTyper:
    """Returns, parameters and signatures (see the module docstring)."""

    def __init__(self, engine: "ScriptContract") -> None:
        self.engine = engine
        self.by_usage: set[tuple[str, int]] = set()  # parameters typed by their uses alone
        # parameter -> (inferred type, as declared, the rule that made it `any`)
        self._settled_of: dict[tuple[str, int], tuple[TsType, TsType, str | None]] = {}
        # the project graph, its file count, its files' paths and each path's index
        self._files: tuple[ProjectGraph, int, list[str], dict[str, int]] | None = None
        # the member calls of the project by method name, and what they were built for
        self._member_calls: tuple[tuple[object, int], dict[str, list[tuple[str, int, int]]]] | None = None

    # -- signatures -----------------------------------------------------------------------
    def signature(self, path: str, node: int) -> Func:
        """A declared signature (a library method, an overload): declared types only."""
        g = self.engine.require_graph(path)
        params = parameters_of(self.engine.types, path, g, g.child_by_field(node, "parameters"))
        ret = g.child_by_field(node, "return_type")
        if ret is None and g.kinds[node] == "construct_signature":
            ret = g.child_by_field(node, "type")
        return Func(
            params,
            self.engine.declared(path, ret) if ret is not None else ANY,
            tuple(type_parameters(g, node)),
            (path, node),
        )

    def function_value(self, path: str, node: int) -> TsType:
        """The type of a function, arrow or method: its parameters and return."""
        return self.engine.memo(("function", path, node), lambda: self._function_value(path, node))

    def _function_value(self, path: str, node: int) -> TsType:
        g = self.engine.require_graph(path)
        if g.child_by_field(node, "body") is None:
            return self.signature(path, node)
        params = []
        for holder, name in parameter_holders(g, node):
            if g.kinds[name] == "parameter":
                t = self.parameter_type(path, name)
            else:
                declared = g.child_by_field(holder, "type")
                t = self.engine.declared(path, declared) if declared is not None else UNKNOWN
            optional = g.kinds[holder] == "optional_parameter" or _default_of(g, holder) is not None
            rest = is_rest(g, holder)
            params.append(Param(g.text(name).lstrip("."), t, optional, rest))
        return Func(tuple(params), self.return_type(path, node), tuple(type_parameters(g, node)), (path, node))

    # -- returns --------------------------------------------------------------------------
    def declared_return(self, path: str, node: int) -> TsType | None:
        g = self.engine.require_graph(path)
        declared = g.child_by_field(node, "return_type")
        if declared is not None:
            return self.engine.declared(path, declared)
        if g.dialect == "javascript":
            doc = jsdoc_of(g, node if g.kinds[node] != "arrow_function" else g.parents[node]).returns
            if doc is not None:
                return self.engine.types.jsdoc(doc, path, g)
        return None

    def return_type(self, path: str, node: int) -> TsType:
        return self.engine.memo(("return", path, node), lambda: self._return_type(path, node))

    def _return_type(self, path: str, node: int) -> TsType:
        declared = self.declared_return(path, node)
        if declared is not None:
            return declared
        return self.inferred_return(path, node)

    def inferred_return(self, path: str, node: int) -> TsType:
        g = self.engine.require_graph(path)
        body = g.child_by_field(node, "body")
        if body is None:
            return UNKNOWN
        head = g.source.data[g.start_bytes[node] : g.start_bytes[body]]
        is_async = head.lstrip().startswith(b"async") or b" async " in head[:40]
        is_generator = "generator" in g.kinds[node] or head.lstrip().startswith(b"*") or b"function*" in head
        if g.kinds[body] != "statement_block":
            value = widen(self.engine.value_of(path, body))
        else:
            value = self._returned(path, g, node)
        if is_generator:
            yielded = join(*self._yielded(path, g, node)) if self._yielded(path, g, node) else Prim("never")
            return Named("AsyncGenerator" if is_async else "Generator", (yielded, value, Prim("unknown")))
        return Named("Promise", (self.engine.members.awaited(value),)) if is_async else value

    def _returned(self, path: str, g: ScriptGraph, node: int) -> TsType:
        values = []
        returned = [r for r in g.predecessors(node, EdgeKind.RETURN) if g.kinds[r] == "return_statement"]
        if (
            returned
            and all(g.children(r) and g.kinds[g.children(r)[0]] == "this" for r in returned)
            and g.kinds[node] == "method_definition"
        ):
            return TypeVar("this")  # `return this`: the receiver's own type
        for ret in returned:
            kids = g.children(ret)
            values.append(widen(self.engine.value_of(path, kids[0])) if kids else VOID)
        scope = g.scope_defined_by(node)
        falls_through = (
            scope is not None
            and scope.exit >= 0
            and any(
                g.predecessors(scope.exit, kind) for kind in (EdgeKind.CFG_NEXT, EdgeKind.CFG_TRUE, EdgeKind.CFG_FALSE)
            )
        )
        if not values:
            return VOID
        if falls_through and any(v is not VOID for v in values):
            values.append(UNDEFINED)
        if VOID in values and any(v is not VOID for v in values):
            values = [UNDEFINED if v is VOID else v for v in values]
        return join(*values)

    def _yielded(self, path: str, g: ScriptGraph, node: int) -> list[TsType]:
        scope = g.scope_defined_by(node)
        out = []
        for n, kind in enumerate(g.kinds):
            if kind == "yield_expression" and scope is not None and g.scope_of[n] == scope.id and g.children(n):
                out.append(widen(self.engine.value_of(path, g.children(n)[0])))
        return out

    # -- parameters -----------------------------------------------------------------------
    def parameter_type(self, path: str, node: int) -> TsType:
        return self.engine.memo(("param", path, node), lambda: self._parameter_type(path, node))

    def declared_parameter(self, path: str, node: int) -> TsType | None:
        """The parameter's annotation (or JSDoc ``@param``), destructured to ``node``."""
        g = self.engine.require_graph(path)
        steps, top = parameter_position(g, node)
        annotation = g.child_by_field(top, "type") if g.kinds[top] in _PARAMETER_HOLDERS else None
        if annotation is not None:
            return destructure(self.engine, path, g, self.engine.declared(path, annotation), steps)
        if g.dialect == "javascript" and not steps:
            function = enclosing_function(g, node)
            doc = (
                jsdoc_of(
                    g,
                    function
                    if g.kinds[function] not in ("arrow_function", "function_expression")
                    else g.parents[function],
                )
                if function is not None
                else None
            )
            text = doc.params.get(g.text(node)) if doc is not None else None
            if text is not None:
                return self.engine.types.jsdoc(text, path, g)
        return None

    def _parameter_type(self, path: str, node: int) -> TsType:
        declared = self.declared_parameter(path, node)
        if declared is not None:
            return declared
        g = self.engine.require_graph(path)
        steps, top = parameter_position(g, node)
        default = _default_of(g, top) if not steps else None
        if default is None:
            return self._inferred_parameter(path, g, node)
        value = widen(self.engine.value_of(path, default))
        if g.kinds[default] not in ("object", "array") or g.children(default):
            return value
        # `options = {}`, `items = []`: the context, callers and uses say more
        found = self._inferred_parameter(path, g, node)
        if found is not UNKNOWN and found != UNDEFINED:
            return found
        if g.kinds[default] == "object":  # `{}` flows on; no author declares it (an options type)
            self._settled_of[(path, node)] = (value, UNKNOWN, None)
        return value

    def _inferred_parameter(self, path: str, g: ScriptGraph, node: int) -> TsType:
        """A parameter's type from its context, its callers or its uses."""
        steps, top = parameter_position(g, node)
        function = enclosing_function(g, node)
        if function is None:
            return UNKNOWN
        index = _index_of(g, function, top)
        contextual = self.engine.calls.contextual_parameter(path, g, function, index) if index is not None else UNKNOWN
        if contextual is ANY and not steps:
            self._settled_of[(path, node)] = (ANY, ANY, CONTEXT_ANY)  # as TypeScript reads it
        if contextual is not UNKNOWN:
            if not steps:
                contextual = settle_contextual(self.engine, g, function, contextual)
            return destructure(self.engine, path, g, contextual, steps)
        if len(steps) == 1 and steps[0][0] == "rest_pattern" and is_rest(g, top):
            steps = []  # `...items` itself: its callers' arguments and its uses
        if steps or index is None:
            return UNKNOWN
        own = _own_result(g, function, node)
        if own is not None:
            self._settled_of[(path, node)] = (own, own, None)
            return own
        passed = self.from_call_sites(path, g, function, index)
        if _default_of(g, top) is not None:  # an omitted argument takes the default
            passed = join(*(m for m in members(passed) if m != UNDEFINED)) if passed is not UNKNOWN else passed
        used = self.engine.usage.answer(path, node)
        if used is None or used.type is UNKNOWN:
            return self._settled(path, g, function, top, node, passed)
        # what callers pass is an instance of what the function accepts: a declared
        # parameter the value goes on to decides, as do uses where callers pass nothing
        # or what they pass is partly unknown (an object literal of unknown members)
        # (a caller passing `any` says nothing: the uses decide then)
        if passed is not UNKNOWN and passed != UNDEFINED and ANY not in members(passed) and not used.is_declared:
            if (is_known(passed) or not is_known(used.type)) and not self._literals_of(passed, used.type):
                return self._settled(path, g, function, top, node, passed)
        self.by_usage.add((path, node))
        return self._settled(path, g, function, top, node, used.type)

    def _from_overloads(self, path: str, node: int) -> tuple[TsType, str | None] | None:
        """The undeclared parameter ``node`` of an overloads' implementation
        (``function f(a: string): string`` and ``function f(a: number): number``
        above ``function f(a) {...}``) as its author declares it where the overloads
        disagree there: ``any`` (:data:`OVERLOADS`), as the implementation must take
        what each overload takes.  Only the report: what
        flows on is what callers and uses say, as for any parameter."""
        g = self.engine.require_graph(path)
        steps, top = parameter_position(g, node)
        function = enclosing_function(g, node)
        if steps or function is None or g.kinds[top] not in _PARAMETER_HOLDERS or g.child_by_field(top, "type"):
            return None
        overloads = overload_signatures(g, function)
        index = _index_of(g, function, top)
        if not overloads or index is None:
            return None
        found: list[TsType] = []
        for signature in overloads:
            params = self.signature(path, signature).params
            if index >= len(params) or params[index].rest:
                return None  # arities differ: the implementation's own evidence decides
            found.append(params[index].type)
        # where they agree, the implementation's own evidence decides (its authors
        # often declare `any` there all the same)
        return None if all(t == found[0] for t in found) else (ANY, OVERLOADS)

    def _literals_of(self, passed: TsType, used: TsType) -> bool:
        """Whether callers pass object literals only (``{ exact: true }``), each of
        whose keys is a member of the project type the uses name (``QueryFilters``):
        instances of it, which its author declares the parameter with."""
        shapes = [m for m in members(passed) if m not in (UNDEFINED, NULL)]
        if not shapes or not isinstance(used, Named) or used.where is None:
            return False
        names = self.engine.members.member_names(used)
        return all(isinstance(m, Shape) and m.index is None and {f.name for f in m.fields} <= names for m in shapes)

    def _settled(self, path: str, g: ScriptGraph, function: int, holder: int, node: int, t: TsType) -> TsType:
        """``t``, recorded with the type an author would declare (:mod:`.settle`) for
        :meth:`reported_parameter`: ``any`` where it is mixed or the body tests the
        parameter's type, with the rule.  What flows on (returns, callees) is ``t``."""
        sym = g.symbol_at(node)
        used = frozenset(used_members(g, list(sym.uses))) if sym is not None else frozenset()
        settled, rule = settle(self.engine, g, function, holder, t, used), None
        if settled is ANY and t is not ANY:
            rule = MIXED  # (callers passing `any` may pass anything: no rule, no answer)
        elif (
            single(settled)
            and not is_rest(g, holder)
            and sym is not None
            and (tested(g, list(sym.uses), probes=t is UNKNOWN) or predicate_of(g, function, g.text(node)))
        ):
            settled, rule = ANY, TESTED
        if rule is not None and unused_type_parameters(g, function):
            settled, rule = UNKNOWN, None  # `function f<T>(value)`: more likely `T` than `any`
        if rule is None and settled is not UNKNOWN and all(m in NULLISH for m in members(settled)):
            settled = UNKNOWN  # callers omit it or pass `null`: that says nothing of what else it takes
        self._settled_of[(path, node)] = (t, settled, rule)
        return t

    def reported_parameter(self, path: str, node: int) -> tuple[TsType, str | None]:
        """The parameter's type as a declaration would say it, and the rule that made
        it ``any`` (:mod:`.settle`), if one did."""
        t = self.parameter_type(path, node)
        overloaded = self._from_overloads(path, node)
        if overloaded is not None:
            return overloaded
        found = self._settled_of.get((path, node))
        if found is None or found[0] != t:
            return t, None
        return found[1], found[2]

    def _project_files(self, project: ProjectGraph) -> tuple[list[str], dict[str, int]]:
        """The project graph's file paths, and each one's index (as ``file_index``
        finds it, by name or under the root), built once per graph and file count:
        asked once per parameter, the search made a path per file each time."""
        cached = self._files
        if cached is None or cached[0] is not project or cached[1] != len(project.files):
            paths = [str(project.root / f) if project.root is not None else f for f in project.files]
            by_path: dict[str, int] = {}
            for i, name in enumerate(project.files):
                by_path.setdefault(name, i)
                by_path.setdefault(paths[i], i)
            cached = self._files = (project, len(project.files), paths, by_path)
        return cached[2], cached[3]

    def from_call_sites(self, path: str, g: ScriptGraph, function: int, index: int) -> TsType:
        """The join of what callers pass at ``index`` (in this file and, with a
        project graph, in the others); for a rest parameter, arrays of what they
        pass from ``index`` on."""
        holders = parameter_holders(g, function)
        rest = index < len(holders) and is_rest(g, holders[index][0])
        sites = [(path, c) for c in g.successors(function, EdgeKind.RETURN) if g.kinds[c] in ("call", "new_expression")]
        project = self.engine.project
        if project is not None:
            files = self._project_files(project)
            i = files[1].get(path, -1)
            if i >= 0:
                sites += [(files[0][j], c) for j, c in project.cross_sources(EdgeKind.CALL, i, function)]
        sites += [s for s in self._member_call_sites(path, g, function) if s not in sites]
        found: list[TsType] = []
        for site_path, call in sites[:MAX_CALL_SITES]:
            sg = self.engine.graph(site_path)
            if sg is None:  # gone since the project graph: no argument, not `undefined`
                continue
            args = sg.child_by_field(call, "arguments")
            kids = [a for a in sg.children(args)] if args is not None else []
            if any(sg.kinds[a] == "spread_element" for a in kids[: index + 1]):
                continue
            if index < len(kids) and _cast_to_any(sg, kids[index]):
                continue  # `f(x as any)`: the caller's value did not fit, it says nothing
            if rest:  # `...items`: the array of the arguments from here on
                if index < len(kids):
                    found.append(ArrayOf(join(*(widen(self.engine.value_of(site_path, a)) for a in kids[index:]))))
                continue
            found.append(widen(self.engine.value_of(site_path, kids[index])) if index < len(kids) else UNDEFINED)
        if not found:
            return UNKNOWN
        known = [t for t in found if t is not UNKNOWN]
        return join(*known) if known else UNKNOWN

    def _member_call_sites(self, path: str, g: ScriptGraph, method: int) -> list[tuple[str, int]]:
        """Calls ``o.m(...)`` of the method ``method`` through a receiver whose type has
        it (``box.put(x)`` with ``box: Box``, ``this.box.put(x)``, a subclass's
        instance): the calls named ``m`` anywhere in the project whose receiver's
        member ``m`` is this very declaration."""
        name = g.child_by_field(method, "name") if g.kinds[method] == "method_definition" else None
        if name is None or g.kinds[g.parents[method]] != "class_body" or g.text(name) == "constructor":
            return []
        out = []
        for site_path, call, receiver in self._calls_named(path).get(g.text(name), [])[:MAX_RECEIVERS]:
            where = self.engine.members.member_where(self.engine.value_of(site_path, receiver), g.text(name))
            if where == (path, name):
                out.append((site_path, call))
        return out

    def _calls_named(self, path: str) -> dict[str, list[tuple[str, int, int]]]:
        """``method name -> [(file, call, receiver)]`` of the member calls in the
        project's files (or ``path``'s alone, without a project graph), built once
        per project graph."""
        project = self.engine.project
        key: tuple[object, int] = (project, len(project.files)) if project is not None else (path, 0)
        cached = self._member_calls
        if (
            cached is not None
            and cached[0][1] == key[1]
            and (cached[0][0] is key[0] if project is not None else cached[0][0] == key[0])
        ):
            return cached[1]
        paths = self._project_files(project)[0] if project is not None else [path]
        index: dict[str, list[tuple[str, int, int]]] = {}
        for site_path in paths:
            sg = self.engine.graph(site_path)
            if sg is None:
                continue
            for call, kind in enumerate(sg.kinds):
                callee = sg.child_by_field(call, "function") if kind == "call" else None
                if callee is None or sg.kinds[callee] != "attribute":
                    continue
                receiver, prop = sg.child_by_field(callee, "object"), sg.child_by_field(callee, "property")
                if receiver is not None and prop is not None and sg.kinds[receiver] != "this":
                    index.setdefault(sg.text(prop), []).append((site_path, call, receiver))
        self._member_calls = (key, index)
        return index

    # -- variables ------------------------------------------------------------------------
    def declared_variable(self, path: str, sym: Symbol) -> TsType | None:
        """A variable's annotation (``let x: T``) or JSDoc ``@type``, destructured."""
        if sym.kind not in (SymbolKind.VARIABLE,):
            return None
        g = self.engine.require_graph(path)
        for d in sym.definitions:
            steps, child, binder = pattern_steps(g, d)
            if binder < 0 or g.kinds[binder] != "variable_declarator":
                continue
            annotation = g.child_by_field(binder, "type")
            if annotation is not None:
                return destructure(self.engine, path, g, self.engine.declared(path, annotation), steps)
            if g.dialect == "javascript" and not steps:
                text = jsdoc_of(g, binder).type
                if text is not None:
                    return self.engine.types.jsdoc(text, path, g)
        return None

    def overloads_of(self, t: TsType) -> list[Func]:
        out: list[Func] = []
        for m in members(t):
            if isinstance(m, Func):
                out.append(m)
            elif isinstance(m, Overloads):
                out.extend(m.funcs)
        return out


def enclosing_function(g: ScriptGraph, node: int) -> int | None:
    scope = g.scope_of[node]
    s = g.scopes[scope] if scope >= 0 else None
    return s.node if s is not None and g.kinds[s.node] in FUNCTION_KINDS else None


def parameter_holders(g: ScriptGraph, function: int) -> list[tuple[int, int]]:
    """``(holder, name)`` per parameter: the node that carries the parameter's type or
    default (``required_parameter``, an ``assignment_pattern``, the identifier) and its
    name or pattern node."""
    params = g.child_by_field(function, "parameters")
    if params is None:
        single = g.child_by_field(function, "parameter")
        return [(single, single)] if single is not None else []
    out = []
    for item in g.children(params):
        kind = g.kinds[item]
        if kind in _PARAMETER_HOLDERS:
            pattern = g.child_by_field(item, "pattern")
            if pattern is not None and g.kinds[pattern] != "this":
                name = g.children(pattern)[0] if g.kinds[pattern] == "rest_pattern" and g.children(pattern) else pattern
                out.append((item, name))
        elif kind == "assignment_pattern":
            left = g.child_by_field(item, "left")
            if left is not None:
                out.append((item, left))
        elif kind == "rest_pattern" and g.children(item):
            out.append((item, g.children(item)[0]))
        elif kind in ("parameter", "object_pattern", "array_pattern"):
            out.append((item, item))
    return out


def overload_signatures(g: ScriptGraph, function: int) -> list[int]:
    """The overload signatures declared right above the implementation ``function``
    (``function_signature`` or, in a class, ``method_signature`` nodes of its name)."""
    kind = g.kinds[function]
    wanted = {"function_declaration": "function_signature", "method_definition": "method_signature"}.get(kind)
    name = g.child_by_field(function, "name")
    if wanted is None or name is None:
        return []
    me = g.parents[function] if g.kinds[g.parents[function]] == "export_statement" else function
    siblings = g.children(g.parents[me])
    out: list[int] = []
    for sibling in reversed(siblings[: siblings.index(me)]):
        if g.kinds[sibling] == "export_statement" and g.children(sibling):
            sibling = g.children(sibling)[-1]
        other = g.child_by_field(sibling, "name") if g.kinds[sibling] == wanted else None
        if other is None or g.text(other) != g.text(name):
            break
        out.append(sibling)
    return out[::-1]


def is_rest(g: ScriptGraph, holder: int) -> bool:
    """Whether a parameter holder (:func:`parameter_holders`) is ``...name``."""
    return g.kinds[holder] == "rest_pattern" or any(g.kinds[c] == "rest_pattern" for c in g.children(holder))


def parameter_position(g: ScriptGraph, node: int) -> tuple[list[tuple[str, int]], int]:
    """``(pattern steps, holder)`` of a parameter name: the holder is the node
    :func:`parameter_holders` lists for it; the steps lead from it to ``node``."""
    steps, holder, binder = pattern_steps(g, node)
    top = binder if g.kinds[binder] in _PARAMETER_HOLDERS else holder
    if g.kinds[top] == "assignment_pattern" and steps and steps[-1][1] == g.child_by_field(top, "left"):
        steps = steps[:-1]  # JavaScript's `x = 1`: the default belongs to the parameter
    return steps, top


def _cast_to_any(g: ScriptGraph, node: int) -> bool:
    kids = g.children(node) if g.kinds[node] == "as_expression" else []
    return len(kids) == 2 and g.text(kids[1]) == "any"


def unused_type_parameters(g: ScriptGraph, function: int) -> list[str]:
    """The type parameters of ``function`` that no annotation of its signature uses
    (``function castDraft<T>(value)``: ``T``)."""
    holder = g.child_by_field(function, "type_parameters")
    if holder is None:
        return []
    names = [g.text(n) for p in g.children(holder) if (n := g.child_by_field(p, "name")) is not None]
    body = g.child_by_field(function, "body")
    signature = g.source.data[g.end_bytes[holder] : g.start_bytes[body] if body is not None else g.end_bytes[function]]
    return [n for n in names if not re.search(rb"\b" + re.escape(n.encode()) + rb"\b", signature)]


def _own_result(g: ScriptGraph, function: int, param: int) -> TsType | None:
    """``T`` for a parameter that ``function<T>`` returns, ``() => T`` for one whose
    call it returns (``function batch<T>(fn) { ... return fn() }``), where ``T`` is
    the one type parameter no annotation left in the signature uses."""
    unused = unused_type_parameters(g, function)
    sym = g.symbol_at(param)
    holder = g.child_by_field(function, "type_parameters")
    if len(unused) != 1 or sym is None or holder is None:
        return None
    where = next((p for p in g.children(holder) if g.text(g.child_by_field(p, "name") or p) == unused[0]), -1)
    t = TypeVar(unused[0], (g.path, where) if where >= 0 else None)
    found: set[TsType] = set()
    for ret in g.predecessors(function, EdgeKind.RETURN):
        kids = g.children(ret) if g.kinds[ret] == "return_statement" else []
        value = kids[0] if kids else -1
        while value >= 0 and g.kinds[value] in ("parenthesized_expression", "as_expression", "non_null_expression"):
            value = g.children(value)[0] if g.children(value) else -1
        if value >= 0 and g.symbol_at(value) is sym:
            found.add(t)
        elif value >= 0 and g.kinds[value] == "call":
            callee = g.child_by_field(value, "function")
            if callee is not None and g.kinds[callee] == "attribute" and g.text(callee).endswith((".call", ".apply")):
                callee = g.child_by_field(callee, "object")
            if callee is not None and g.symbol_at(callee) is sym:
                found.add(Func((), t))
    return found.pop() if len(found) == 1 else None


def _index_of(g: ScriptGraph, function: int, holder: int) -> int | None:
    for i, (h, _) in enumerate(parameter_holders(g, function)):
        if h == holder:
            return i
    return None


def _default_of(g: ScriptGraph, holder: int) -> int | None:
    if g.kinds[holder] in _PARAMETER_HOLDERS:
        return g.child_by_field(holder, "value")
    if g.kinds[holder] == "assignment_pattern":
        return g.child_by_field(holder, "right")
    return None


__all__ = ["FunctionTyper", "enclosing_function", "is_rest", "parameter_holders", "substitute"]
