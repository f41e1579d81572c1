"""Benchmark: recover stripped annotations of typed packages, typelens against pyright.

    python bench/annot_recovery.py [--packages packaging,typer,...] [--pyright PATH] [--misses FILE]
                                   [--per-package]

For each package (installed in this environment, fully annotated): copy it, strip
every parameter and return annotation (exact byte edits; everything else stays),
run ``typelens infer`` on the copy, and score against the stripped annotations:

* exact match: the normalised annotation text is equal (``List[int]`` -> ``list[int]``,
  ``Optional[X]`` -> ``X | None``, union members sorted, module prefixes dropped);
* base match: the outermost constructor is equal (``list[str]`` ~ ``list[int]``).

Every stripped annotation counts: no answer is a wrong answer.  ``--misses FILE``
writes typelens's misses, one JSON object a line (package, kind, file, scope,
name, truth, answer: null when it gave none), grouped by package and kind, to read
which categories of annotation the engine gets wrong.  ``--per-package`` also times
typelens on each stripped package alone (CPU seconds), to compare packages across changes.  The baseline is
pyright on the same stripped copy: a ``reveal_type(f)`` line per function reports
its inferred signature.  Both tools' throughput (functions/s) is printed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from typelens.analyzer import build_graph, iter_python_files, source_from_path
from typelens.typeinfer.callables import signature
from typelens.typeinfer.normalize import base, normalise
from typelens.typeinfer.run import InferOptions, infer_paths
from typelens.typeinfer.settings import Settings

# The packages are installed in this interpreter's environment, beside their own
# dependencies (``typer`` imports ``click``, ``markdown_it`` imports ``mdurl``): both
# tools read third-party imports from it, not from the ``python`` on PATH.
ENVIRONMENT = Path(sys.executable)

DEFAULT_PACKAGES = ["packaging", "typeshed_client", "pluggy", "typer", "click"]


@dataclass
class Fact:
    file: str
    scope: str
    name: str
    kind: str  # parameter / return
    truth: str
    occurrence: int = 0  # the n-th def of this scope name in the file (overloads, property setters)

    def answer(self, answers: dict) -> str | None:
        """The tool's answer for this fact: by occurrence when the tool tells the defs
        of one name apart (typelens), else the one answer of the name (pyright)."""
        key = (self.file, self.scope, self.name, self.kind)
        return answers.get((*key, self.occurrence), answers.get(key))


# -- stripping ------------------------------------------------------------------------------
def strip_package(src: Path, dst: Path) -> list[Fact]:
    facts: list[Fact] = []
    for path in iter_python_files(src):
        if path.suffix != ".py":
            continue
        rel = path.relative_to(src.parent)
        target = dst / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        g = build_graph(source_from_path(path))
        data = g.source.data
        edits: list[tuple[int, int]] = []
        for scope in g.scopes:
            if scope.kind.value != "function":
                continue
            fn = scope.node
            ret = g.child_by_field(fn, "return_type")
            if ret is not None:
                params = g.child_by_field(fn, "parameters")
                facts.append(Fact(str(rel), scope.qualname, scope.name, "return", normalise(g.text(ret))))
                edits.append((g.end_bytes[params], g.end_bytes[ret]))
            for p in signature(g, fn):
                if p.annotation is None or p.kind in ("var_positional", "var_keyword") or p.name in ("self", "cls"):
                    continue
                facts.append(Fact(str(rel), scope.qualname, p.name, "parameter", normalise(g.text(p.annotation))))
                end = g.start_bytes[p.default] if p.default is not None else g.end_bytes[p.annotation]
                edits.append((g.end_bytes[p.node], end))
                if p.default is not None:
                    edits[-1] = (g.end_bytes[p.node], end)
        out = data
        for start, end in sorted(edits, reverse=True):
            replacement = b"=" if data[start:end].rstrip().endswith(b"=") else b""
            out = out[:start] + replacement + out[end:]
        target.write_bytes(out)
    return _numbered(facts)


def _numbered(facts: list[Fact]) -> list[Fact]:
    """Each fact with its occurrence: a getter and its setter, or an ``@overload``
    item and its implementation, share a scope name but are different facts."""
    seen: dict[tuple[str, str, str, str], int] = {}
    for f in facts:
        key = (f.file, f.scope, f.name, f.kind)
        f.occurrence = seen.get(key, 0)
        seen[key] = f.occurrence + 1
    return facts


# -- running the tools ------------------------------------------------------------------
def run_typelens(root: Path, jobs: int = 1) -> tuple[dict, float]:
    started, cpu = time.perf_counter(), _cpu_seconds()
    result = infer_paths([root], InferOptions(use_cache=False, jobs=jobs, settings=Settings(python=ENVIRONMENT)))
    seconds = time.perf_counter() - started
    # CPU seconds, this process's and its workers': steadier than wall time on a shared machine
    print(f"typelens CPU {_cpu_seconds() - cpu:.2f} s")
    answers: dict = {}
    seen: dict[tuple[str, str, str, str], int] = {}
    for p in sorted(result.predictions, key=lambda p: (p.file, p.span.start_byte)):
        if p.kind not in ("parameter", "return"):
            continue
        key = (p.file, p.scope, p.name, p.kind)
        occurrence = seen[key] = seen.get(key, -1) + 1
        if p.type is not None:
            answers[(*key, occurrence)] = answers[key] = normalise(p.type)
    return answers, seconds


def time_packages(root: Path, names: list[str]) -> None:
    """CPU seconds of typelens on each stripped package alone (one process, no cache)."""
    for name in names:
        cpu = _cpu_seconds()
        infer_paths([root / name], InferOptions(use_cache=False, jobs=1, settings=Settings(python=ENVIRONMENT)))
        print(f"typelens CPU {name:<18} {_cpu_seconds() - cpu:6.2f} s")


def _cpu_seconds() -> float:
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def run_pyright(pyright: str, root: Path, facts: list[Fact]) -> tuple[dict, float] | None:
    functions: dict[str, set[str]] = {}
    for f in facts:
        functions.setdefault(f.file, set()).add(f.scope)
    for file, scopes in functions.items():
        path = root / file
        # Module-level reveal_type calls: pyright reads them (unreachable code it would skip);
        # nothing ever runs this copy.
        lines = [""] + [
            f"reveal_type({s})"
            for s in sorted(scopes)
            if "<" not in s and not any(part[0].isdigit() for part in s.split("."))
        ]
        with path.open("a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
    (root / "pyrightconfig.json").write_text(json.dumps({"typeCheckingMode": "basic", "pythonVersion": "3.11"}))
    started = time.perf_counter()
    try:
        run = subprocess.run(
            [pyright, "--outputjson", "--pythonpath", str(ENVIRONMENT), str(root)],
            capture_output=True,
            text=True,
            timeout=1200,
            cwd=root,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        print(f"pyright did not run: {err}")
        return None
    seconds = time.perf_counter() - started
    try:
        doc = json.loads(run.stdout)
    except ValueError:
        print("pyright gave no JSON:", run.stdout[:300], run.stderr[:300])
        return None
    answers = {}
    for diag in doc.get("generalDiagnostics", []):
        m = re.match(r'Type of "([^"]+)" is "(.*)"$', diag.get("message", ""), re.S)
        if not m:
            continue
        file = str(Path(diag["file"]).resolve().relative_to(root.resolve()))
        scope, sig = m.group(1), m.group(2)
        _parse_signature(answers, file, scope, sig)
    return answers, seconds


def _parse_signature(answers: dict, file: str, scope: str, sig: str) -> None:
    depth, split = 0, -1
    for i, ch in enumerate(sig):
        depth += ch in "(["
        depth -= ch in ")]"
        if sig.startswith(" -> ", i) and depth == 0:
            split = i
    if split < 0 or not sig.startswith("("):
        return
    params, ret = sig[1 : split - 1], sig[split + 4 :]
    if "Unknown" not in ret:
        answers[(file, scope, scope.rsplit(".", 1)[-1], "return")] = normalise(ret)
    for part in _split_top(params):
        name, _, rest = part.partition(":")
        name = name.strip().lstrip("*")
        annotation = rest.split("=")[0].strip()
        if name and annotation and "Unknown" not in annotation:
            answers[(file, scope, name, "parameter")] = normalise(annotation)


def _split_top(text: str) -> list[str]:
    out, depth, current = [], 0, ""
    for ch in text:
        depth += ch in "(["
        depth -= ch in ")]"
        if ch == "," and depth == 0:
            out.append(current)
            current = ""
        else:
            current += ch
    return out + ([current] if current.strip() else [])


def score(facts: list[Fact], answers: dict, file_prefix: str = "") -> dict:
    out = {}
    for kind in ("parameter", "return"):
        chosen = [f for f in facts if f.kind == kind]
        exact = sum(1 for f in chosen if f.answer(answers) == f.truth)
        based = sum(1 for f in chosen if (a := f.answer(answers)) and base(a) == base(f.truth))
        out[kind] = (len(chosen), exact, based)
    return out


def write_misses(out: Path, facts: list[Fact], answers: dict) -> None:
    """Each fact answered wrongly or not at all, as JSON lines sorted by package and kind."""
    rows = []
    for f in facts:
        answer = f.answer(answers)
        if answer != f.truth:
            package = f.file.split("/", 1)[0]
            rows.append(
                dict(
                    package=package, kind=f.kind, file=f.file, scope=f.scope, name=f.name, truth=f.truth, answer=answer
                )
            )
    rows.sort(key=lambda r: (r["package"], r["kind"], r["file"], r["scope"], r["name"]))
    out.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} misses written to {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--packages", default=",".join(DEFAULT_PACKAGES))
    parser.add_argument("--pyright", default=shutil.which("pyright") or "", help="pyright executable (baseline)")
    parser.add_argument("--jobs", type=int, default=1, help="typelens --jobs (graph building processes)")
    parser.add_argument("--misses", type=Path, help="write typelens's misses here (JSON lines)")
    parser.add_argument("--per-package", action="store_true", help="also time typelens on each package alone")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="annot-recovery-"))
    facts_all: list[Fact] = []
    names = []
    for name in args.packages.split(","):
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            print(f"skipping {name}: not installed")
            continue
        src = Path(spec.origin).parent
        facts_all += strip_package(src, work)
        names.append(name)
    functions = len({(f.file, f.scope) for f in facts_all})
    print(
        f"packages: {', '.join(names)}; {functions} functions, {len(facts_all)} stripped annotations "
        f"({sum(f.kind == 'return' for f in facts_all)} returns)"
    )
    ours, ours_s = run_typelens(work, args.jobs)
    if args.per_package:
        time_packages(work, names)
    if args.misses:
        write_misses(args.misses, facts_all, ours)
    rows = [(f"typelens (jobs={args.jobs})", score(facts_all, ours), ours_s)]
    if args.pyright:
        found = shutil.which(args.pyright)  # pyright runs in the stripped copy: a relative path must not break
        theirs = run_pyright(str(Path(found).resolve()) if found else args.pyright, work, facts_all)
        if theirs is not None:
            rows.append(("pyright", score(facts_all, theirs[0]), theirs[1]))
    else:
        print("pyright not found: pass --pyright PATH for the baseline")
    for label, s, seconds in rows:
        for kind in ("return", "parameter"):
            total, exact, based = s[kind]
            print(
                f"{label:<18} {kind:<9} exact {exact / max(total, 1):6.1%}  base {based / max(total, 1):6.1%}  (n={total})"
            )
        print(f"{label:<18} {seconds:7.2f} s  {functions / seconds:8.1f} functions/s")
    if len(rows) == 2:
        ours_ret, theirs_ret = rows[0][1]["return"][1], rows[1][1]["return"][1]
        print(
            f"returns exact: typelens {ours_ret} vs pyright {theirs_ret}; "
            f"throughput ratio {rows[1][2] / rows[0][2]:.2f}x (typelens / pyright functions per second)"
        )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
