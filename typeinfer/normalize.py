"""Normalising type annotations for comparison and for labels.

``List[int]`` -> ``list[int]``, ``Optional[X]`` -> ``X | None``, ``Union[A, B]`` ->
``A | B`` (members sorted, ``None`` last), ``typing.``/module prefixes dropped.  The
text is parsed with :func:`ast.parse` as an expression: nothing runs.

Example::

    >>> normalise("Optional[Dict[str, typing.List[int]]]")
    'dict[str, list[int]] | None'
    >>> normalise("Generator[int, None, None]")
    'Generator[int]'
    >>> normalise("Annotated[Optional['Context'], Doc('the context')]")
    'Context | None'
    >>> base("list[int] | None")
    'None | list'
"""

from __future__ import annotations

import ast

_ALIASES = {
    "List": "list",
    "Dict": "dict",
    "Set": "set",
    "FrozenSet": "frozenset",
    "Tuple": "tuple",
    "Type": "type",
    "Text": "str",
    "DefaultDict": "defaultdict",
    "Deque": "deque",
}


# trailing type arguments whose default (PEP 696, typeshed) is None: ``Generator[int,
# None, None]`` and ``Generator[int]`` are one type
_DEFAULTS = {"Generator": 2, "AsyncGenerator": 1}


def normalise(text: str) -> str:
    try:
        tree = ast.parse(text.strip().strip("'\""), mode="eval").body
    except (SyntaxError, ValueError):
        return text.strip()
    return _norm(tree)


def _norm(node: ast.AST) -> str:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):  # a forward reference: the type it names
            return _forward(node.value)
        return "None" if node.value is None else "..." if node.value is Ellipsis else repr(node.value)
    if isinstance(node, ast.Name):
        return _ALIASES.get(node.id, node.id)
    if isinstance(node, ast.Attribute):
        return _ALIASES.get(node.attr, node.attr)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union([_norm(node.left), _norm(node.right)])
    if isinstance(node, ast.Subscript):
        head = _norm(node.value)
        args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if head == "Literal":  # its strings are values, not forward references
            return f"Literal[{', '.join(ast.unparse(a) for a in args)}]"
        if head == "Annotated":  # the metadata does not change the type
            return _norm(args[0])
        parts = [_norm(a) for a in args]
        if head == "Optional":
            return _union(parts + ["None"])
        if head == "Union":
            return _union(parts)
        if (
            head == "ndarray"
            and len(args) == 2
            and isinstance(args[1], ast.Subscript)
            and _norm(args[1].value) == "dtype"
        ):
            # numpy's own alias, as people write it: the shape is left out
            return f"NDArray[{_norm(args[1].slice)}]"
        defaults = _DEFAULTS.get(head, 0)
        while defaults and len(parts) > 1 and parts[-1] == "None":  # PEP 696: the same type
            parts, defaults = parts[:-1], defaults - 1
        return f"{head}[{', '.join(parts)}]"
    if isinstance(node, (ast.List, ast.Tuple)):
        return "[" + ", ".join(_norm(e) for e in node.elts) + "]"
    return ast.unparse(node)


def _forward(text: str) -> str:
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError):
        return repr(text)
    return _norm(tree)


def _union(parts: list[str]) -> str:
    flat: set[str] = set()
    for p in parts:
        flat.update(s.strip() for s in split_union(p))
    return " | ".join(sorted(flat, key=lambda s: (s == "None", s)))


def split_union(text: str) -> list[str]:
    """Top-level ``|`` members of a type text."""
    return split_top(text, "|")


def split_top(text: str, separator: str) -> list[str]:
    """``text`` split at each ``separator`` outside brackets and parentheses."""
    out, depth, current = [], 0, ""
    for ch in text:
        depth += ch in "(["
        depth -= ch in ")]"
        if ch == separator and depth == 0:
            out.append(current)
            current = ""
        else:
            current += ch
    return out + [current]


def base(text: str) -> str:
    """The outermost constructors (``list[str]`` -> ``list``), for base-type match."""
    return " | ".join(sorted(p.strip().split("[")[0] for p in split_union(text)))


_BASES: dict[str, frozenset[str]] = {}  # label_bases' answers: the models' labels, a few hundred a run
_MAX_BASES = 4096


def label_bases(text: str) -> frozenset[str]:
    """The outermost classes a type text names (``list[str] | None`` -> ``{"list", "None"}``):
    what the hybrid checks compare, worked out once per label (:mod:`.hybrid`,
    :func:`.usage.rerank`)."""
    found = _BASES.get(text)
    if found is None:
        if len(_BASES) >= _MAX_BASES:
            _BASES.clear()
        found = _BASES[text] = frozenset(b.strip() for b in base(text).split("|"))
    return found
