"""Hostile inputs made on the fly, and the real CLI run on them under a time and
memory bound: the fuzz harness of ``tests/test_fuzz.py`` (a fast sample) and
``bench/fuzz.py`` (every case, worst time and memory).

A *content case* is a function ``size -> bytes`` (deep nesting of every block
kind with and without strings, long ``or``/``+`` chains, odd coding cookies,
CR-only and mixed line ends, NULs, invalid UTF-8 in every position, huge lines,
10^4-10^5 definitions).  A *tree case* builds a folder entry that is not a plain
file (a FIFO, a link to ``/dev/zero``, a link loop, a dangling or outside link,
a socket, a folder named ``x.py``, an unreadable file, a non-UTF-8 name).  An
*argument case* hands such an entry, or an impossible ``-o``, to the CLI itself.

A :class:`Leg` runs one command on one input and returns an :class:`Outcome`;
``LEGS`` holds ``graph``, ``infer`` and ``analyze``.  Other legs plug in by
``register_leg`` (the ``--apply`` and language-server legs: give ``run`` a
function ``(path, scratch, limits) -> Outcome``, for example through
:func:`run_command`), and every harness run picks them up.

Example::

    outcome = LEGS[0].run(Path("deep.py"), Path("/tmp/scratch"), Limits())
    outcome.problems()        # [] when there was no crash, hang, traceback, bad JSON
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

# -- content cases -----------------------------------------------------------------------
BLOCK_HEADERS = {
    "if": "if x:",
    "elif": "if x:\n{pad}    pass\n{pad}elif y:",
    "else": "if x:\n{pad}    pass\n{pad}else:",
    "for": "for a in b:",
    "async_for": "async for a in b:",
    "while": "while x:",
    "try": "try:",
    "except": "try:\n{pad}    pass\n{pad}except E:",
    "finally": "try:\n{pad}    pass\n{pad}finally:",
    "with": "with a as b:",
    "async_with": "async with a:",
    "def": "def f{i}(a):",
    "async_def": "async def f{i}():",
    "class": "class C{i}:",
    "decorated": "@d\n{pad}def f{i}():",
    "match": "match v:\n{pad}    case {i}:",
}


def deep_blocks(kind: str, depth: int, *, string: bool, indent: int = 1) -> bytes:
    """``depth`` nested ``kind`` blocks, ``indent`` columns a level, around a string or a name."""
    lines, pad = [], ""
    step = indent * (2 if kind == "match" else 1)
    for i in range(depth):
        pad = " " * (i * step)
        lines.append(pad + BLOCK_HEADERS[kind].format(pad=pad, i=i))
    inner = " " * (depth * step)
    lines.append(inner + ("'text'" if string else "y = x"))
    return ("\n".join(lines) + "\nz = 1\n").encode()


def _defs(template: str, head: str = "", tail: str = "") -> Callable[[int], bytes]:
    return lambda n: (head + "".join(template.format(i=i, j=i - 1) for i in range(1, n + 1)) + tail).encode()


LARGE = {  # the generated large files: each within 10 s and 1 GB at 10^4-10^5 (issue 26)
    "functions": _defs("def f{i}(a):\n    return a + {i}\n"),
    "elifs": _defs("elif x == {i}:\n    y = {i}\n", "x = int(input())\nif x == 0:\n    y = 0\n", "print(y)\n"),
    "chained_assignments": _defs("x{i} = x{j} + 1\n", "x0 = 1\n"),
    "subclass_chain": _defs("class C{i}(C{j}):\n    pass\nC{i}()\n", "class C0:\n    def __init__(self): pass\n"),
    "methods": _defs("    def m{i}(self):\n        return self.m{j}()\n", "class K:\n    def m0(self): pass\n"),
    "continuation_lines": _defs("    {i} + \\\n", "x = 1 + \\\n", "    0\n"),
    "try_blocks": _defs("try:\n    v = {i}\nexcept E:\n    v = -1\n"),
    "rebinding": _defs("    x = x + {i}\n", "def g():\n    x = 0\n", "    return x\n"),
    "imports": _defs("import mod{i}\n"),
    "dict_literal": _defs("    'k{i}': {i},\n", "d = {\n", "}\n"),
    "generators": _defs("def g{i}(a):\n    yield a + {i}\n"),
}


def _chain(op: str) -> Callable[[int], bytes]:
    return lambda n: ("a = 1\nx = " + f" {op} ".join(["a"] * n) + "\nprint(x)\n").encode()


def _nested(open_: str, close: str) -> Callable[[int], bytes]:
    return lambda n: ("x = " + open_ * n + "1" + close * n + "\nprint(x)\n").encode()


EXPRESSIONS = {
    "or_chain": _chain("or"),
    "and_chain": _chain("and"),
    "plus_chain": _chain("+"),
    "compare_chain": _chain("<"),
    "parens": _nested("(", ")"),
    "lists": lambda n: ("x = " + "[" * n + "]" * n + "\n").encode(),
    "calls": _nested("f(", ")"),
    "subscripts": lambda n: ("x = a" + "[0]" * n + "\n").encode(),
    "attributes": lambda n: ("x = a" + ".b" * n + "\n").encode(),
    "unary": lambda n: ("x = " + "-" * n + "1\n").encode(),
    "nots": lambda n: ("x = " + "not " * n + "a\n").encode(),
    "lambdas": lambda n: ("f = " + "lambda: " * n + "1\n").encode(),
    "fstrings": lambda n: ("x = " + "f'{" * min(n, 150) + "1" + "}'" * min(n, 150) + "\n").encode(),
    "dicts": lambda n: ("x = " + "{1: " * n + "1" + "}" * n + "\n").encode(),
}

_UTF8_BAD = [b"\xff", b"\xc3", b"\xe2\x82", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80"]
_PLACES = [
    "{b}x = 1\n",
    "x{b}y = 1\n",
    "x = '{b}'\n",
    "# {b}\nx = 1\n",
    "  {b}\nx = 1\n",
    "x = 1 \\{b}\n",
    "def f({b}):\n    pass\n",
    "x = b'{b}'\n",
    "x = f'{{a}}{b}'\n",
    "x = 1\n{b}",
]


def invalid_utf8_cases() -> dict[str, bytes]:
    """Each bad byte sequence in each position: start, identifier, string, comment,
    indentation, after a backslash, parameters, bytes literal, f-string, end of file."""
    cases = {}
    for i, bad in enumerate(_UTF8_BAD):
        for j, place in enumerate(_PLACES):
            head, tail = place.split("{b}")
            cases[f"invalid_utf8_{i}_{j}"] = head.replace("{{", "{").replace("}}", "}").encode() + bad + tail.encode()
    return cases


ODD = {
    "cookie_hex": b"# coding: hex\nx = 1\n",
    "cookie_rot13": b"# coding: rot13\nx = 1\n",
    "cookie_utf16": b"# coding: utf-16\nx = 1\n",
    "cookie_idna": b"# coding: idna\nx = 1\n",
    "cookie_undefined": b"# coding: undefined\nx = 1\n",
    "cookie_unknown": b"# coding: klingon\nx = 1\n",
    "cookie_punycode": b"# coding: punycode\nx = '\xe9'\n",
    "cookie_bom_latin1": b"\xef\xbb\xbf# coding: latin-1\nx = 1\n",
    "cookie_zlib_2nd_line": b"#!/usr/bin/env python\n# -*- coding: zlib -*-\nx = 1\n",
    "cr_only": b"def f(a):\r    return a\r\rx = f(1)\r# comment\ry = x\r",
    "mixed_line_ends": b"def f(a):\r\n    b = a\r    return b\n\rx = f(1)\r\n",
    "form_feeds": b"\x0cdef f():\n\x0c    return 1\n\x0c\nx = f()\n",
    "nul_start": b"\x00x = 1\n",
    "nul_string": b"x = 'a\x00b'\ny = x\n",
    "nul_many": b"x = 1\n" + b"\x00" * 500,
    "nul_indent": b"if x:\n\x00   y = 1\n",
    "unterminated_triple": b"x = '''abc\n" * 3,
    "unterminated_string": b"x = 'abc\ny = 2\n",
    "lone_backslash_eof": b"x = 1 \\",
    "only_backslashes": b"\\\n" * 20000,
    "empty": b"",
    "only_newlines": b"\n" * 100000,
    "only_spaces": b" " * 100000,
    "only_comments": b"# c\n" * 20000,
    "tabs_and_spaces": b"if x:\n\ty = 1\n        z = 2\n",
    "wide_indent_staircase": b"".join(b" " * i + b") ) 'a' :\n" for i in range(700)),
    "wrapped_indent_widths": b"".join(b"\t" * 8192 + b"if x:\n" for _ in range(300)) + b"'s'\n",
    "dangling_dots": b"import os\nos.\nx = os.\n" * 200,
}


def huge_line(n: int) -> bytes:
    return b"x = [" + b", ".join(b"%d" % i for i in range(n)) + b"]\n"


def huge_string(n: int) -> bytes:
    return b"x = '" + b"a" * n + b"'\ny = x\n"


SAMPLE_KINDS = ("if", "elif", "def", "class", "try", "match")  # the fast sample's deep cases (all have a string)
ENGINE_RECURSION = ("expr_or_chain", "expr_and_chain")  # infer: RecursionError in the type engine (issue 26)


def content_cases(
    *,
    depth: int,
    defs: int,
    chain: int,
    kinds: tuple[str, ...] = tuple(BLOCK_HEADERS),
    strings: tuple[bool, ...] = (True, False),
) -> dict[str, bytes]:
    """Every content case, at the given sizes (nesting depth, definitions, chain
    length), nesting every block kind of ``kinds`` with and without a string."""
    cases: dict[str, bytes] = {}
    for kind in kinds:
        for string in strings:
            cases[f"deep_{kind}{'_string' if string else ''}"] = deep_blocks(kind, depth, string=string)
    cases["deep_if_4_spaces_99"] = deep_blocks("if", 99, string=True, indent=4)
    cases.update({f"expr_{name}": make(chain) for name, make in EXPRESSIONS.items()})
    cases.update({f"large_{name}": make(defs) for name, make in LARGE.items()})
    cases.update(invalid_utf8_cases())
    cases.update(ODD)
    cases["huge_line"] = huge_line(max(defs * 50, 1000))
    cases["huge_string"] = huge_string(max(defs * 200, 1000))
    return cases


# -- tree and argument cases --------------------------------------------------------------
def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _socket(path: Path) -> None:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))


def _unreadable(path: Path) -> None:
    path.write_text("x = 1\n")
    path.chmod(0)


def _loop(path: Path) -> None:
    other = path.with_name(path.stem + "_other.py")
    path.symlink_to(other.name)
    other.symlink_to(path.name)


TREE_CASES: dict[str, Callable[[Path], None]] = {  # each makes the entry ``path`` (a name ending in .py)
    "fifo": _fifo,
    "dev_zero_link": lambda p: p.symlink_to("/dev/zero"),
    "dev_null_link": lambda p: p.symlink_to("/dev/null"),
    "dangling_link": lambda p: p.symlink_to("missing_target.py"),
    "link_loop": _loop,
    "outside_link": lambda p: p.symlink_to(Path(sys.executable).resolve().parent.parent / "pyvenv.cfg"),
    "socket": _socket,
    "folder_named_py": lambda p: p.mkdir(),
    "unreadable": _unreadable,
    "non_utf8_name": lambda p: Path(os.fsdecode(os.fsencode(p.parent) + b"/caf\xff\xfe.py")).write_text("x = 1\n"),
    "self_link_folder": lambda p: (p.parent / "again").symlink_to("."),
}
SKIPPED_ENTRIES = ("fifo", "dev_zero_link", "dev_null_link", "dangling_link", "link_loop", "outside_link", "socket")


def build_tree(root: Path, contents: dict[str, bytes], trees: tuple[str, ...] = tuple(TREE_CASES)) -> Path:
    """A folder holding each content case as ``<name>.py`` and each tree case as ``<name>.py``."""
    root.mkdir(parents=True, exist_ok=True)
    for name, data in contents.items():
        (root / f"{name}.py").write_bytes(data)
    for name in trees:
        TREE_CASES[name](root / f"{name}.py")
    return root


# -- running the CLI under bounds ---------------------------------------------------------
@dataclass(frozen=True)
class Limits:
    seconds: float = 120.0
    memory_bytes: int = 3 << 30  # address space: a blow-up dies with MemoryError, not the machine


@dataclass(frozen=True)
class Outcome:
    leg: str
    target: str
    returncode: int
    seconds: float  # wall clock
    cpu_seconds: float  # user + system, the command and the children it waited for
    max_rss_mb: float
    timed_out: bool
    stdout: bytes = field(repr=False)
    stderr: bytes = field(repr=False)
    is_json: bool = False
    may_refuse: bool = False  # a one-line refusal (exit 2) is a right answer

    def problems(self) -> list[str]:
        """What went wrong: a crash, a hang, a traceback, broken output, an internal error."""
        found = []
        if self.timed_out:
            found.append(f"timed out after {self.seconds:.0f} s")
        elif self.returncode < 0:
            found.append(f"killed by {signal.Signals(-self.returncode).name}")
        elif self.returncode not in (0, 1, 2) or (self.returncode == 2 and not self.may_refuse):
            found.append(f"exit code {self.returncode}: {self.last_error()}")
        if b"Traceback" in self.stderr:
            found.append(f"traceback: {self.last_error()}")
        if self.returncode == 2 and not self._one_line_refusal():
            found.append(f"exit 2 without a one-line error: {self.stderr[-300:]!r}")
        if self.returncode in (0, 1):
            found.extend(self._output_problems())
        return found

    def last_error(self) -> str:
        lines = self.stderr.decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else ""

    def _one_line_refusal(self) -> bool:
        lines = [ln for ln in self.stderr.decode("utf-8", "replace").splitlines() if not ln.startswith("WARNING ")]
        return len(lines) == 1 and lines[0].startswith("typelens ")

    def _output_problems(self) -> list[str]:
        try:
            text = self.stdout.decode("utf-8")
        except UnicodeDecodeError as err:
            return [f"output is not UTF-8 ({err})"]
        if not self.is_json:
            return []
        try:
            doc = json.loads(text)
        except ValueError as err:
            return [f"output is not JSON ({err})"]
        internal = [d for d in doc.get("diagnostics", []) if d.get("code") == "internal-error"]
        return [f"internal error: {d.get('message')}" for d in internal[:3]]


def typelens_command() -> list[str]:
    exe = shutil.which("typelens", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "typelens.cli"]


def _bounded(limits: Limits) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))

    return apply


def run_command(
    argv: list[str],
    *,
    leg: str,
    target: str,
    limits: Limits,
    cwd: Path,
    is_json: bool = False,
    may_refuse: bool = False,
) -> Outcome:
    """Run ``argv`` in its own process group under ``limits``; its peak RSS comes from ``wait4``."""
    out, err = cwd / f".{leg}.out", cwd / f".{leg}.err"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        started = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            preexec_fn=_bounded(limits),
            start_new_session=True,
        )
        status, usage, timed_out = _wait(proc.pid, started + limits.seconds)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
    outcome = Outcome(
        leg,
        target,
        proc.returncode,
        seconds,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
        timed_out,
        out.read_bytes(),
        err.read_bytes(),
        is_json,
        may_refuse,
    )
    out.unlink()
    err.unlink()
    return outcome


def _wait(pid: int, deadline: float):
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            return status, usage, False
        if time.perf_counter() > deadline:
            os.killpg(pid, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
            return status, usage, True
        time.sleep(0.02)


# -- the legs ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Leg:
    """One way of running typelens on an input: ``run(path, scratch, limits, may_refuse)
    -> Outcome`` (``scratch``: a folder of its own for its files; ``may_refuse``: the
    input is an argument a one-line refusal answers rightly)."""

    name: str
    run: Callable[..., Outcome]


def cli_leg(name: str, *args: str, is_json: bool = True) -> Leg:
    """``typelens <args> PATH`` as a leg (``PATH`` is appended after ``args[0]``)."""

    def run(path: Path, scratch: Path, limits: Limits, may_refuse: bool = False) -> Outcome:
        argv = typelens_command() + [args[0], str(path), *args[1:]]
        return run_command(
            argv, leg=name, target=path.name, limits=limits, cwd=scratch, is_json=is_json, may_refuse=may_refuse
        )

    return Leg(name, run)


LEGS: list[Leg] = [
    cli_leg("graph", "graph", "--format", "json"),
    cli_leg("infer", "infer", "--format", "json"),
    cli_leg("analyze", "analyze", "--format", "json"),
]


JOBS_LEG = cli_leg("infer-jobs-2", "infer", "--jobs", "2", "--no-cache", "--format", "json")


def register_leg(leg: Leg) -> None:
    """Add a leg (``--apply``, the language server) to every harness run."""
    LEGS.append(leg)
