"""The code fingerprint's source digests (``typelens.analyzer.cache.source_digest``):
kept in the cache folder for the stats of the files they read, so that a run hashes
typelens's sources only after they changed, and never answered from the memo after
an edit, an added or a removed file, or for files that changed too recently."""

from __future__ import annotations

import os
import time
from pathlib import Path

from typelens.analyzer import cache
from typelens.analyzer.cache import code_fingerprint, memo_path, source_digest

FAKE = "0123456789abcdef0123456789abcdef"


def _tree(tmp_path: Path) -> Path:
    package = tmp_path / "top" / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "a.py").write_text("x = 1\n", encoding="utf-8")
    (package / "sub" / "b.py").write_text("y = 2\n", encoding="utf-8")
    (package / "notes.txt").write_text("not a source\n", encoding="utf-8")
    return tmp_path / "top"


def _memo_answers(top: Path, memo: Path) -> bytes:
    """The digest with the kept one replaced by ``FAKE``: ``FAKE`` when the memo answers."""
    source_digest(str(top), "pkg", memo, settled_ns=0)
    kept = memo_path(memo, str(top), "pkg")
    kept.write_text(kept.read_text(encoding="ascii").split()[0] + " " + FAKE + "\n", encoding="ascii")
    return source_digest(str(top), "pkg", memo, settled_ns=0)


def test_a_kept_digest_answers_while_no_file_changed(tmp_path: Path) -> None:
    top = _tree(tmp_path)
    fresh = source_digest(str(top), "pkg")
    assert source_digest(str(top), "pkg", tmp_path / "memo", settled_ns=0) == fresh
    assert list((tmp_path / "memo" / "code").iterdir()) == [memo_path(tmp_path / "memo", str(top), "pkg")]
    assert source_digest(str(top), "pkg", tmp_path / "memo", settled_ns=0) == fresh
    assert _memo_answers(top, tmp_path / "memo") == bytes.fromhex(FAKE)
    (top / "pkg" / "notes.txt").write_text("edited\n", encoding="utf-8")  # not a source
    assert source_digest(str(top), "pkg", tmp_path / "memo", settled_ns=0) == bytes.fromhex(FAKE)


def test_an_edit_that_keeps_size_and_modification_time_is_seen(tmp_path: Path) -> None:
    top = _tree(tmp_path)
    assert _memo_answers(top, tmp_path / "memo") == bytes.fromhex(FAKE)
    source = top / "pkg" / "sub" / "b.py"
    before = source.stat()
    time.sleep(0.05)  # past the file system clock's tick
    source.write_text("y = 3\n", encoding="utf-8")
    os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert source.stat().st_size == before.st_size and source.stat().st_mtime_ns == before.st_mtime_ns
    assert source_digest(str(top), "pkg", tmp_path / "memo", settled_ns=0) == source_digest(str(top), "pkg")
    assert source_digest(str(top), "pkg") != source_digest(str(_tree(tmp_path / "again")), "pkg")


def test_an_added_or_removed_source_is_seen(tmp_path: Path) -> None:
    top = _tree(tmp_path)
    assert _memo_answers(top, tmp_path / "memo") == bytes.fromhex(FAKE)
    (top / "pkg" / "c.py").write_text("", encoding="utf-8")
    assert source_digest(str(top), "pkg", tmp_path / "memo", settled_ns=0) == source_digest(str(top), "pkg")
    assert _memo_answers(top, tmp_path / "memo") == bytes.fromhex(FAKE)
    (top / "pkg" / "sub" / "b.py").unlink()
    assert source_digest(str(top), "pkg", tmp_path / "memo", settled_ns=0) == source_digest(str(top), "pkg")


def test_files_changed_within_the_settling_time_keep_no_digest(tmp_path: Path) -> None:
    top = _tree(tmp_path)
    assert source_digest(str(top), "pkg", tmp_path / "memo") == source_digest(str(top), "pkg")
    assert not (tmp_path / "memo").exists()


def test_a_damaged_or_unwritable_memo_is_hashed_again(tmp_path: Path) -> None:
    top = _tree(tmp_path)
    fresh = source_digest(str(top), "pkg")
    source_digest(str(top), "pkg", tmp_path / "memo", settled_ns=0)
    kept = memo_path(tmp_path / "memo", str(top), "pkg")
    stamp = kept.read_text(encoding="ascii").split()[0]
    for damage in (f"{stamp} {FAKE[:-1]}xz\n", f"{stamp}\n", "\xff\xfe", f"{stamp} {FAKE} extra\n"):
        kept.write_text(damage, encoding="latin-1")
        assert source_digest(str(top), "pkg", tmp_path / "memo", settled_ns=0) == fresh
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the memo's folder would be\n", encoding="utf-8")
    assert source_digest(str(top), "pkg", blocked, settled_ns=0) == fresh


def test_the_real_fingerprint_is_the_same_with_and_without_the_memo(tmp_path: Path) -> None:
    top = str(Path(cache.__file__).resolve().parent.parent)
    for name in ("analyzer", "typeinfer", "cli/version.py"):
        assert source_digest(top, name, tmp_path / "memo", settled_ns=0) == source_digest(top, name)
        assert source_digest(top, name, tmp_path / "memo", settled_ns=0) == source_digest(top, name)
    assert {p.name.rpartition("-")[0] for p in (tmp_path / "memo" / "code").iterdir()} == {
        "analyzer",
        "typeinfer",
        "cli_version.py",
    }
    assert len(code_fingerprint(("analyzer", "typeinfer"), memo=tmp_path / "memo")) == 32


def test_two_installs_keep_a_digest_each(tmp_path: Path) -> None:
    """Two copies of the sources (two virtual environments) keep their digests
    apart: each answers from its own memo, neither replaces the other's."""
    one, other = _tree(tmp_path / "one"), _tree(tmp_path / "other")
    assert _memo_answers(one, tmp_path / "memo") == bytes.fromhex(FAKE)
    assert source_digest(str(other), "pkg", tmp_path / "memo", settled_ns=0) == source_digest(str(other), "pkg")
    assert source_digest(str(one), "pkg", tmp_path / "memo", settled_ns=0) == bytes.fromhex(FAKE)
    assert memo_path(tmp_path / "memo", str(one), "pkg") != memo_path(tmp_path / "memo", str(other), "pkg")
