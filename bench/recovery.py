"""Benchmark: how many static answers below a broken function survive, against the
parse without statement-level recovery (today's dangling-dot repair only).

    python bench/recovery.py [--files 8] [--functions 3] [--packages packaging,click,...]
    python bench/recovery.py --bad-input

Held-out files (installed packages that are not in typelens's test data) are each
copied alone into a fresh folder.  In each of a few functions spread over the file,
one of four slips is made, none of which changes the line count:

* ``call``: the ``)`` closing a call on one line is deleted;
* ``signature``: the ``)`` closing the parameter list is deleted;
* ``colon``: the ``:`` ending the ``def`` header is deleted;
* ``string``: the closing quote of a one-line string literal is deleted.

``typelens infer --mode static`` (the same façade, in process) is run on the intact
and on the broken copy; an answer (a prediction with a type) of the intact file on
a line below the broken function survives when the broken copy gives the same
type for the same name, kind and position.  Printed per kind: the share kept with
recovery, without it, and their ratio.  Target: >= 95% with recovery in each kind.

``--bad-input`` times pathological inputs (thousands of unclosed brackets, 5,000-deep
nesting, one unterminated triple-quoted string) with and without recovery.
"""

from __future__ import annotations

import argparse
import ast
import io
import shutil
import sys
import sysconfig
import tempfile
import time
import tokenize
import tracemalloc
from collections import defaultdict
from pathlib import Path

from typelens.analyzer import builder, build_graph, source_from_text
from typelens.analyzer.recovery import Recovery, recover_tree
from typelens.analyzer.repair import read_dots, repair_dangling_dots
from typelens.typeinfer.run import InferOptions, infer_paths

HELD_OUT = ("packaging", "click", "typer", "pluggy", "typeshed_client")
KINDS = ("call", "signature", "colon", "string")


def dots_only(data: bytes, tree):
    """Today's repair, without statement-level recovery: the baseline."""
    repaired = repair_dangling_dots(data, tree)
    if repaired is None:
        return Recovery(tree, data)
    return Recovery(repaired[0], read_dots(data, repaired[1]), repaired[1])


