"""The cursor queries of ``typelens.typeinfer.queries``: answered from the
source's own analysis where that gives what the patched copy would, and engines of
one session sharing what they learn about library files only."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from typelens.analyzer import ProjectIndex, SymbolKind
from typelens.typeinfer import queries
from typelens.typeinfer.engine import TypeEngine
from typelens.typeinfer.queries import Analysed, members_at, name_chain_at, receiver_type
from typelens.typeinfer.session import AnalysisSession
from typelens.typeinfer.types import NEVER, ClassType, UnknownType, render

SOURCE = b"""import pathlib


class Basket:
    def __init__(self) -> None:
        self.items: list[str] = []
        self.where = pathlib.Path(".")

    def add(self, item: str) -> None:
        self.items.append(item)


def use(b: Basket) -> None:
    b.
    total = 0
    return None
"""


@pytest.fixture
def engine(tmp_path: Path) -> TypeEngine:
    (tmp_path / "shop.py").write_bytes(SOURCE)
    return AnalysisSession(tmp_path).engine()


@pytest.mark.parametrize(
    "source, at, receiver, names",
    [
        (SOURCE, b"b.\n", "Basket", {"items", "where", "add"}),
        # tree-sitter swallows ``return q.`` into an error: the dot is read as a space
        (
            b"import pathlib\n\n\ndef f(p: pathlib.Path) -> int:\n    q = p\n    return q.\n\n\ndef g() -> None:\n    pass\n",
            b"q.\n",
            "Path",
            {"name", "parent", "exists"},
        ),
    ],
    ids=["end-of-line", "swallowed"],
)
def test_document_answers_at_the_end_of_a_line_without_a_new_build(
    tmp_path: Path, monkeypatch, source: bytes, at: bytes, receiver: str, names: set
) -> None:
    (tmp_path / "shop.py").write_bytes(source)
    engine = AnalysisSession(tmp_path).engine()
    path = str(tmp_path / "shop.py")
    dot = source.index(at) + 1
    expected = members_at(engine, path, source, dot)
    document = Analysed.of(engine, path, source)

    def no_build(*_args):
        raise AssertionError("the patched copy was analysed")

    monkeypatch.setattr(queries, "_patched_engine", no_build)
    used, found = receiver_type(engine, path, source, dot, document)
    assert used is document.engine and render(found) == receiver
    assert members_at(engine, path, source, dot, document=document) == expected
    assert names <= expected.names


def test_document_is_not_used_where_it_could_differ(engine) -> None:
    path = str(engine.index.root / "shop.py")
    # mid-line: the rest of the line assigns an attribute the patched copy does not see
    mid = SOURCE.replace(b"    b.\n", b"    b.extra = 1\n")
    dot = mid.index(b"b.extra") + 1
    used, _ = receiver_type(engine, path, mid, dot, Analysed.of(engine, path, mid))
    assert used is not engine and used.graph(path).source.data != mid
    # a syntax error on the next line swallows the statement: a parameter is read
    # in its scope, but a local assigned twice depends on the flow there
    broken = SOURCE.replace(b"total = 0", b"total = (0")
    dot = broken.index(b"b.\n") + 1
    document = Analysed.of(engine, path, broken)
    used, receiver = receiver_type(engine, path, broken, dot, document)
    assert used is document.engine and render(receiver) == "Basket"
    twice = broken.replace(b"    b.\n", b"    c = b\n    c = 1\n    c.\n")
    dot = twice.index(b"c.\n") + 1
    document = Analysed.of(engine, path, twice)
    assert render(receiver_type(engine, path, twice, dot, document)[1]) == "int"
    # read in the scope (what text generated after the cursor names), only flow-free answers
    assert render(name_chain_at(document, path, dot + 1, ["b", "items"])) == "list[str]"
    assert name_chain_at(document, path, dot + 1, ["c"]) is None
    assert render(name_chain_at(document, path, dot + 1, ["len"])) != "Any"  # builtins
    assert isinstance(name_chain_at(document, path, dot + 1, ["undefined_name"]), UnknownType)


def test_session_engines_share_library_answers_only(tmp_path: Path) -> None:
    session = AnalysisSession(tmp_path)
    library = session.library
    path = str(tmp_path / "a.py")
    first = SOURCE.replace(b"    b.\n", b"    p = pathlib.Path('x')\n    p.\n")
    second = SOURCE.replace(b"    b.\n", b"    p = 'x'\n    p.\n")
    answers = []
    for data in (first, second, first):
        engine = session.engine()
        used, receiver = receiver_type(engine, path, data, data.index(b"p.\n") + 1)
        answers.append(render(receiver))
        facts = library.get(used, receiver)
        assert facts is not None and facts.is_complete
    assert answers == ["Path", "str", "Path"]  # the project file's answers are never shared
    assert library.answers and all(not str(key[1]).startswith(str(tmp_path)) for key in library.answers)


def test_a_later_engine_reads_gated_library_classes_as_the_first_did(tmp_path: Path) -> None:
    """typeshed's ``typing_extensions.ParamSpec`` is ``from typing import`` under
    3.13 and a class before: the name resolves to that class whichever engine asks.
    A second engine of the session, given the first one's library answers, used to
    find no class behind the name and report ``'ParamSpec' has no attribute 'args'``
    and a call of ``te.ParamSpec("P")`` with too many arguments."""
    source = """import typing as t

