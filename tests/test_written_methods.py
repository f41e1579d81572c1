"""Dataclasses that write out their own ``__init__``, ``__eq__`` or ``__hash__``
(compiled by mypyc, a written method is native where the generated one runs as
Python: ``typeinfer/types.py``, ``analyzer/graph.py``) must cover every field
the generated method would: a field added later and left out of a written
``__eq__`` would make two different values equal, silently.  Checked on the
source, so it holds for the pure and the compiled core alike."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WRITTEN = ("__init__", "__eq__", "__hash__")


def _is_dataclass(node: ast.ClassDef) -> bool:
    for deco in node.decorator_list:
        target = deco.func if isinstance(deco, ast.Call) else deco
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name == "dataclass":
            return True
    return False


def _fields(node: ast.ClassDef) -> list[tuple[str, bool, bool]]:
    """``(name, init, compare)`` of each field, in order (``ClassVar`` left out)."""
    found = []
    for item in node.body:
        if not isinstance(item, ast.AnnAssign) or not isinstance(item.target, ast.Name):
            continue
        if "ClassVar" in ast.unparse(item.annotation):
            continue
        init = compare = True
        value = item.value
        if isinstance(value, ast.Call) and ast.unparse(value.func).endswith("field"):
            for keyword in value.keywords:
                if keyword.arg in ("init", "compare") and isinstance(keyword.value, ast.Constant):
                    if keyword.arg == "init":
                        init = bool(keyword.value.value)
                    else:
                        compare = bool(keyword.value.value)
        found.append((item.target.id, init, compare))
    return found


def _attributes(function: ast.FunctionDef, owner: str) -> set[str]:
    """The attribute names read from ``owner`` in ``function``, and those set
    through ``object.__setattr__(owner, "name", ...)``."""
    names = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == owner:
            names.add(node.attr)
        if (
            isinstance(node, ast.Call)
            and ast.unparse(node.func) == "object.__setattr__"
            and len(node.args) >= 2
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id == owner
            and isinstance(node.args[1], ast.Constant)
        ):
            names.add(node.args[1].value)
    return names


def _written_classes() -> list[tuple[str, ast.ClassDef]]:
    found = []
    for folder in ("analyzer", "typeinfer"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "_mypyc" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and _is_dataclass(node):
                    methods = {item.name for item in node.body if isinstance(item, ast.FunctionDef)}
                    if methods & set(WRITTEN):
                        found.append((f"{path.relative_to(ROOT)}:{node.name}", node))
    return found


CLASSES = _written_classes()


def test_the_engine_and_graph_values_write_their_methods() -> None:
    """The check below has something to check (the classes it is for were found)."""
    names = {label.rsplit(":", 1)[1] for label, _ in CLASSES}
    assert {"ClassType", "UnionType", "Param", "Scope", "Symbol"} <= names


@pytest.mark.parametrize("label,node", CLASSES, ids=[label for label, _ in CLASSES])
def test_written_methods_cover_every_field(label: str, node: ast.ClassDef) -> None:
    fields = _fields(node)
    methods = {item.name: item for item in node.body if isinstance(item, ast.FunctionDef)}
    if "__init__" in methods:
        init = methods["__init__"]
        params = [arg.arg for arg in init.args.args[1:] + init.args.kwonlyargs]
        assert params == [name for name, is_init, _ in fields if is_init], label
        assert {name for name, is_init, _ in fields if is_init} <= _attributes(init, "self"), label
    compared = {name for name, _, compare in fields if compare}
    if "__eq__" in methods:
        eq = methods["__eq__"]
        other = eq.args.args[1].arg
        assert compared <= _attributes(eq, "self") and compared <= _attributes(eq, other), label
    if "__hash__" in methods:
        assert compared <= _attributes(methods["__hash__"], "self") | _hash_helpers(node, methods["__hash__"]), label


def _hash_helpers(node: ast.ClassDef, function: ast.FunctionDef) -> set[str]:
    """The fields read by the class's own methods that ``__hash__`` calls
    (a hash worked out once and kept, as ``ClassType``'s)."""
    called = {
        sub.func.attr
        for sub in ast.walk(function)
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and ast.unparse(sub.func.value) == "self"
    }
    names: set[str] = set()
    for item in node.body:
        if isinstance(item, ast.FunctionDef) and item.name in called:
            names |= _attributes(item, "self")
    return names


def test_a_kept_hash_is_the_fields_hash_and_is_not_copied() -> None:
    """``ClassType`` and ``CallContext`` keep their hash once worked out (a part of
    memo keys, hashed thousands of times a run): the kept value is the hash of the
    compared fields, and a copy or a pickle (another process's hash seed) works it
    out again rather than carrying it."""
    import copy
    import pickle

    from typelens.typeinfer.callsites import CallContext
    from typelens.typeinfer.types import ClassType

    arguments = ((6, ClassType("dict", (ClassType("str"), ClassType("int")))),)
    context = CallContext("/p/base.py", 5, 10, 20, arguments, 1)
    fresh = CallContext("/p/base.py", 5, 10, 20, arguments, 1)
    assert hash(context) == hash(("/p/base.py", 5, 10, 20, arguments, 1)) == hash(context)
    assert context._hash == hash(context) and context == fresh and hash(fresh) == hash(context)
    assert context != CallContext("/p/base.py", 5, 10, 20, arguments, 2)
    for again in (copy.copy(context), copy.deepcopy(context), pickle.loads(pickle.dumps(context))):
        assert again == context and not hasattr(again, "_hash") and hash(again) == hash(context)
    cls = ClassType("list", (ClassType("int"),))
    assert hash(cls) == hash(("list", (ClassType("int"),))) and cls._hash == hash(cls)
    assert not hasattr(pickle.loads(pickle.dumps(cls)), "_hash")
