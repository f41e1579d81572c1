"""The type rules of ``typelens analyze`` on data files: every bug planted in
``tests/data/analyze/planted_*.py`` (``# planted: <rule>`` on its line) is found and
nothing else is; ``negatives.py`` (overloads, ``*args``, module ``__getattr__``,
unions with an unknown member, subclass arguments...) gives nothing; a fixed
sample of the standard library gives nothing; suppressions and rule selection
apply to the new rules like to the old ones."""

from __future__ import annotations

import json
import re
import sysconfig
from pathlib import Path

import pytest
from typer.testing import CliRunner

from typelens.analyzer import codes
from typelens.cli.main import app
from typelens.typeinfer.check_arity import CallShape, Slot, problem_of
from typelens.typeinfer.check_values import accepts, operator_fits
from typelens.typeinfer.checks import FileChecker
from typelens.typeinfer.run import InferOptions, file_sets, open_session
from typelens.typeinfer.types import FLOAT, INT, NONE, STR, ClassType, UnionType

from .conftest import DATA

CASES = DATA / "analyze"
TYPE_RULES = ("call-arg", "attr-defined", "union-attr", "module-attr", "call-none", "operator", "arg-type")
_PLANTED = re.compile(r"#\s*planted:\s*([\w, -]+)")
# small stdlib modules of many shapes: classes, overloads, platform branches, C stubs
STDLIB_SAMPLE = (
    "base64.py",
    "bisect.py",
    "colorsys.py",
    "fnmatch.py",
    "glob.py",
    "json/decoder.py",
    "shlex.py",
    "string.py",
    "textwrap.py",
    "uu.py",
)


