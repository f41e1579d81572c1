"""Precision and recall of ``typelens analyze``'s type rules, beside basedpyright's.

Three measurements, each for typelens and (when installed) basedpyright on the
same files:

(a) a fixed, deterministic sample of the standard library (every k-th ``.py`` file
    of the sorted tree, tests left out) and a few installed packages: code that
    runs, so nearly every finding is a false positive;
(b) basedpyright's counts for the comparable rules on the same files (the
    baseline: typelens should not report more);
(c) recall on the planted-bug corpus ``tests/data/analyze/planted_*.py``, where each
    bug carries ``# planted: <rule>`` on its line.

Usage::

    .venv/bin/python bench/analyze_precision.py                 # 150 stdlib files, click, packaging
    .venv/bin/python bench/analyze_precision.py --files 40 --packages click --no-pyright
    .venv/bin/python bench/analyze_precision.py --show          # print every stdlib finding

basedpyright: ``.venv/bin/pip install basedpyright`` (skipped with a message when missing).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLANTED = ROOT / "tests" / "data" / "analyze"
RULES = (
    "call-arg",
    "attr-defined",
    "union-attr",
    "module-attr",
    "optional-member-access",
    "call-none",
    "operator",
    "arg-type",
)
# basedpyright's rules that report what each typelens rule reports
PYRIGHT_RULES = {
    "call-arg": ("reportCallIssue",),
    "attr-defined": ("reportAttributeAccessIssue",),
    "union-attr": ("reportAttributeAccessIssue",),
    "module-attr": ("reportAttributeAccessIssue",),
    "optional-member-access": ("reportOptionalMemberAccess",),
    "call-none": ("reportOptionalCall", "reportCallIssue"),
    "operator": ("reportOperatorIssue",),
    "arg-type": ("reportArgumentType",),
}
COMPARED = sorted({r for rules in PYRIGHT_RULES.values() for r in rules})
_PLANTED = re.compile(r"#\s*planted:\s*([\w, -]+)")


def stdlib_sample(count: int) -> list[Path]:
    """Every k-th stdlib ``.py`` file in sorted order (tests, site-packages and
    idle/turtle demos left out): the same files on every run of one Python."""
    root = Path(sysconfig.get_paths()["stdlib"])
    skip = ("site-packages", "test", "tests", "idle_test", "turtledemo", "lib2to3")
    files = sorted(p for p in root.rglob("*.py") if not set(p.relative_to(root).parts) & set(skip))
    step = max(1, len(files) // count)
    return files[::step][:count]


def package_files(names: list[str]) -> list[Path]:
    found = []
    for name in names:
        where = Path(sysconfig.get_paths()["purelib"]) / name
        if not where.is_dir():
            print(f"  (package {name} is not installed: skipped)")
            continue
        found.extend(sorted(where.rglob("*.py")))
    return found


# -- typelens ------------------------------------------------------------------------------
def run_typelens(files: list[Path]) -> tuple[list[dict], float]:
    command = [sys.executable, "-m", "typelens.cli.main", "analyze", *map(str, files)]
    command += ["--format", "json", "--no-cache", "--exit-zero", "--select", ",".join(RULES)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"typelens analyze failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout)["diagnostics"], seconds


# -- basedpyright ----------------------------------------------------------------------------
def pyright_command() -> str | None:
    local = Path(sys.executable).parent / "basedpyright"
    return str(local) if local.exists() else shutil.which("basedpyright")


def run_pyright(files: list[Path]) -> tuple[list[dict], float] | None:
    command = pyright_command()
    if command is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "pyrightconfig.json"
        config.write_text(json.dumps({"typeCheckingMode": "standard", "pythonVersion": _version()}))
        started = time.perf_counter()
        done = subprocess.run(
            [command, "--outputjson", "-p", str(config), *map(str, files)],
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
    try:
        rows = json.loads(done.stdout)["generalDiagnostics"]
    except (ValueError, KeyError):
        print(f"  basedpyright gave no JSON ({done.returncode}): {done.stderr[-500:]}")
        return None
    return [r for r in rows if r.get("rule") in COMPARED], seconds


def _version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


# -- reports -------------------------------------------------------------------------------
def report_counts(title: str, files: list[Path], use_pyright: bool, show: bool) -> None:
    print(f"\n== {title}: {len(files)} files")
    ours, seconds = run_typelens(files)
    counts = Counter(d["code"] for d in ours)
    print(f"typelens      {seconds:7.1f} s  " + "  ".join(f"{r}={counts.get(r, 0)}" for r in RULES))
    print(f"  total {len(ours)} finding(s)")
    if show:
        for d in ours:
            print(f"  {d['file']}:{d['line']}: [{d['code']}] {d['message']}")
    theirs = run_pyright(files) if use_pyright else None
    if theirs is None:
        print("basedpyright  (not run: install it with `.venv/bin/pip install basedpyright`)" if use_pyright else "")
        return
    rows, pyright_seconds = theirs
    by_rule = Counter(r["rule"] for r in rows)
    print(f"basedpyright  {pyright_seconds:7.1f} s  " + "  ".join(f"{r}={by_rule.get(r, 0)}" for r in COMPARED))
    print(f"  total {len(rows)} finding(s); typelens/basedpyright = {len(ours)}/{len(rows)}")


def planted_bugs() -> dict[tuple[str, int], set[str]]:
    found: dict[tuple[str, int], set[str]] = {}
    for path in sorted(PLANTED.glob("planted_*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = _PLANTED.search(line)
            if match:
                found[(path.name, number)] = {c.strip() for c in match.group(1).split(",")}
    return found


def report_recall(use_pyright: bool) -> None:
    bugs = planted_bugs()
    files = sorted(PLANTED.glob("planted_*.py"))
    print(f"\n== planted bugs: {len(bugs)} in {len(files)} files")
    ours, _ = run_typelens(files)
    got = {(Path(d["file"]).name, d["line"], d["code"]) for d in ours}
    hits = sum(1 for (name, line), want in bugs.items() if all((name, line, c) in got for c in want))
    extra = sorted((n, ln, c) for n, ln, c in got if (n, ln) not in bugs)
    print(f"typelens      found {hits}/{len(bugs)}; findings on unplanted lines: {len(extra)} {extra[:5]}")
    for (name, line), want in sorted(bugs.items()):
        if not all((name, line, c) in got for c in want):
            print(f"  missed {name}:{line} {sorted(want)}")
    theirs = run_pyright(files) if use_pyright else None
    if theirs is None:
        return
    rows, _ = theirs
    lines = {(Path(r["file"]).name, r["range"]["start"]["line"] + 1, r["rule"]) for r in rows}
    found = sum(
        1
        for (name, line), want in bugs.items()
        if all(any((name, line, rule) in lines for rule in PYRIGHT_RULES[c]) for c in want)
    )
    print(f"basedpyright  found {found}/{len(bugs)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=150, help="stdlib files in the sample")
    parser.add_argument("--packages", default="click,packaging", help="installed packages to check")
    parser.add_argument("--no-pyright", action="store_true", help="typelens alone")
    parser.add_argument("--show", action="store_true", help="print every finding of the samples")
    args = parser.parse_args()
    use_pyright = not args.no_pyright
    if use_pyright and pyright_command() is None:
        print("basedpyright is not installed (`.venv/bin/pip install basedpyright`): typelens alone")
        use_pyright = False
    if args.files > 0:  # --files 0: the packages and planted bugs alone
        report_counts("stdlib sample", stdlib_sample(args.files), use_pyright, args.show)
    names = [n for n in args.packages.split(",") if n]
    if names:
        report_counts("packages " + ", ".join(names), package_files(names), use_pyright, args.show)
    report_recall(use_pyright)


if __name__ == "__main__":
    main()
