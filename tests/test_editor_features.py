"""The editor features in the core, through the workspace the server uses (byte
offsets): hover, completion, signature help, symbols, references and rename,
highlights, semantic tokens, type definition, and hints for unions."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from typelens.lsp.workspace import Workspace
from typelens.typeinfer.ide import RenameRefused

from .conftest import write_tree

ACCOUNTS = '''\
class Account:
    """An account.

    Holds money; continuation lines are not code.
    """

    def __init__(self, owner):
        self.owner = owner
        self.balance = 0.0

    def deposit(self, amount):
        """Put money in.

            Returns the new balance.
        """
        self.balance += amount
        return self.balance

    @property
    def label(self):
        return self.owner.upper()


class Savings(Account):
    rate = 0.02


def run(names):
    return len(names) * 1.5


total = run(["a", "b"])
'''

USE = """\
import os
from accounts import Account, Savings, run as go
import accounts


def choose(flag):
    if flag:
        obj = Account("a")
    else:
        obj = Savings("b")
    obj.deposit(2.0)
    return obj


def report():
    chosen = choose(True)
    print(chosen.balance, accounts.run(["q"]), go([]), os.path.join("a", "b"))
    return chosen
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> tuple[Workspace, Path]:
    root = tmp_path_factory.mktemp("editor")
    (root / "accounts.py").write_text(ACCOUNTS, encoding="utf-8")
    (root / "use.py").write_text(USE, encoding="utf-8")
    ws = Workspace(root)
    ws.finish_indexing()
    for name in ("accounts.py", "use.py"):
        ws.open((root / name).as_uri(), (root / name).read_text(encoding="utf-8"), 1)
    return ws, root


def at(root: Path, name: str, needle: str, extra: int = 0) -> tuple[str, int]:
    data = (root / name).read_bytes()
    return (root / name).as_uri(), data.index(needle.encode()) + extra


def test_hover_shows_the_kind_and_full_signature(project) -> None:
    ws, root = project
    info = ws.hover(*at(root, "accounts.py", "run(names"))
    assert info.kind == "function" and info.signature == "def run(names: list[str]) -> float"
    info = ws.hover(*at(root, "accounts.py", "deposit(self"))
    assert info.kind == "method" and info.signature == "def deposit(self, amount: float) -> float"
    assert info.doc == "Put money in.\n\nReturns the new balance."  # PEP 257 trimming
    info = ws.hover(*at(root, "accounts.py", "Account:"))
    assert info.kind == "class" and info.doc == "An account.\n\nHolds money; continuation lines are not code."


def test_hover_merges_a_unions_method_and_shows_library_members(project) -> None:
    ws, root = project
    info = ws.hover(*at(root, "use.py", "deposit(2.0)"))
    # Account's and Savings' deposit are one definition: shown once, without the receiver
    assert info.kind == "method" and len(info.signatures) == 1 and info.signatures[0].startswith("def deposit(amount")
    info = ws.hover(*at(root, "use.py", "join("))
    assert info.kind == "function" and all(s.startswith("def join(") for s in info.signatures)
    assert any("-> str" in s for s in info.signatures)
    # each assignment's own type, as at its line (pyright's too); the variable's
    # inferred declaration, the join, is what --apply writes and inlay hints show
    info = ws.hover(*at(root, "use.py", "obj = Account"))
    assert (info.kind, info.type, info.source) == ("variable", "Account", "static")
    assert 0.5 < info.confidence <= 1.0
    assert ws.hover(*at(root, "use.py", "obj = Savings")).type == "Savings"
    assert {p.type for p in ws.predictions((root / "use.py").as_uri()) if p.name == "obj"} >= {"Account | Savings"}
    info = ws.hover(*at(root, "accounts.py", "label(self"))
    assert info.kind == "property"


def test_completion_lists_module_members_with_kinds_and_signatures(project) -> None:
    ws, root = project
    uri = (root / "use.py").as_uri()
    for text in ("import os\nos.path.", "from os.path import "):
        ws.open(uri, text, 2)
        entries = {e.label: e for e in ws.completions(uri, len(text.encode()))}
        assert len(entries) > 30 and {"join", "dirname", "exists"} <= set(entries)
        assert entries["join"].kind == "function" and entries["join"].detail.startswith("def join(")
        assert entries["join"].detail.endswith(") -> LiteralString")  # a stub's declared types
    text = USE + "choose(True)."
    ws.open(uri, text, 3)
    entries = {e.label: e for e in ws.completions(uri, len(text.encode()))}
    assert entries["deposit"].kind == "method" and entries["deposit"].detail == "def deposit(amount)"
    assert entries["rate"].kind == "field"  # Savings' own member, beside Account's
    assert entries["label"].kind == "property" and entries["label"].detail == "str"
    detail, doc = ws.resolve_completion(uri, entries["deposit"].ref)
    assert detail.startswith("def deposit(amount") and doc.startswith("Put money in.")
    ws.open(uri, USE, 1)