import typing_extensions as te

P = te.ParamSpec("P")


def wrap(f: t.Callable[P, int]) -> t.Callable[P, int]:
    def inner(*args: P.args, **kwargs: P.kwargs) -> int:
        return f(*args, **kwargs)

    return inner
"""
    (tmp_path / "deco.py").write_text(source, encoding="utf-8")
    session = AnalysisSession(tmp_path)
    session.build_project(None)
    found = [
        [d.message for d in session.analyse(tmp_path / "deco.py", engine=session.engine()).diagnostics()]
        for _ in range(3)
    ]
    assert session.library.answers
    assert found == [[], [], []]
    engine = session.engine()
    target = engine.resolve_name("typing_extensions", "ParamSpec")
    assert target is not None and getattr(target, "kind", None) is SymbolKind.CLASS
    assert engine.classes.has_member(ClassType("typing_extensions.ParamSpec"), "args") is True


def test_members_follow_the_running_pythons_version_gates(tmp_path: Path) -> None:
    """typeshed gates members with ``sys.version_info``: only the branch the
    running Python takes counts (``Path.full_match`` is 3.13+)."""
    source = b"""import sys


class Gated:
    if sys.version_info >= (3, 99):
        def future(self) -> None: ...
    elif sys.version_info >= (3, 0):
        def present(self) -> None: ...
    else:
        def past(self) -> None: ...
    if sys.version_info < (3, 0):
        def old(self) -> None: ...
    def always(self) -> None: ...


