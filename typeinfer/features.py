"""What the neural models read, extracted from a program graph: the same code
builds training samples (``typelens.datasets``) and inference inputs.

* **Token windows** (PYInfer): the tokens around every occurrence of a symbol.
  Annotations are cut out of the token stream first, so a sample never shows its
  own label; string literals become one ``<str>`` token, comments disappear.
* **Slice tokens** (CodeTIDAL5): the symbol's usage slice (definitions, uses, the
  parameters it flows into, the returns it comes from), linearised.

Example::

    def area(w: float, h=2.0):          window of `w` (size 3):
        return w * h                    ['(', 'w', ',', 'h', '=', ...]
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from typelens.analyzer import ProgramGraph, ScopeKind, SymbolKind, slice_of

from .callables import signature
from .check_values import LITERAL_CLASSES
from .declared import Declared, generic, unwrapped
from .normalize import normalise

try:  # mypyc's class options (see analyzer/native.py): the TypeScript side extends TokenStream
    from mypy_extensions import mypyc_attr
except ImportError:  # needed only where mypyc builds
    from typelens.analyzer.native import mypyc_attr  # type: ignore[assignment]

# operators of two or three characters are one token each, as Python's tokenizer
# gives them: `a == b` is not `a = = b` (a window would cut it after the first `=`)
_OPERATORS = rb"\*\*=|//=|>>=|<<=|->|:=|\*\*|//|<<|>>|[-+*/%&|^@<>=!]="
_TOKEN = re.compile(
    rb"#[^\n]*|" + _OPERATORS + rb"|[A-Za-z_][A-Za-z0-9_]*"
    rb"|0[xXoObB][0-9a-fA-F_]+|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?[jJ]?|\S"
)
_ANNOTATION_FIELDS = {
    ("assignment", "type"),
    ("typed_parameter", "type"),
    ("typed_default_parameter", "type"),
    ("function_definition", "return_type"),
}
_ANNOTATION_FIELD_NAMES = frozenset(field for _, field in _ANNOTATION_FIELDS)


@dataclass(frozen=True, slots=True)
class Target:
    """A symbol to type: its scope, name, kind and, in annotated code, its label."""

    scope: str
    name: str
    kind: str  # parameter, return, variable, attribute
    node: int  # the identifier
    label: str | None  # normalised annotation text, if written
    occurrences: tuple[int, ...]  # byte offsets of its definitions and uses
    symbol: int | None
    returns: tuple[int, ...] = ()  # for a return target: its return statements
    values: tuple[str, ...] = ()  # value_shapes(): what gives it its values, read off the syntax


@mypyc_attr(allow_interpreted_subclasses=True)
class TokenStream:
    """The file's tokens without annotations, comments or string contents; ``data``:
    the text ``g``'s tree was parsed from where that is not its source (a recovered
    buffer, same length and line breaks), so the tokens agree with its nodes."""

    def __init__(self, g: ProgramGraph, data: bytes | None = None) -> None:
        parents, kinds = g.parents, g.kinds
        hidden = [
            (g.start_bytes[n], g.end_bytes[n])
            for n, name in enumerate(g.fields)
            if name in _ANNOTATION_FIELD_NAMES and parents[n] >= 0 and (kinds[parents[n]], name) in _ANNOTATION_FIELDS
        ]
        strings = [(g.start_bytes[n], g.end_bytes[n]) for n, k in enumerate(kinds) if k == "string"]
        # drop the `:` of `x: T` and the `->` before a cut annotation; no token spans a line
        text = g.source.data if data is None else data
        self._scan(text, _TOKEN, sorted(hidden), sorted(strings), (b"#",), (":", "->"), True)

    def _scan(
        self,
        data: bytes,
        pattern: re.Pattern,
        hidden: list[tuple[int, int]],
        strings: list[tuple[int, int]],
        comments: tuple[bytes, ...],
        dropped: tuple[str, ...],
        by_line: bool = False,
    ) -> None:
        """Tokenise ``data`` with ``pattern``: tokens starting with ``comments`` are
        skipped, each ``hidden`` span is cut (and a token of ``dropped`` right
        before it), each ``strings`` span becomes one ``<str>`` token.

        The scan goes on as far as the questions asked need (:meth:`_reach`): the
        models may read the first functions of a file only (a file past its
        analysis budget), and each answer is that of the whole scan.

        ``by_line``: no match of ``pattern`` holds a line break, so the matches
        after one are those of a scan started right after it: a cut span's lines
        but its last are not scanned (a docstring's words were half of a file's
        matches), the tokens those of the scan through them."""
        self.tokens: list[str] = []
        self.starts: list[int] = []
        self.data = data
        self._pattern = pattern
        self._by_line = by_line
        self._matches: Iterator[re.Match[bytes]] | None = pattern.finditer(data)
        self._skip_until = 0
        self._covering = (_Covering(hidden), _Covering(strings))
        self._marks = (comments, dropped)
        self._final = 0  # the tokens before this one stay as they are (no later cut drops them)

    def _reach(self, byte: int, count: int = 0) -> None:
        """Scan on until the tokens starting before ``byte``, and the ``count`` after
        them, are final."""
        while self._matches is not None and (
            not self._final
            or self.starts[self._final - 1] < byte
            or self._final - bisect.bisect_left(self.starts, byte, 0, self._final) < count
        ):
            self._scan_some(_CHUNK)

    def _scan_some(self, n: int) -> None:
        tokens, starts, (comments, dropped) = self.tokens, self.starts, self._marks
        in_hidden, in_string = self._covering
        # each covering's walk over its spans (see _Covering) inlined: a call a token
        # for each was a third of the scan
        hidden, at_hidden = in_hidden.spans, in_hidden.at
        strings, at_string = in_string.spans, in_string.at
        last_hidden, last_string = len(hidden) - 1, len(strings) - 1
        skip_until = self._skip_until
        matches: Iterator[re.Match[bytes]] | None = self._matches
        assert matches is not None  # called only while the scan goes on
        by_line = self._by_line
        seen = 0
        while matches is not None and seen < n:
            reading, matches = matches, None  # None after this pass: the data's end (or a later scan's start)
            for m in itertools.islice(reading, n - seen):
                seen += 1
                start = m.start()
                if start < skip_until:
                    continue
                text = m.group()
                if text.startswith(comments):
                    continue
                while at_hidden < last_hidden and hidden[at_hidden + 1][0] <= start:
                    at_hidden += 1
                if at_hidden >= 0 and start < hidden[at_hidden][1]:
                    skip_until = hidden[at_hidden][1]
                    if tokens and tokens[-1] in dropped:
                        tokens.pop()
                        starts.pop()
                    if by_line and self._has_lines(m.end(), skip_until):
                        matches = self._after_last_line(m.end(), skip_until)
                        break
                    continue
                while at_string < last_string and strings[at_string + 1][0] <= start:
                    at_string += 1
                if at_string >= 0 and start < strings[at_string][1]:
                    skip_until = strings[at_string][1]
                    tokens.append("<str>")
                    starts.append(start)
                    self._final = len(tokens)
                    if by_line and self._has_lines(m.end(), skip_until):
                        matches = self._after_last_line(m.end(), skip_until)
                        break
                    continue
                token = text.decode("utf-8", "replace")
                tokens.append(token)
                starts.append(start)
                if token not in dropped:  # a cut drops only a `dropped` token right before it
                    self._final = len(tokens)
            else:
                if seen == n:  # the chunk is read: the scan goes on from here next time
                    matches = reading
        in_hidden.at, in_string.at = at_hidden, at_string
        self._matches = matches
        if matches is None:  # the end of the data: every token is final
            self._final = len(tokens)
        self._skip_until = skip_until

    def _has_lines(self, end: int, skip_until: int) -> bool:
        """Whether a line starts in ``(end, skip_until]``: a line break in ``[end, skip_until)``."""
        return self.data.find(b"\n", end, skip_until) >= 0

    def _after_last_line(self, end: int, skip_until: int) -> Iterator[re.Match[bytes]]:
        """The matches from the last line that starts in ``(end, skip_until]``: with
        ``by_line``, those of the scan through the lines before it, whose every
        match starts before ``skip_until`` and is skipped."""
        return self._pattern.finditer(self.data, self.data.rfind(b"\n", end, skip_until) + 1)

    def window(self, byte: int, size: int) -> list[str]:
        self._reach(byte, size + 1)
        at = bisect.bisect_left(self.starts, byte)
        return self.tokens[max(0, at - size) : at + size + 1]

    def between(self, start: int, end: int) -> list[str]:
        """The tokens that start in ``[start, end)``."""
        self._reach(end)
        return self.tokens[bisect.bisect_left(self.starts, start) : bisect.bisect_left(self.starts, end)]

    def line(self, byte: int, limit: int) -> list[str]:
        """The tokens of the line holding ``byte``, at most ``limit`` of them around it."""
        first = self.data.rfind(b"\n", 0, byte) + 1
        last = self.data.find(b"\n", byte)
        self._reach(last if last >= 0 else len(self.data))
        lo = bisect.bisect_left(self.starts, first)
        hi = bisect.bisect_left(self.starts, last if last >= 0 else len(self.data))
        if hi - lo > limit:
            at = bisect.bisect_left(self.starts, byte)
            lo = max(lo, min(at - limit // 2, hi - limit))
            hi = lo + limit
        return self.tokens[lo:hi]


_CHUNK = 256  # matches scanned between two checks of how far a question needs


class _Covering:
    """The sorted ``(start, end)`` spans a scan cuts, and the last one starting at or
    before its latest token (``at``): the scan's tokens never go back, so one pass
    over the spans serves the whole scan, where a bisection per token took longer
    than the scan itself."""

    __slots__ = ("spans", "at")

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.spans, self.at = spans, -1


def targets(
    g: ProgramGraph, declared: Declared | None = None, keys: Collection[tuple[str, str, str]] | None = None
) -> list[Target]:
    """Every parameter (not self/cls), return and annotated-or-assigned variable.
    ``declared``: what the code declares about values (``declared.Declared``),
    read into the value shapes; ``keys``: only the targets of these ``(scope,
    name, kind)`` (the models' samples of a file's unsure answers are not the
    whole file's, and a target's value shapes take a third of the time)."""
    found: list[Target] = []
    scopes = {scope for scope, _, _ in keys} if keys is not None else None
    returns_by_scope: dict[int, list[int]] = {}
    for node, kind in enumerate(g.kinds):
        if kind == "return_statement":
            returns_by_scope.setdefault(g.scope_of[node], []).append(node)
    for scope in g.scopes:
        if scope.kind is not ScopeKind.FUNCTION or (scopes is not None and scope.qualname not in scopes):
            continue
        function = scope.node
        ret = g.child_by_field(function, "return_type")
        name = g.child_by_field(function, "name")
        if name is None:  # a recovered ``def`` without a name: no place to label
            continue
        if keys is None or (scope.qualname, scope.name, "return") in keys:
            returns = tuple(r for r in returns_by_scope.get(scope.id, ()))
            own = declared.excluding(function=scope.name) if declared is not None else None
            found.append(
                Target(
                    scope.qualname,
                    scope.name,
                    "return",
                    name,
                    normalise(g.text(ret)) if ret is not None else None,
                    (g.start_bytes[name], *(g.start_bytes[r] for r in returns)),
                    None,
                    returns,
                    value_shapes(g, [_returned(g, r) for r in returns], declared=own),
                )
            )
        params = signature(g, function)
        in_class = scope.parent >= 0 and g.scopes[scope.parent].kind is ScopeKind.CLASS
        for i, p in enumerate(params):
            if i == 0 and in_class and p.name in ("self", "cls"):
                continue
            if keys is not None and (scope.qualname, p.name, "parameter") not in keys:
                continue
            sym = g.symbol_at(p.node)
            occurrences = (g.start_bytes[p.node], *(g.start_bytes[u] for u in (sym.uses if sym else ())))
            label = normalise(g.text(p.annotation)) if p.annotation is not None else None
            found.append(
                Target(
                    scope.qualname,
                    p.name,
                    "parameter",
                    p.node,
                    label,
                    occurrences,
                    sym.id if sym else None,
                    (),
                    value_shapes(g, [p.default], declared=declared),
                )
            )
    for sym in g.symbols:
        if sym.scope < 0 or not sym.definitions or sym.kind is not SymbolKind.VARIABLE:
            continue
        scope = g.scopes[sym.scope]
        if scope.kind not in (ScopeKind.MODULE, ScopeKind.FUNCTION, ScopeKind.CLASS):
            continue
        kind = "attribute" if scope.kind is ScopeKind.CLASS else "variable"
        if keys is not None and (scope.qualname, sym.name, kind) not in keys:
            continue
        label = None
        for d in sym.definitions:
            parent = g.parents[d]
            annotation = g.child_by_field(parent, "type") if g.kinds[parent] == "assignment" else None
            if annotation is not None:
                label = normalise(g.text(annotation))
                break
        occurrences = tuple(g.start_bytes[n] for n in (*sym.definitions, *sym.uses))
        found.append(
            Target(
                scope.qualname,
                sym.name,
                kind,
                sym.definitions[0],
                label,
                occurrences,
                sym.id,
                (),
                value_shapes(
                    g,
                    [_assigned(g, d) for d in sym.definitions],
                    declared=declared.excluding(symbol=sym.id) if declared is not None else None,
                ),
            )
        )
    return found


VALUE_SHAPES = 4
_OPERATOR_KINDS = frozenset(
    {"binary_operator", "comparison_operator", "boolean_operator", "unary_operator", "not_operator"}
)
_SEQUENCES = ("expression_list", "tuple", "list", "pattern_list", "tuple_pattern", "list_pattern")


@dataclass(frozen=True, slots=True)
class _Element:
    """Target ``position`` of ``count`` in an unpacking of ``value`` (``a, b = value``);
    ``loop``: of the items of ``value`` (``for a, b in value``, ``position`` -1 for
    ``for a in value``)."""

    value: int
    position: int
    count: int
    loop: bool = False


def value_shapes(
    g: ProgramGraph,
    values: list[int | str | _Element | None],
    limit: int = VALUE_SHAPES,
    declared: Declared | None = None,
) -> tuple[str, ...]:
    """The syntactic shape of the first ``limit`` distinct expressions that give a
    symbol its values (assigned right-hand sides, a parameter's default, returned
    expressions): ``§comparison_operator:<``, ``§call:zeros``, ``§float``,
    ``§attribute:shape``.  What the token windows hold too, but said at one place:
    a convolution over ``i_z = d_z < 0 alpha_x = ...`` did not tell that the
    comparison is what ``i_z`` is bound to.  A ``str`` value is a shape already.

    With ``declared`` (``declared.py``), a value is followed by what the code
    declares about it, ``§declared:float`` (a callee's return annotation, a
    name's annotation...); one target of an unpacking is ``§unpacked`` followed
    by the shape of its own element (``a, b = 0, x.y``: ``§integer`` for ``a``)
    or the item of the declared ``tuple[...]``; a loop variable is
    ``§for_statement``, the iterable's shape (``§in:call:range``) and the
    declared item type."""
    shapes: list[str] = []
    for value in values:
        for shape in _shapes_of(g, value, declared):
            if shape not in shapes:
                shapes.append(shape)
                if len(shapes) == limit:
                    return tuple(shapes)
    return tuple(shapes)


def _shapes_of(g: ProgramGraph, value: int | str | _Element | None, declared: Declared | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, _Element):
        return _element_shapes(g, value, declared)
    shape = _shape(g, value)
    if declared is None:
        return [shape]
    known = declared.value(value)
    if known is not None:
        return [shape, "§declared:" + known]
    node = unwrapped(g, value)
    if g.kinds[node] == "call":
        return [shape, *_returned_shapes(declared, node, None)]
    if g.kinds[node] == "binary_operator":
        return [shape, *_operand_shapes(g, node, declared)]
    return [shape]


def _operand_shapes(g: ProgramGraph, node: int, declared: Declared) -> list[str]:
    """``§operand:float`` for ``2.0 * x``, ``§operand:int`` for ``n - m`` with
    ``n: int``: the types of a binary operator's literal or declared operands."""
    out = []
    for side in ("left", "right"):
        operand = g.child_by_field(node, side)
        if operand is None:
            continue
        operand = unwrapped(g, operand)
        if g.kinds[operand] in LITERAL_CLASSES:
            out.append("§operand:" + LITERAL_CLASSES[g.kinds[operand]])
        else:
            known = declared.value(operand)
            if known is not None:
                out.append("§operand:" + known)
    return list(dict.fromkeys(out))


def _returned_shapes(declared: Declared, call: int, element: _Element | None) -> list[str]:
    """What an un-annotated callee returns, by shape, one level deep:
    ``§returns:true`` for ``return x, True`` read at position 1 of an unpacking."""
    found = declared.returned(call)
    if found is None:
        return []
    graph, values = found
    out: list[str] = []
    for value in values:
        node = unwrapped(graph, value)
        if element is not None:
            items = graph.children(node) if graph.kinds[node] in ("expression_list", "tuple") else []
            if len(items) != element.count:
                continue
            node = unwrapped(graph, items[element.position])
        shape = "§returns:" + _shape(graph, node)[1:]
        if shape not in out:
            out.append(shape)
            if len(out) == 2:
                break
    return out


def _element_shapes(g: ProgramGraph, element: _Element, declared: Declared | None) -> list[str]:
    node = element.value
    while g.kinds[node] == "parenthesized_expression" and g.children(node):
        node = g.children(node)[0]
    if element.loop:
        head = ["§for_statement" if element.position < 0 else "§unpacked", "§in:" + _shape(g, node)[1:]]
        item = declared.element(node) if declared is not None else None
    else:
        head = ["§unpacked"]
        if g.kinds[node] in _SEQUENCES:
            items = g.children(node)
            if len(items) == element.count and not any(
                g.kinds[i] in ("list_splat", "parenthesized_list_splat") for i in items
            ):
                return head + _shapes_of(g, items[element.position], declared)
            return head
        head.append(_shape(g, node))
        item = declared.value(node) if declared is not None else None
        if item is None and declared is not None and g.kinds[node] == "call":
            return head + _returned_shapes(declared, node, element)
    if item is not None and element.position >= 0:
        item = _tuple_item(item, element.position, element.count)
    return head + (["§declared:" + item] if item is not None else [])


def _tuple_item(text: str, position: int, count: int) -> str | None:
    """``tuple[int, str]`` -> the type at ``position``; ``tuple[int, ...]`` -> ``int``."""
    found = generic(text)
    if found is None or found[0] != "tuple":
        return None
    items = found[1]
    if len(items) == 2 and items[1] == "...":
        return items[0]
    item = items[position] if len(items) == count else None
    return item if item not in (None, "?") else None


def _shape(g: ProgramGraph, node: int) -> str:
    prefix = ""
    kind = g.kinds[node]
    while kind in ("parenthesized_expression", "conditional_expression") and g.children(node):
        if kind == "conditional_expression" and len(prefix) < 4 * len("§conditional:"):
            prefix += "§conditional:"  # once per level, four at most (a loop: any depth)
        node = g.children(node)[0]
        kind = g.kinds[node]
    if kind in _OPERATOR_KINDS:
        return f"{prefix}§{kind}:{_operator(g, node)}"
    if kind == "call":
        function = g.child_by_field(node, "function")
        return prefix + ("§call:" + _last_name(g, function) if function is not None else "§call")
    if kind == "attribute":
        return prefix + "§attribute:" + _last_name(g, node)
    return prefix + "§" + kind


def _operator(g: ProgramGraph, node: int) -> str:
    """The operator between an operator node's first two operands (``not``, ``-``
    for the unary ones, before the operand)."""
    kids = g.children(node)
    data = g.source.data
    if g.kinds[node] in ("unary_operator", "not_operator"):
        text = data[g.start_bytes[node] : g.start_bytes[kids[0]]] if kids else b""
    elif len(kids) >= 2:
        text = data[g.end_bytes[kids[0]] : g.start_bytes[kids[1]]]
    else:
        return ""
    words = text.decode("utf-8", "replace").replace("(", " ").replace(")", " ").split()
    return " ".join(w for w in words if not w.startswith("#"))[:8]


def _last_name(g: ProgramGraph, node: int) -> str:
    """``zeros`` for ``np.zeros``, the callee's own name for ``f``; ``?`` otherwise."""
    if g.kinds[node] == "attribute":
        attr = g.child_by_field(node, "attribute")
        return g.text(attr) if attr is not None else "?"
    text = g.text(node)
    return text if text.isidentifier() else "?"


def _assigned(g: ProgramGraph, definition: int) -> int | str | _Element | None:
    """The expression bound at a definition (``name = value``), ``§augmented:+=``
    for ``name += value``, an ``_Element`` for one target of an unpacking
    (``§unpacked`` where its place is not plain), the statement's kind for other
    bindings (``§for_statement``); ``None`` when nothing says."""
    parent = g.parents[definition]
    if parent < 0:
        return None
    kind = g.kinds[parent]
    if kind == "assignment":
        if g.child_by_field(parent, "left") != definition:
            return "§unpacked"
        return g.child_by_field(parent, "right")
    if kind == "augmented_assignment":
        return "§augmented:" + _operator(g, parent)
    if kind == "named_expression":
        return g.child_by_field(parent, "value")
    if kind == "for_statement" and g.child_by_field(parent, "left") == definition:
        right = g.child_by_field(parent, "right")
        return _Element(right, -1, 1, loop=True) if right is not None else "§for_statement"
    if kind in ("pattern_list", "tuple_pattern", "list_pattern"):
        statement = g.parents[parent]
        loop = statement >= 0 and g.kinds[statement] == "for_statement"
        right = g.child_by_field(statement, "right") if loop or g.kinds[statement] == "assignment" else None
        if right is None or g.child_by_field(statement, "left") != parent:
            return "§unpacked"
        items = g.children(parent)
        if any(g.kinds[i] == "list_splat_pattern" for i in items):
            return "§unpacked"
        return _Element(right, items.index(definition), len(items), loop)
    return "§" + kind


def _returned(g: ProgramGraph, statement: int) -> int | str:
    kids = g.children(statement)
    return kids[0] if kids else "§bare_return"


def windows(stream: TokenStream, target: Target, size: int = 8, limit: int = 8) -> list[list[str]]:
    return [stream.window(b, size) for b in target.occurrences[:limit]]


def slice_tokens(
    g: ProgramGraph, target: Target, stream: TokenStream | None = None, limit: int = 256, per_line: int = 20
) -> list[str]:
    """The linearised usage slice: for each line the slice touches (definitions,
    uses, the parameters a value flows into, the returns it comes from), a
    ``<role>`` marker and the line's tokens as the windows read them (annotations
    cut, string contents hidden), at most ``per_line`` around the slice's node.
    ``v = lbv | ubv`` and ``if ts.state == ...`` say what the bare name cannot."""
    stream = stream if stream is not None else TokenStream(g)
    if target.symbol is None:
        return _return_tokens(g, target, stream, limit, per_line)
    return symbol_slice_tokens(g, target.symbol, stream, limit, per_line)


def symbol_slice_tokens(g: ProgramGraph, symbol: int, stream: TokenStream, limit: int, per_line: int) -> list[str]:
    """The lines of ``symbol``'s usage slice in this file, each once: ``<role>``
    and the line's tokens (the script features read slices the same way)."""
    out: list[str] = []
    lines: set[int] = set()
    for item in slice_of(g, g.symbols[symbol], depth=1, max_items=64):
        if item.file != 0 or item.span.start_row in lines:
            continue
        lines.add(item.span.start_row)
        out.append(f"<{item.role}>")
        out.extend(stream.line(item.span.start_byte, per_line))
        if len(out) >= limit:
            break
    return out[:limit]


def _return_tokens(g: ProgramGraph, target: Target, stream: TokenStream, limit: int, per_line: int) -> list[str]:
    """A function's "slice" for its return type: its ``return`` statements."""
    out: list[str] = []
    for node in target.returns:
        out.append("<return>")
        out.extend(stream.between(g.start_bytes[node], g.end_bytes[node])[:per_line])
        if len(out) >= limit:
            break
    return out[:limit]