def test_module_functions_keep_their_signature_past_the_detail_budget(project, monkeypatch) -> None:
    """A loaded machine spends the detail budget before ``join``: a module's
    functions still show their declared signature; only variables wait for resolve."""
    from typelens.typeinfer.ide import completion

    monkeypatch.setattr(completion, "DETAIL_BUDGET_SECONDS", -1.0)
    ws, root = project
    uri = (root / "use.py").as_uri()
    text = "import os\nos.path."
    ws.open(uri, text, 2)
    entries = {e.label: e for e in ws.completions(uri, len(text.encode()))}
    assert entries["join"].detail.startswith("def join(") and entries["sep"].detail == ""
    assert entries["sep"].ref is not None  # typed when the editor resolves it


def test_signature_help_tracks_the_active_parameter(project) -> None:
    ws, root = project
    uri = (root / "use.py").as_uri()
    cases = {
        "Account(": (0, "Account(owner: str)"),
        'os.path.join("a", ': (1, None),
        "choose(flag=": (0, "choose(flag: bool) -> Account | Savings"),
    }
    for call, (active, label) in cases.items():
        text = USE + call
        ws.open(uri, text, 4)
        found = ws.signature_help(uri, len(text.encode()))
        assert found is not None and found.active_parameter == active, call
        if label is not None:
            assert found.signatures[found.active_signature].label == label
    ws.open(uri, USE, 1)


def test_document_and_workspace_symbols(project) -> None:
    ws, root = project
    outline = ws.document_symbols((root / "accounts.py").as_uri())
    account = next(item for item in outline if item.name == "Account")
    assert account.kind == "class"
    assert {(c.name, c.kind) for c in account.children} >= {
        ("deposit", "method"),
        ("label", "property"),
        ("balance", "field"),
        ("owner", "field"),
    }
    assert ("total", "variable") in {(i.name, i.kind) for i in outline}
    found = ws.workspace_symbols("dep")
    assert [(info.name, info.container) for info, _ in found] == [("deposit", "Account")]


def test_references_and_rename_across_the_project(project) -> None:
    ws, root = project
    places = ws.references(*at(root, "accounts.py", "run(names"))
    texts = {(Path(p.uri).name, p.lines.data[s:e].decode()) for p in places for s, e, _ in p.ranges}
    assert texts == {("accounts.py", "run"), ("use.py", "run")}
    assert sum(len(p.ranges) for p in places) == 4  # def, call; the import's name, accounts.run
    places = ws.rename(*at(root, "use.py", "balance,"), "funds")
    edited = {Path(p.uri).name: len(p.ranges) for p in places}
    assert edited == {"accounts.py": 3, "use.py": 1}
    assert all(p.version == 1 for p in places)  # open documents: the version edited
    with pytest.raises(RenameRefused):
        ws.rename(*at(root, "use.py", "join("), "glue")  # a library function
    with pytest.raises(RenameRefused):
        ws.rename(*at(root, "use.py", "flag)"), "not valid")
    highlights = ws.highlights(*at(root, "use.py", "obj.deposit"))
    assert [h.is_write for h in highlights] == [True, True, False, False]


def test_a_local_is_renamed_in_its_scope_only(project) -> None:
    ws, root = project
    places = ws.rename(*at(root, "use.py", "flag):"), "wanted")
    assert [(Path(p.uri).name, len(p.ranges)) for p in places] == [("use.py", 2)]