g = Gated()
g.
"""
    engine = AnalysisSession(tmp_path).engine()
    facts = members_at(engine, str(tmp_path / "g.py"), source, source.rindex(b"."))
    assert {"present", "always"} <= facts.names and not {"future", "past", "old"} & facts.names
    path_source = b"from pathlib import Path\np = Path('x')\np.\n"
    path_facts = members_at(engine, str(tmp_path / "p.py"), path_source, path_source.rindex(b"."))
    import pathlib

    assert {n for n in path_facts.names if not n.startswith("__")} <= set(dir(pathlib.Path))


def test_an_answer_another_engine_is_computing_is_worked_out_alone(tmp_path: Path) -> None:
    # a language server answers requests in threads: one engine's half-made answer
    # in the shared memo must not read as a cycle (Never) to another engine
    session = AnalysisSession(tmp_path)
    shared = session.library.answers
    first, second = session.engine(), session.engine()
    key = ("probe", "/usr/lib/python3/somewhere.pyi", 1)
    seen = []
    assert first.memo(key, lambda: seen.append(second.memo(key, lambda: 5)) or 7) == 7
    assert seen == [5]  # not Never
    assert shared[key] == 7 and second._memo[key] == 5
    assert first.memo(key, lambda: 9) == 7  # answered once
    # the engine's own recursion still reads as a cycle
    third = session.engine()
    inner = []
    third.memo(
        ("loop", "/usr/lib/x.pyi", 2), lambda: inner.append(third.memo(("loop", "/usr/lib/x.pyi", 2), lambda: 1))
    )
    assert inner[0] is NEVER


def test_module_names_follow_the_running_pythons_version_and_platform_gates(tmp_path: Path) -> None:
    (tmp_path / "gated.py").write_text(
        "import sys\n"
        "if sys.version_info >= (3, 99):\n    def future() -> int: ...\n"
        f"if sys.platform == {sys.platform!r}:\n    def here() -> int: ...\nelse:\n    def elsewhere() -> int: ...\n"
        "if sys.platform != 'nowhere' and sys.version_info >= (3, 0):\n    def both() -> int: ...\n"
        "if sys.version_info >= (3, 0):\n    value = 1\nelse:\n    value = ''\n"
        "__all__ = ['here', 'both', 'value']\n"
        "if sys.version_info >= (3, 99):\n    __all__ += ['future']\n"
    )
    index = ProjectIndex(tmp_path)
    assert index.exported_names("gated") == ["here", "both", "value"]
    engine = AnalysisSession(index=index).engine()
    source = b"import gated\ngated.\n"
    facts = members_at(engine, str(tmp_path / "use.py"), source, source.rindex(b"."))
    assert {"here", "both", "value"} <= facts.names and not {"future", "elsewhere"} & facts.names
    source = b"import gated\nx = gated.value\nx.\n"
    _, receiver = receiver_type(engine, str(tmp_path / "v.py"), source, source.rindex(b"."))
    assert render(receiver) == "int"  # the branch taken, not the last one written


def test_the_receiver_of_a_dot_being_typed_flows_nowhere(tmp_path: Path) -> None:
    # ``self.munge(self.`` is read as ``self.munge(self)`` so that the statement keeps
    # its graph; ``self`` is the receiver asked about, not an argument of ``munge``
    source = (
        b"class W:\n    def munge(self, text):\n        return text.upper()\n\n"
        b"    def split(self, text: str):\n        text = self.munge(self.\n        return text\n"
    )
    path = str(tmp_path / "w.py")
    document = Analysed.of(AnalysisSession(tmp_path).engine(), path, source)
    g = document.graph
    parameter = g.find_symbol("text", "W.munge").definitions[0]
    assert "W" not in render(document.engine.parameter_type(path, parameter))
    used, receiver = receiver_type(document.engine, path, source, source.rindex(b"self.") + 4, document)
    assert used is document.engine and render(receiver) == "W"


@pytest.mark.parametrize(
    "source",
    [
        b"def g(fields):\n    names = [f.\n    return names\n",
        b"def g(fields):\n    names = {f.\n    return names\n",
    ],
    ids=["list", "set"],
)
def test_an_unclosed_bracket_is_not_the_receiver(tmp_path: Path, source: bytes) -> None:
    # ``[f.name for f in fields]`` being typed: the parser closes ``[f`` at the dot
    # itself, but the receiver is ``f`` (unknown there), not a list
    engine = AnalysisSession(tmp_path).engine()
    path, dot = str(tmp_path / "m.py"), source.index(b".")
    assert members_at(engine, path, source, dot) is None
    document = Analysed.of(engine, path, source)
    _, receiver = receiver_type(engine, path, source, dot, document)
    assert receiver is None or isinstance(receiver, UnknownType)
    closed = b"def g(fields):\n    names = [1, 2].\n"
    assert "append" in members_at(engine, path, closed, closed.index(b"].") + 1).names


def test_a_class_object_has_its_metaclass_members(tmp_path: Path) -> None:
    engine = AnalysisSession(tmp_path).engine()
    path = str(tmp_path / "m.py")
    source = b"import enum\n\n\nclass Plain:\n    size = 1\n\n\nclass Kind(enum.Enum):\n    A = 1\n\n\n"
    for receiver, own, meta in [
        (b"Plain.", {"size"}, {"__name__", "__qualname__", "mro", "__subclasses__"}),
        (b"type(Plain()).", {"size"}, {"__name__", "mro"}),
        (b"Kind.", {"A"}, {"__name__", "__members__"}),  # EnumMeta's, through Enum's metaclass=
    ]:
        text = source + receiver + b"\n"
        facts = members_at(engine, path, text, len(text) - 2)
        assert facts is not None and facts.is_complete, receiver
        assert own | meta <= facts.names, (receiver, (own | meta) - facts.names)
    text = source + b"Plain().\n"
    assert "mro" not in members_at(engine, path, text, len(text) - 2).names  # an instance has no metaclass members


def test_module_members_are_its_attributes_and_a_stubs_imports_are_not(tmp_path: Path) -> None:
    (tmp_path / "util.py").write_text(
        "import os\n__all__ = ['public']\n\ndef public(): ...\ndef _helper(): ...\n_CACHE = {}\nunlisted = 1\n"
    )
    (tmp_path / "shim.pyi").write_text(
        "from typing import Any, TypeVar, type_check_only\n_T = TypeVar('_T')\n"
        "def _private() -> None: ...\nclass Real: ...\n@type_check_only\nclass Fake: ...\n"
    )
    engine = AnalysisSession(tmp_path).engine()
    for module, wanted, unwanted in [
        ("util", {"public", "_helper", "_CACHE", "unlisted", "os", "__name__", "__file__", "__dict__"}, set()),
        ("shim", {"Real", "_private", "__name__", "__file__"}, {"Any", "TypeVar", "_T", "Fake"}),
    ]:
        source = f"import {module}\n{module}.\n".encode()
        facts = members_at(engine, str(tmp_path / "use.py"), source, source.rindex(b"."))
        assert facts is not None and facts.is_complete
        assert wanted <= facts.names and not unwanted & facts.names, (wanted - facts.names, unwanted & facts.names)
    assert "Any" not in engine.index.exported_names("shim")  # ``from shim import Any`` names nothing either


@pytest.mark.parametrize(
    "source, receiver",
    [
        (b"import os\ncword = int(os.\nx = 1\n", "ModuleType"),  # the call ``int(os`` is not closed
        (b"class A:\n    size = 1\n\n    def r(self):\n        return f'{self.\n", "A"),  # nor the f-string
    ],
    ids=["call", "f-string"],
)
def test_a_dotted_name_inside_an_unfinished_expression_is_read_in_its_scope(
    tmp_path: Path, source: bytes, receiver: str
) -> None:
    engine = AnalysisSession(tmp_path).engine()
    facts = members_at(engine, str(tmp_path / "m.py"), source, source.index(b".\n"))
    assert facts is not None and facts.is_complete and facts.receiver == receiver


def test_a_name_tested_before_the_cursor_is_not_read_flow_insensitively(tmp_path: Path) -> None:
    # ``other: object`` narrowed by ``isinstance`` before ``if other.``: its declared
    # type would allow only ``object``'s members and forbid ``_epoch``
    head = b"class V:\n    _epoch = 1\n\n    def __eq__(self, other: object) -> bool:\n"
    engine = AnalysisSession(tmp_path).engine()
    path = str(tmp_path / "v.py")
    tail = b"            return True\n        return False\n"
    narrowed = head + b"        if not isinstance(other, V):\n            return False\n        if other.\n" + tail
    assert members_at(engine, path, narrowed, narrowed.rindex(b".")) is None
    plain = head + b"        if other.\n" + tail
    facts = members_at(engine, path, plain, plain.rindex(b"."))
    assert facts is not None and facts.receiver == "object"
