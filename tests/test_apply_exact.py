"""``typelens infer --apply`` is exact on hostile input: every byte outside the
edits kept, a second run adds nothing, Python's limits respected, and writes
refused (one clear line, exit 2) rather than made unsafely.  Real files, the
real CLI (``python -m typelens.cli`` in a subprocess unless a test must reach in)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from typer.testing import CliRunner

from typelens.cli.main import app

STATIC = ("--mode", "static", "--min-confidence", "0.5")

# name -> (the file, the file as --apply must leave it)
HOSTILE: dict[str, tuple[bytes, bytes]] = {
    "bad_utf8.py": (
        b"# caf\xe9 \xff\xfe\ndef f(a=1):\n    return a\n",
        b"# caf\xe9 \xff\xfe\ndef f(a: int = 1) -> int:\n    return a\n",
    ),
    "bad_after_edit.py": (
        b"def f(a=1):  # \xff\n    return a\ns = '\xc3'; t = 1\n",
        b"def f(a: int = 1) -> int:  # \xff\n    return a\ns: str = '\xc3'; t: int = 1\n",
    ),
    "nul.py": (b"# a \x00 b\ndef f(a=1):\n    return a\n", b"# a \x00 b\ndef f(a: int = 1) -> int:\n    return a\n"),
    "bom_crlf.py": (
        b"\xef\xbb\xbf# \xc3\xa9\r\ndef f(a=1):\r\n    return a\r\n",
        b"\xef\xbb\xbf# \xc3\xa9\r\ndef f(a: int = 1) -> int:\r\n    return a\r\n",
    ),
    "latin1.py": (
        b"# -*- coding: latin-1 -*-\n# caf\xe9\ndef f(a=1):\n    s = '\xe9t\xe9'\n    return s\n",
        b"# -*- coding: latin-1 -*-\n# caf\xe9\ndef f(a: int = 1) -> str:\n    s: str = '\xe9t\xe9'\n    return s\n",
    ),
    "shift_jis.py": (
        b"# coding: shift_jis\ndef f(a=1):  # \x83e\x83X\x83g\n    return a\nn = '\x83e'; m = 2\n",
        b"# coding: shift_jis\ndef f(a: int = 1) -> int:  # \x83e\x83X\x83g\n    return a\n"
        b"n: str = '\x83e'; m: int = 2\n",
    ),
    "cr_only.py": (
        b"def g(a=1):\r    # a comment\r    return a + 1\r\rx = g()\r",
        b"def g(a: int = 1) -> int:\r    # a comment\r    return a + 1\r\rx: int = g()\r",
    ),
    "mixed_ends.py": (
        b"def f(a=1):\r\n    return a\nx = f()\ry = 'b'\r\n",
        b"def f(a: int = 1) -> int:\r\n    return a\nx: int = f()\ry: str = 'b'\r\n",
    ),
    "no_final_newline.py": (b"def f(a=1):\n    return a", b"def f(a: int = 1) -> int:\n    return a"),
    "chained.py": (
        b"def f(a=1):\n    return a\n\n\nx = y = 0\np = q = r = []\nn = 0\nn += 1\nm = f()\n",
        b"def f(a: int = 1) -> int:\n    return a\n\n\nx = y = 0\np = q = r = []\nn: int = 0\nn += 1\nm: int = f()\n",
    ),
    "comment_at_equals.py": (
        b"def f(a  # the start\n      =1):\n    return a\n",
        b"def f(a: int  # the start\n      =1) -> int:\n    return a\n",
    ),
    "type_comments.py": (
        b"def f(a=1):\n    # type: (int) -> int\n    return a\nv = 2  # type: int\nw = 3\n",
        b"def f(a=1):\n    # type: (int) -> int\n    return a\nv = 2  # type: int\nw: int = 3\n",
    ),
    "shadowed.py": (
        b"class Box:\n    def str(self):\n        return 'box'\n\n    def name(self, k=1):\n        return 'n' * k\n",
        b"class Box:\n    def str(self):\n        return 'box'\n\n    def name(self, k: int = 1):\n"
        b"        return 'n' * k\n",
    ),
}


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """The CLI run from ``cwd``, which is not put on ``sys.path`` (``-P``): the
    folders hold copies of standard modules that must not shadow the real ones."""
    return subprocess.run(
        [sys.executable, "-P", "-m", "typelens.cli", "infer", *args], cwd=cwd, capture_output=True, timeout=600
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_hostile_bytes_are_kept_and_a_second_run_adds_nothing(tmp_path: Path) -> None:
    for name, (raw, _) in HOSTILE.items():
        (tmp_path / name).write_bytes(raw)
    first = cli(tmp_path, ".", "--apply", *STATIC)
    assert first.returncode == 0, first.stderr.decode()
    assert b"Traceback" not in first.stderr
    after = snapshot(tmp_path)
    wrong = {name: after[name] for name, (_, want) in HOSTILE.items() if after[name] != want}
    assert not wrong, wrong
    second = cli(tmp_path, ".", "--apply", *STATIC)
    assert second.returncode == 0, second.stderr.decode()
    assert snapshot(tmp_path) == after
    assert b"annotated 0 file(s)" in second.stderr


@pytest.mark.pure_only(reason="patches apply_rounds.plan_edits")
def test_an_edit_that_would_not_compile_is_left_out_with_a_note(tmp_path: Path, monkeypatch) -> None:
    """The compile check is the backstop behind the planner's rules: a bad edit
    (the chained target the planner skips, forced in here) goes, the rest stays."""
    from typelens.typeinfer import apply_rounds
    from typelens.typeinfer.apply import Edit, FileEdits

    path = tmp_path / "forced.py"
    path.write_bytes(b"def f(a=1):\n    return a\n\n\nx = y = f()\n")
    original = apply_rounds.plan_edits

    def with_a_bad_edit(graph, *args, **kwargs):
        plan = original(graph, *args, **kwargs)
        at = graph.source.data.index(b"y =") + 1
        return FileEdits(plan.edits + (Edit(at, at, ": int"),), plan.imports)

    monkeypatch.setattr(apply_rounds, "plan_edits", with_a_bad_edit)
    result = CliRunner().invoke(app, ["infer", str(path), "--apply", *STATIC])
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == b"def f(a: int = 1) -> int:\n    return a\n\n\nx = y = f()\n"
    assert "forced.py:5: left out ': int': the file would not compile" in result.output


@pytest.mark.pure_only(reason="patches apply_rounds.plan_edits")
def test_a_failure_on_one_file_leaves_it_alone_and_annotates_the_rest(tmp_path: Path, monkeypatch) -> None:
    from typelens.typeinfer import apply_rounds

    (tmp_path / "good.py").write_bytes(b"def f(a=1):\n    return a\n")
    (tmp_path / "cursed.py").write_bytes(b"def g(b=1):\n    return b\n")
    original = apply_rounds.plan_edits

    def fails_on_cursed(graph, *args, **kwargs):
        if graph.path.endswith("cursed.py"):
            raise RuntimeError("a bug in the planner")
        return original(graph, *args, **kwargs)

    monkeypatch.setattr(apply_rounds, "plan_edits", fails_on_cursed)
    result = CliRunner().invoke(app, ["infer", str(tmp_path), "--apply", *STATIC])
    assert result.exit_code == 0, result.output
    assert "skipped: internal error: RuntimeError: a bug in the planner" in result.output
    assert (tmp_path / "cursed.py").read_bytes() == b"def g(b=1):\n    return b\n"
    assert (tmp_path / "good.py").read_bytes() == b"def f(a: int = 1) -> int:\n    return a\n"


def test_a_file_that_does_not_compile_is_skipped_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "late_global.py"
    raw = b"def f(a=1):\n    x = a\n    global x\n    return x\n"
    path.write_bytes(raw)
    result = cli(tmp_path, "late_global.py", "--apply", *STATIC)
    assert result.returncode == 0
    assert path.read_bytes() == raw
    assert b"late_global.py: skipped: it does not compile under Python" in result.stderr


def test_read_only_file_and_folder_are_refused_in_one_line(tmp_path: Path) -> None:
    frozen, free = tmp_path / "pkg" / "frozen.py", tmp_path / "pkg" / "free.py"
    locked = tmp_path / "locked"
    for path in (frozen, free, locked / "inside.py"):
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"def f(a=1):\n    return a\n")
    frozen.chmod(0o444)
    locked.chmod(0o555)
    try:
        result = cli(tmp_path, "pkg", "locked", "--apply", *STATIC)
        after = snapshot(tmp_path)
    finally:
        locked.chmod(0o755)
    assert result.returncode == 2
    lines = result.stderr.decode().splitlines()
    assert "typelens infer: refusing pkg/frozen.py: the file is read-only" in lines
    assert any(line.startswith("typelens infer: refusing locked/inside.py: its folder is read-only") for line in lines)
    assert b"Traceback" not in result.stderr and len(lines) == 3, lines  # two refusals and the summary
    assert after["pkg/frozen.py"] == after["locked/inside.py"] == b"def f(a=1):\n    return a\n"
    assert after["pkg/free.py"] == b"def f(a: int = 1) -> int:\n    return a\n"
    assert stat.S_IMODE(frozen.stat().st_mode) == 0o444
    assert sorted(p.name for p in locked.iterdir()) == ["inside.py"]


def test_hard_links_and_bad_options_are_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "twin.py").write_bytes(b"def f(a=1):\n    return a\n")
    os.link(tmp_path / "twin.py", tmp_path / "twin_link.txt")
    result = cli(tmp_path, "twin.py", "--apply", *STATIC)
    assert result.returncode == 2
    assert b"refusing twin.py: it has 2 hard links (replacing it would part them)" in result.stderr
    assert (tmp_path / "twin_link.txt").read_bytes() == (tmp_path / "twin.py").read_bytes()
    assert (tmp_path / "twin.py").read_bytes() == b"def f(a=1):\n    return a\n"
    result = cli(tmp_path, "twin.py", "--apply", "--mode", "static", "--min-confidence", "1.5")
    assert result.returncode == 2 and b"Traceback" not in result.stderr
    assert result.stderr.decode().splitlines() == [
        "typelens infer: --min-confidence 1.5 must be a number between 0 and 1"
    ]


def test_mode_is_kept_and_no_temporary_file_is_left(tmp_path: Path) -> None:
    path = tmp_path / "tool.py"
    path.write_bytes(b"#!/usr/bin/env python3\ndef f(a=1):\n    return a\n")
    path.chmod(0o751)
    result = cli(tmp_path, "tool.py", "--apply", *STATIC)
    assert result.returncode == 0, result.stderr.decode()
    assert path.read_bytes() == b"#!/usr/bin/env python3\ndef f(a: int = 1) -> int:\n    return a\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o751
    assert [p.name for p in tmp_path.iterdir()] == ["tool.py"]


@pytest.mark.parametrize("how", ["in place, same size and time", "saved through a rename"])
def test_an_edit_saved_while_writing_is_never_overwritten(tmp_path: Path, monkeypatch, how: str) -> None:
    """The other writer strikes after the new bytes are ready, right before the
    last check: its save must survive and the run must say so."""
    from typelens.cli import apply_cmd

    path = tmp_path / "busy.py"
    path.write_bytes(b"def f(a=1):\n    return a\n")
    theirs = b"def f(a=2):\n    return a\n"
    original = apply_cmd._keep_owner

    def someone_saves(fd, st):
        if how.startswith("in place"):
            before = path.stat()
            path.write_bytes(theirs)
            os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        else:
            (tmp_path / "busy.py.swp").write_bytes(theirs)
            os.replace(tmp_path / "busy.py.swp", path)
        return original(fd, st)

    monkeypatch.setattr(apply_cmd, "_keep_owner", someone_saves)
    result = CliRunner().invoke(app, ["infer", str(path), "--apply", *STATIC])
    assert result.exit_code == 2
    assert "it changed on disk while annotating; nothing written" in result.output
    assert path.read_bytes() == theirs
    assert [p.name for p in tmp_path.iterdir()] == ["busy.py"]


def test_a_save_between_the_last_look_and_the_exchange_is_put_back(tmp_path: Path, monkeypatch) -> None:
    """The window after the last look: the exchange shows what it displaced."""
    from typelens.cli import apply_cmd

    probe_a, probe_b = tmp_path / "a", tmp_path / "b"
    probe_a.write_bytes(b"a")
    probe_b.write_bytes(b"b")
    if not apply_cmd._exchange(probe_a, probe_b):
        pytest.skip("no atomic exchange on this system")
    probe_a.unlink()
    probe_b.unlink()
    path = tmp_path / "busy.py"
    path.write_bytes(b"def f(a=1):\n    return a\n")
    theirs = b"def f(a=2):\n    return a\n"
    original = apply_cmd._changed_since

    def last_look_then_a_save(snapshot, where=None):
        reason = original(snapshot, where)
        if where is None:
            (tmp_path / "busy.py.swp").write_bytes(theirs)
            os.replace(tmp_path / "busy.py.swp", path)
        return reason

    monkeypatch.setattr(apply_cmd, "_changed_since", last_look_then_a_save)
    result = CliRunner().invoke(app, ["infer", str(path), "--apply", *STATIC])
    assert result.exit_code == 2
    assert "it changed on disk while annotating; nothing written" in result.output
    assert path.read_bytes() == theirs
    assert [p.name for p in tmp_path.iterdir()] == ["busy.py"]


def test_without_an_atomic_exchange_the_file_is_replaced(tmp_path: Path, monkeypatch) -> None:
    from typelens.cli import apply_cmd

    monkeypatch.setattr(apply_cmd, "_renameat2", lambda: None)
    path = tmp_path / "plain.py"
    path.write_bytes(b"def f(a=1):\n    return a\n")
    path.chmod(0o640)
    result = CliRunner().invoke(app, ["infer", str(path), "--apply", *STATIC])
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == b"def f(a: int = 1) -> int:\n    return a\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["plain.py"]


def git(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_diff_applies_with_git_from_the_working_directory(tmp_path: Path) -> None:
    files = {
        "bank/main.py": HOSTILE["mixed_ends.py"][0],
        "bank/ledger.py": HOSTILE["latin1.py"][0],
        "bank/tail.py": HOSTILE["no_final_newline.py"][0],
        "bank/cr.py": HOSTILE["cr_only.py"][0],
        "bank/odd.py": HOSTILE["bad_utf8.py"][0],
    }
    repo, applied = tmp_path / "repo", tmp_path / "applied"
    for root in (repo, applied):
        for name, raw in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(raw)
    assert git(repo, "init", "-q").returncode == 0
    diff = cli(repo, "bank", "--apply", "--diff", *STATIC)
    assert diff.returncode == 0, diff.stderr.decode()
    assert snapshot(repo / "bank") == {n.removeprefix("bank/"): raw for n, raw in files.items()}  # nothing written
    assert b"--- a/bank/main.py\n+++ b/bank/main.py\n" in diff.stdout
    (tmp_path / "annotations.patch").write_bytes(diff.stdout)
    check = git(repo, "apply", "--check", "-v", str(tmp_path / "annotations.patch"))
    assert check.returncode == 0, check.stderr.decode()
    assert git(repo, "apply", str(tmp_path / "annotations.patch")).returncode == 0
    assert cli(applied, "bank", "--apply", *STATIC).returncode == 0
    assert snapshot(repo / "bank") == snapshot(applied / "bank")
    assert snapshot(repo / "bank") != {n.removeprefix("bank/"): raw for n, raw in files.items()}


# a spread of the standard library: classes, closures, generators, decorators, CRLF-free text
STDLIB_SAMPLE = (
    "textwrap.py",
    "shlex.py",
    "fractions.py",
    "base64.py",
    "colorsys.py",
    "bisect.py",
    "heapq.py",
    "calendar.py",
    "difflib.py",
    "glob.py",
    "fnmatch.py",
    "getopt.py",
    "json/decoder.py",
    "json/encoder.py",
    "email/quoprimime.py",
)


def is_subsequence(small: bytes, big: bytes) -> bool:
    found = iter(big)
    return all(byte in found for byte in small)


@pytest.mark.slow
def test_apply_is_idempotent_on_a_stdlib_sample(tmp_path: Path) -> None:
    """The default (hybrid) mode, as a user runs it; ``bench/apply.py`` runs every file."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for name in STDLIB_SAMPLE:
        target = tmp_path / "lib" / name.replace("/", "_")
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(stdlib / name, target)
    before = snapshot(tmp_path / "lib")
    first = cli(tmp_path, "lib", "--apply")
    assert first.returncode == 0, first.stderr.decode()
    after = snapshot(tmp_path / "lib")
    assert sum(after[n] != before[n] for n in before) >= len(before) - 2
    second = cli(tmp_path, "lib", "--apply")
    assert second.returncode == 0, second.stderr.decode()
    changed = [n for n, raw in snapshot(tmp_path / "lib").items() if raw != after[n]]
    assert not changed, (changed, second.stderr.decode())
    for name, raw in after.items():
        compile(raw, name, "exec", dont_inherit=True)
        assert is_subsequence(before[name], raw), name  # only insertions (and '=' respaced)