def test_type_definition_and_semantic_tokens(project) -> None:
    ws, root = project
    places = ws.type_definition(*at(root, "use.py", "chosen = "))
    assert sorted(
        p.lines.data[p.ranges[0][0] : p.ranges[0][1]].decode().split("(")[0].split(":")[0] for p in places
    ) == ["class Account", "class Savings"]
    uri = (root / "use.py").as_uri()
    data = (root / "use.py").read_bytes()
    tokens = {(data[t.start : t.end].decode(), t.type, tuple(sorted(t.modifiers))) for t in ws.semantic_tokens(uri)}
    assert {
        ("os", "namespace", ("declaration",)),
        ("choose", "function", ("declaration",)),
        ("flag", "parameter", ("declaration",)),
        ("Account", "class", ()),
        ("deposit", "method", ()),
        ("balance", "property", ()),
        ("join", "function", ()),
        ("print", "function", ("defaultLibrary",)),
        ("obj", "variable", ("declaration",)),
    } <= tokens


def test_unions_of_imported_classes_get_hints_and_quick_fixes(project) -> None:
    ws, root = project
    uri, offset = at(root, "use.py", "obj = Account")
    labels = {h.label for h in ws.inlay_hints(uri, offset, offset + 3)}
    assert labels == {": Account | Savings"}
    assert ws.annotate(uri, offset) == [(offset + 3, offset + 3, ': "Account | Savings"')]


def test_a_loose_file_is_served_without_a_root(tmp_path) -> None:
    path = tmp_path / "loose.py"
    path.write_text(
        textwrap.dedent("""\
        def twice(x):
            return x * 2

        y = twice(2.5)
    """),
        encoding="utf-8",
    )
    ws = Workspace(None)
    ws.open(path.as_uri(), path.read_text(encoding="utf-8"), 1)
    info = ws.hover(path.as_uri(), path.read_bytes().index(b"twice(x"))
    assert info.signature == "def twice(x: float) -> float"
    assert [info.name for info, _ in ws.workspace_symbols("twi")] == ["twice"]


def test_two_packages_of_a_folder_without_a_marker_are_two_projects(tmp_path) -> None:
    """Without a root, each package of a marker-less folder is a project of its own
    (as ``typelens infer`` sees it), not a part of the first one opened."""
    files = {
        "first/__init__.py": "",
        "first/core.py": "def half(x):\n    return x / 2\n",
        "second/__init__.py": "",
        "second/core.py": "from first.core import half\n\n\ndef twice(x):\n    return half(x) * 4\n",
    }
    write_tree(tmp_path, files)
    ws = Workspace(None)
    for name in ("first/core.py", "second/core.py"):
        ws.open((tmp_path / name).as_uri(), files[name], 1)
    sessions = {name: ws.session_for(tmp_path / name) for name in ("first/core.py", "second/core.py")}
    assert [s.index.scope for s in sessions.values()] == [tmp_path / "first", tmp_path / "second"]
    info = ws.hover((tmp_path / "second/core.py").as_uri(), files["second/core.py"].index("half(x)"))
    assert info.signature.startswith("def half(x")  # the sibling package still resolves


def test_diagnostics_follow_each_files_own_configuration(tmp_path: Path) -> None:
    """As ``analyze`` does: a nested project's table, ``per-file-ignores`` and
    ``exclude`` count per file, with the editor's configuration on top."""
    from typelens.typeinfer.settings import load_settings

    mistake = "class A:\n    x = 1\n\n\ndef f(a):\n    return a\n\n\nA().nope\nf(1, 2)\n"
    files = {
        "pyproject.toml": '[tool.typelens]\nexclude = ["gen/"]\nper-file-ignores = {"tests/*" = ["attr-defined"]}\n',
        "app.py": mistake,
        "tests/test_app.py": mistake,
        "gen/made.py": mistake,
        "vendored/pyproject.toml": '[tool.typelens]\nignore = ["call-arg"]\n',
        "vendored/lib.py": mistake,
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    editor = {"typelens": {"ignore": ["unresolved-import"]}}
    ws = Workspace(tmp_path, load_settings(tmp_path, editor=editor, root=tmp_path))
    ws.editor_options = editor

    def codes(name: str) -> set[str]:
        uri = (tmp_path / name).as_uri()
        ws.open(uri, files[name], 1)
        return {d.code for d in ws.diagnostics(uri)}

    assert codes("app.py") == {"attr-defined", "call-arg"}
    assert codes("tests/test_app.py") == {"call-arg"}
    assert codes("gen/made.py") == set()
    assert codes("vendored/lib.py") == {"attr-defined"}
    ws.set_settings(ws.settings, editor={"typelens": {"ignore": ["attr-defined"]}})
    assert codes("vendored/lib.py") == set()  # the editor's configuration lies over the nested table