def held_out_files(packages: list[str], count: int) -> list[Path]:
    site = Path(sysconfig.get_paths()["purelib"])
    files = []
    for package in packages:
        found = sorted(p for p in (site / package).rglob("*.py") if 250 <= len(p.read_bytes().splitlines()) <= 2500)
        files.extend(found)
    step = max(1, len(files) // count)
    return files[::step][:count]


def functions(tree: ast.Module, lines: int) -> list[ast.FunctionDef]:
    """Functions and methods with at least 40 lines of the file below them."""
    found = [
        node
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno < lines - 40
    ]
    return sorted(found, key=lambda node: node.lineno)


def spread(items: list, count: int) -> list:
    step = max(1, len(items) // count)
    return items[::step][:count]


def offset(lines: list[bytes], row: int, col: int) -> int:
    """Byte offset of 1-based ``row`` and byte column ``col``."""
    return sum(len(line) for line in lines[: row - 1]) + col


def header_tokens(data: bytes, fn: ast.FunctionDef) -> list[tokenize.TokenInfo]:
    """The tokens of ``fn``'s header, ``def`` to the colon."""
    lines = data.splitlines(keepends=True)
    body = fn.body[0].lineno
    text = b"".join(lines[fn.lineno - 1 : body]).decode("utf-8")
    tokens = []
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        tokens.append(token)
        if token.type == tokenize.OP and token.string == ":" and _depth(tokens) == 0 and len(tokens) > 3:
            return tokens
    return tokens


def _depth(tokens) -> int:
    depth = 0
    for token in tokens:
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
    return depth


def delete_at(data: bytes, fn: ast.FunctionDef, row: int, col: int) -> bytes:
    """``data`` without the byte at the header-relative ``row`` (1-based) and character ``col``."""
    lines = data.splitlines(keepends=True)
    line = lines[fn.lineno - 1 + row - 1]
    at = offset(lines, fn.lineno + row - 1, len(line.decode("utf-8")[:col].encode("utf-8")))
    return data[:at] + data[at + 1 :]


def break_signature(data: bytes, fn: ast.FunctionDef) -> bytes | None:
    depth = 0
    for token in header_tokens(data, fn):
        if token.type == tokenize.OP and token.string == "(":
            depth += 1
        elif token.type == tokenize.OP and token.string == ")":
            depth -= 1
            if depth == 0:
                return delete_at(data, fn, *token.start)
    return None


def break_colon(data: bytes, fn: ast.FunctionDef) -> bytes | None:
    tokens = header_tokens(data, fn)
    if not tokens or tokens[-1].string != ":":
        return None
    return delete_at(data, fn, *tokens[-1].start)


def break_call(data: bytes, fn: ast.FunctionDef) -> bytes | None:
    lines = data.splitlines(keepends=True)
    for node in ast.walk(fn):
        if isinstance(node, ast.Call) and node.lineno == node.end_lineno and node.lineno > fn.body[0].lineno - 1:
            at = offset(lines, node.end_lineno, node.end_col_offset) - 1
            if data[at : at + 1] == b")":
                return data[:at] + data[at + 1 :]
    return None


def break_string(data: bytes, fn: ast.FunctionDef) -> bytes | None:
    lines = data.splitlines(keepends=True)
    for node in ast.walk(fn):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.lineno == node.end_lineno
            and node.lineno >= fn.body[0].lineno
        ):
            at = offset(lines, node.end_lineno, node.end_col_offset) - 1
            if data[at : at + 1] in (b"'", b'"'):
                return data[:at] + data[at + 1 :]
    return None


BREAKS = {"call": break_call, "signature": break_signature, "colon": break_colon, "string": break_string}


def answers(folder: Path, data: bytes) -> dict[tuple, str]:
    """The typed static answers of ``data`` (copied alone into ``folder``), by position.
    Each mode has a folder of its own: the graph cache keys a graph by the file's path
    and bytes, not by how it was recovered, so one folder would give the baseline
    the recovered graph of the same broken bytes."""
    folder.mkdir(exist_ok=True)
    path = folder / "module.py"
    path.write_bytes(data)
    result = infer_paths([path], InferOptions(mode="static", use_cache=False))
    return {
        (p.span.start_row, p.span.start_col, p.kind, p.name): p.type for p in result.predictions if p.type is not None
    }


def with_recovery(enabled: bool):
    builder.recover_tree = recover_tree if enabled else dots_only


def measure(files: list[Path], per_file: int, show_losses: bool = False) -> dict[str, dict[str, list[int]]]:
    """Per kind and mode (recovered, baseline): [kept, total] answers below the broken function."""
    table: dict[str, dict[str, list[int]]] = defaultdict(lambda: {"recovered": [0, 0], "baseline": [0, 0]})
    folder = Path(tempfile.mkdtemp(prefix="recovery-bench-"))
    try:
        for file in files:
            data = file.read_bytes()
            with_recovery(True)
            intact = answers(folder / "recovered", data)
            chosen = spread(functions(ast.parse(data), len(data.splitlines())), per_file)
            print(
                f"{file.relative_to(file.parents[1])}: {len(intact)} answers, {len(chosen)} functions",
                file=sys.stderr,
                flush=True,
            )
            for fn in chosen:
                below = {key: t for key, t in intact.items() if key[0] >= fn.end_lineno}
                for kind, slip in BREAKS.items():
                    broken = slip(data, fn)
                    if broken is None or not below:
                        continue
                    assert broken.count(b"\n") == data.count(b"\n")
                    for mode in ("recovered", "baseline"):
                        with_recovery(mode == "recovered")
                        got = answers(folder / mode, broken)
                        kept = sum(got.get(key) == t for key, t in below.items())
                        if show_losses and mode == "recovered" and kept < len(below):
                            lost = [(key, t, got.get(key)) for key, t in below.items() if got.get(key) != t]
                            print(
                                f"  lost {len(below) - kept}/{len(below)}: {kind} in {fn.name} "
                                f"(line {fn.lineno}), e.g. {lost[:3]}",
                                file=sys.stderr,
                                flush=True,
                            )
                        table[kind][mode][0] += kept
                        table[kind][mode][1] += len(below)
    finally:
        with_recovery(True)
        shutil.rmtree(folder, ignore_errors=True)
    return table


def report(table: dict[str, dict[str, list[int]]]) -> None:
    print(f"{'kind':<10} {'answers':>8} {'recovered':>10} {'baseline':>9} {'ratio':>6}")
    totals = {"recovered": [0, 0], "baseline": [0, 0]}
    for kind in KINDS + ("all",):
        row = totals if kind == "all" else table.get(kind)
        if row is None:
            continue
        if kind != "all":
            for mode in totals:
                totals[mode][0] += row[mode][0]
                totals[mode][1] += row[mode][1]
        share = {mode: row[mode][0] / row[mode][1] if row[mode][1] else 0.0 for mode in row}
        ratio = share["recovered"] / share["baseline"] if share["baseline"] else float("inf")
        print(f"{kind:<10} {row['recovered'][1]:>8} {share['recovered']:>9.1%} {share['baseline']:>9.1%} {ratio:>6.2f}")


def bad_inputs() -> dict[str, str]:
    return {
        "5,000 '(' on one line": "x = " + "(" * 5000 + "\n" + "def f(a):\n    return a\n" * 50,
        "3,000 lines each opening '('": "".join(f"x{i} = foo(\n" for i in range(3000)),
        "5,000-deep blocks": "x = 1\n"
        + "\n".join(" " * i + "if x:" for i in range(5000))
        + "\n"
        + " " * 5000
        + "y = 1\n",
        "5,000-deep list, one ']' short": "x = " + "[" * 5000 + "]" * 4999 + "\n",
        "one unterminated triple-quoted string": '"""' + "word " * 200000 + "\n" * 1000,
        "unterminated string before 20,000 defs": '"""\n' + "def f(x):\n    return x\n" * 20000,
    }


def time_bad_inputs() -> None:
    """Each pathological input built into a graph with and without recovery: seconds and peak memory."""
    print(f"{'input':<40} {'recovered':>10} {'baseline':>9} {'ratio':>6} {'peak MB':>8} {'baseline':>9}")
    for name, text in bad_inputs().items():
        source = source_from_text(text)
        seconds, peak = {}, {}
        for mode in ("recovered", "baseline"):
            with_recovery(mode == "recovered")
            started = time.perf_counter()
            build_graph(source)
            seconds[mode] = time.perf_counter() - started
            tracemalloc.start()
            build_graph(source)
            peak[mode] = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
        with_recovery(True)
        print(
            f"{name:<40} {seconds['recovered']:>9.2f}s {seconds['baseline']:>8.2f}s "
            f"{seconds['recovered'] / seconds['baseline']:>6.2f} {peak['recovered']:>8.1f} {peak['baseline']:>9.1f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--functions", type=int, default=3, help="functions broken per file")
    parser.add_argument("--packages", default=",".join(HELD_OUT))
    parser.add_argument("--bad-input", action="store_true", help="time pathological inputs instead")
    parser.add_argument("--show-losses", action="store_true", help="print each case that lost answers")
    args = parser.parse_args()
    if args.bad_input:
        time_bad_inputs()
        return
    files = held_out_files(args.packages.split(","), args.files)
    if not files:
        sys.exit(f"none of {args.packages} is installed in {sysconfig.get_paths()['purelib']}")
    report(measure(files, args.functions, args.show_losses))


if __name__ == "__main__":
    main()