# -- the raw-bytes map under the CLI --------------------------------------------------------
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_an_insertion_anywhere_keeps_every_other_byte(name: str) -> None:
    from typelens.analyzer.rawbytes import RawBytesError, raw_file

    raw = HOSTILE[name][0]
    rf = raw_file(raw, name)
    text = rf.source.data.decode("utf-8")
    boundaries = sorted({len(text[:i].encode("utf-8")) for i in range(len(text) + 1)})
    cookie_line = rf.source.data.index(b"\n") if b"coding" in raw.split(b"\n")[0] else -1
    for at in boundaries:
        if rf.source.data[at - 1 : at + 1] == b"\r\n":
            continue  # inside a CRLF there is no place for a byte
        try:
            new = rf.splice([(at, at, "Z")])
        except RawBytesError:
            assert at <= cookie_line, (name, at)  # "Z# coding: ..." is another encoding: refused
            continue
        assert new.count(b"Z") == 1 and new.replace(b"Z", b"") == raw, (name, at, new)


def test_inserted_lines_take_the_files_line_end_and_encoding() -> None:
    from typelens.analyzer.rawbytes import raw_file

    cr = raw_file(b"import os\rx = 1\r", "cr.py")
    assert cr.splice([(10, 10, "# new\n")]) == b"import os\r# new\rx = 1\r"
    latin = raw_file(b"# coding: latin-1\nx = '\xe9'\n", "latin.py")
    assert latin.splice([(19, 19, ": '\xe9'")]) == b"# coding: latin-1\nx: '\xe9' = '\xe9'\n"


def test_what_cannot_be_edited_exactly_is_refused() -> None:
    from typelens.analyzer.rawbytes import RawBytesError, raw_file

    with pytest.raises(RawBytesError, match="not ASCII-compatible"):
        raw_file(b"# coding: utf-16\nx = 1\n", "wide.py")
    with pytest.raises(RawBytesError, match="binary"):
        raw_file(b"\x00\x01\x02" * 100, "blob.py")
    with pytest.raises(RawBytesError, match="larger than"):
        raw_file(b"x = 1\n" * 100, "big.py", max_bytes=60)
    latin = raw_file(b"# coding: latin-1\nx = 1\n", "latin.py")
    with pytest.raises(RawBytesError, match="cannot be written"):
        latin.splice([(19, 19, ": \u03a9")])
    with pytest.raises(RawBytesError, match="overlapping"):
        latin.splice([(18, 21, "a"), (19, 20, "b")])