def analyze(*paths: Path, select: tuple[str, ...] = TYPE_RULES, extra: tuple[str, ...] = ()) -> list[dict]:
    args = ["analyze", *map(str, paths), "--format", "json", "--no-cache", "--exit-zero", "--select", ",".join(select)]
    result = CliRunner().invoke(app, [*args, *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["diagnostics"]


def planted(path: Path) -> set[tuple[int, str]]:
    found = set()
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        match = _PLANTED.search(line)
        for code in match.group(1).split(",") if match else ():
            found.add((number, code.strip()))
    return found


@pytest.fixture(scope="module")
def findings() -> dict[str, list[dict]]:
    """The findings of each planted file, from one run over all of them."""
    rows = analyze(*sorted(CASES.glob("planted_*.py")))
    found: dict[str, list[dict]] = {}
    for row in rows:
        found.setdefault(Path(row["file"]).name, []).append(row)
    return found


@pytest.mark.parametrize("name", ["planted_calls.py", "planted_members.py", "planted_repeats.py"])
def test_planted_bugs_are_found_exactly(findings: dict[str, list[dict]], name: str) -> None:
    expected = planted(CASES / name)
    assert expected, f"{name} plants nothing"
    rows = findings.get(name, [])
    assert {(r["line"], r["code"]) for r in rows} == expected
    assert len(rows) == len(expected)  # one finding per bug


def test_messages_name_the_problem(findings: dict[str, list[dict]]) -> None:
    rows = {(r["line"], r["code"]): r["message"] for r in findings["planted_calls.py"]}
    assert rows[(13, "call-arg")] == "len() takes at most 1 positional argument(s), 2 given"
    assert rows[(31, "call-arg")] == "Account() is missing argument(s): owner"
    assert rows[(42, "call-arg")] == "scale() takes 'value' by position only"
    assert rows[(44, "call-arg")] == "scale() got multiple values for argument 'factor'"
    assert rows[(8, "call-arg")].startswith("no overload of open() accepts these arguments")
    members = {(r["line"], r["code"]): r["message"] for r in findings["planted_members.py"]}
    assert members[(25, "union-attr")] == "'Checking' (of Checking | Savings) has no attribute 'rate'"
    assert members[(27, "module-attr")] == "module 'json' has no attribute 'lods'"
    assert members[(34, "operator")] == "unsupported operand types for +: 'str' and 'int'"
    assert members[(46, "arg-type")] == "os.urandom() argument 'size' expects int, got 'str'"


def test_negatives_do_not_fire() -> None:
    assert analyze(CASES / "negatives.py", CASES / "lazy_module.py") == []


@pytest.mark.slow
def test_stdlib_sample_has_no_findings() -> None:
    root = Path(sysconfig.get_paths()["stdlib"])
    files = [root / name for name in STDLIB_SAMPLE if (root / name).exists()]
    assert len(files) >= 8
    rows = analyze(*files)
    assert rows == [], [(Path(r["file"]).name, r["line"], r["message"]) for r in rows]


def test_suppressions_and_selection_apply(tmp_path: Path) -> None:
    source = (
        "import json\n\n"
        "json.lods('1')  # type: ignore[module-attr]\n"
        "len([], 1)  # typelens: ignore[call-arg]\n"
        "'a' + 1  # type: ignore\n"
        "len([], 2)\n"
        "json.lods('2')\n"
    )
    path = tmp_path / "mod.py"
    path.write_text(source)
    assert {(r["line"], r["code"]) for r in analyze(path)} == {(6, "call-arg"), (7, "module-attr")}
    assert {r["code"] for r in analyze(path, select=("module-attr",))} == {"module-attr"}
    assert {r["code"] for r in analyze(path, extra=("--ignore", "call-arg"))} == {"module-attr"}
    (tmp_path / "pyproject.toml").write_text('[tool.typelens]\nper-file-ignores = { "mod.py" = ["call-arg"] }\n')
    rows = CliRunner().invoke(app, ["analyze", str(path), "--format", "json", "--no-cache", "--exit-zero"])
    assert {r["code"] for r in json.loads(rows.stdout)["diagnostics"]} == {"module-attr"}


def test_every_new_rule_is_registered() -> None:
    for rule in ("union-attr", "module-attr", "call-none", "operator", "arg-type"):
        assert codes.CODES[rule].is_default


# -- the pure parts ------------------------------------------------------------------------
def slots(*spec: str) -> tuple[Slot, ...]:
    """``"a"`` positional, ``"a="`` with a default, ``"/a"`` positional-only, ``"*a"``
    keyword-only, ``"*"``/``"**"`` var-positional/var-keyword."""
    found = []
    for item in spec:
        if item in ("*", "**"):
            found.append(Slot(item, "var_positional" if item == "*" else "var_keyword", False))
            continue
        kind = "positional_only" if item.startswith("/") else "keyword_only" if item.startswith("*") else "positional"
        name = item.strip("/*=")
        found.append(Slot(name, kind, item.endswith("=")))
    return tuple(found)


@pytest.mark.parametrize(
    ("spec", "positional", "keywords", "template"),
    [
        (("a", "b="), 1, (), None),
        (("a", "b="), 3, (), codes.CALL_TOO_MANY),
        (("a", "b="), 0, (), codes.CALL_MISSING),
        (("a", "b="), 1, ("c",), codes.CALL_KEYWORD),
        (("a", "b="), 1, ("a",), codes.CALL_TWICE),
        (("/a", "b="), 0, ("a",), codes.CALL_POSITIONAL_ONLY),
        (("/a", "**"), 1, ("a",), None),  # a goes to **kwargs
        (("a", "*"), 5, (), None),
        (("a", "*c"), 1, (), codes.CALL_MISSING),
        (("a", "*c"), 2, ("c",), codes.CALL_TOO_MANY),
        (("a", "*c="), 1, ("c",), None),
        ((), 0, (), None),
    ],
)
def test_problem_of(spec: tuple[str, ...], positional: int, keywords: tuple[str, ...], template: str | None) -> None:
    problem = problem_of(slots(*spec), CallShape(positional, keywords))
    assert (problem.template if problem else None) == template


def test_operator_table() -> None:
    assert not operator_fits("+", "str", "int") and not operator_fits("+", "list", "tuple")
    assert (
        operator_fits("+", "int", "float") and operator_fits("*", "str", "int") and operator_fits("*", "bool", "list")
    )
    assert operator_fits("%", "str", "dict") and operator_fits("|", "dict", "dict") and operator_fits("-", "set", "set")
    assert not operator_fits("&", "float", "int") and not operator_fits("//", "complex", "int")
    assert not operator_fits("-", "str", "str") and not operator_fits("@", "int", "int")


def test_argument_acceptance() -> None:
    assert accepts(INT, "str") is False and accepts(STR, "bytes") is False
    assert accepts(FLOAT, "int") and accepts(FLOAT, "bool") and accepts(INT, "bool")
    assert accepts(UnionType(frozenset({STR, NONE})), "int") is False
    assert accepts(ClassType("pkg.Base"), "str") is None  # not a plain builtin: no opinion
    assert accepts(ClassType("bool"), "int") is None  # a truth value spelled as an int


def test_optional_member_access_follows_every_path_that_rebinds_or_leaves(tmp_path: Path) -> None:
    """Past ``if file is None:`` whose every branch rebinds ``file`` or leaves, the
    name is not None; with one branch that does neither it may still be."""
    path = tmp_path / "streams.py"
    path.write_text(
        "import io\n"
        "\n"
        "def stream_or_none() -> io.StringIO | None:\n"
        "    return None\n"
        "\n"
        "def both(file: io.StringIO | None = None, err: bool = False) -> None:\n"
        "    if file is None:\n"
        "        if err:\n"
        "            file = stream_or_none()\n"
        "        else:\n"
        "            file = stream_or_none()\n"
        "        if file is None:\n"
        "            return\n"
        "    file.flush()\n"
        "\n"
        "def one(file: io.StringIO | None = None, err: bool = False) -> None:\n"
        "    if file is None:\n"
        "        if err:\n"
        "            file = stream_or_none()\n"
        "        else:\n"
        '            print("no stream")\n'
        "    file.flush()\n"
        "\n"
        "def declared(env: dict[str, str] | None) -> None:\n"
        "    environ: dict[str, str] | None = None\n"
        "    if env:\n"
        "        environ = dict(env)\n"
        "        environ.update(env)\n",
        encoding="utf-8",
    )
    rows = analyze(path, select=("optional-member-access",))
    assert [(r["line"], r["code"]) for r in rows] == [(22, "optional-member-access")]


def test_optional_member_access_reads_the_conditions_of_and_around_a_comprehension(tmp_path: Path) -> None:
    """A comprehension's ``if`` clauses hold for its element, and the conditions
    around it hold inside it (it runs where it is written), except for a name its
    own ``for`` binds again."""
    path = tmp_path / "comprehensions.py"
    path.write_text(
        "class Item:\n"
        '    name: str = ""\n'
        "\n"
        "def f(x: Item | None, xs: list[Item | None]) -> None:\n"
        "    if x is not None:\n"
        "        print([x.name for _ in xs])\n"
        "        print([x.name for x in xs])\n"
        "    print([y.name for y in xs if y is not None])\n"
        "    print({y.name: y for y in xs if y})\n"
        "    print(any(y.name for y in xs if y is None or y.name))\n",
        encoding="utf-8",
    )
    rows = analyze(path, select=("optional-member-access",))
    assert [(r["line"], r["col"]) for r in rows] == [(7, 16), (10, 15)]


def test_optional_member_access_reads_what_a_walrus_tested(tmp_path: Path) -> None:
    """``(m := f()) is None`` and ``if m := f():`` test the value they bind, also for
    a read later in the same statement or in a comprehension's element."""
    path = tmp_path / "walrus.py"
    path.write_text(
        "import re\n"
        "\n"
        "def f(s: str, items: list[str]) -> None:\n"
        '    print([m.group(0) for x in items if (m := re.match("a", x)) is not None])\n'
        '    if (n := re.match("a", s)) is None or not n.group(0):\n'
        "        return\n"
        "    print(n.group(0))\n"
        '    if k := re.match("a", s):\n'
        "        print(k.group(0))\n"
        "    print(k.group(0))\n",
        encoding="utf-8",
    )
    rows = analyze(path, select=("optional-member-access",))
    assert [(r["line"], r["col"]) for r in rows] == [(10, 11)]


_UNASKED = (
    "import sys\n"
    "\n"
    "\n"
    "def relay(handler, *args, **kwargs):\n"
    "    return handler(*args, **kwargs)\n"
    "\n"
    "\n"
    "def size_of(box):\n"
    "    try:\n"
    "        return box.size.bit_length\n"
    "    except AttributeError:\n"
    "        return None\n"
    "\n"
    "\n"
    "def native(box):\n"
    '    if sys.platform == "win32":\n'
    "        return box.handle\n"
    "    return None\n"
)


def _questions_of_checks(path: Path) -> int:
    """The engine questions (worked out or answered from the memo) that checking
    ``path`` asks, from a fresh engine."""
    session = open_session(file_sets([path])[0], InferOptions(mode="static", use_cache=False))
    engine = session.engine(share_library=False)
    before = engine.steps
    assert FileChecker(engine, str(path.resolve()), path.name).run() == []
    return engine.steps - before


def test_checks_ask_no_types_their_rules_cannot_use(tmp_path: Path) -> None:
    """A call with ``*args`` (no count to check) and attribute reads that an
    ``except AttributeError`` or a platform test guards can give no finding,
    whatever their types: checking them asks the engine nothing (it asked 110
    questions when the receivers' and callee's types came first)."""
    path = tmp_path / "unasked.py"
    path.write_text(_UNASKED, encoding="utf-8")
    assert _questions_of_checks(path) == 0
    bare = tmp_path / "bare.py"  # the same reads unguarded are asked about
    bare.write_text("def relay(handler, args):\n    return handler(args)\n\n\ndef size_of(box):\n    return box.size\n")
    assert _questions_of_checks(bare) > 0
