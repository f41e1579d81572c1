"""Benchmark: recover the stripped annotations of typed npm packages, typelens
against the TypeScript compiler's own inference.

    python bench/annot_recovery_ts.py [--packages immer@11.2.14,...] [--modes static,hybrid,neural]
                                      [--typescript .venv/typescript/node_modules/typescript]
                                      [--by-package]

Each package (an npm tarball that ships its TypeScript sources, fetched with
``npm pack`` into ``build/bench_ts`` once) is copied, every parameter and return
annotation of its ``src`` files is cut out (exact byte edits; type predicates,
``asserts`` and ``this`` parameters are left), and both tools answer on the
stripped copy:

* typelens: ``infer_paths`` on the copy, in each ``--modes`` mode (``neural`` and
  ``hybrid`` use the script classifier when one is installed);
* the baseline, ``tsc``'s own inference: a small node script over the TypeScript
  compiler API (the language service's quick info: ``checker.getTypeAtLocation``
  for a parameter, the signature's return type for a function), strict, lib
  es2023 + dom, on the same stripped files.

Scores, every stripped annotation counting (no answer is a wrong answer): exact
match (both types read by our parser and printed canonically: unions sorted,
``Array<T>`` as ``T[]``, whitespace and ``import("...")`` qualifiers gone) and base
match (the outer constructor: ``Promise`` for ``Promise<void>``).  Facts whose
annotation names a type that is not TypeScript's library's (a class, interface,
alias or type parameter of the package) are reported apart as user-defined types,
as CodeTIDAL5 does.  Times and the ratio to tsc are printed.

The default packages are held out of the script training corpus
(``datasets/typescript.py``'s ``EVAL_PACKAGES``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from typelens.analyzer import source_from_path
from typelens.analyzer.typescript import build_script_graph
from typelens.analyzer.typescript.project import iter_script_files
from typelens.datasets.typescript import fetch as fetch_package
from typelens.typeinfer.run import InferOptions, infer_paths
from typelens.typeinfer.typescript.targets import script_targets
from typelens.typeinfer.typescript.types import Named, TypeVar, base_name, render

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PACKAGES = [
    "immer@11.2.14",
    "redux@5.0.1",
    "@tanstack/query-core@5.108.4",
    "mobx@7.1.3",
    "@preact/signals-core@1.14.5",
]
CACHE = ROOT / "build" / "bench_ts"
_SKIP = re.compile(r"(__tests__|\.test\.|\.spec\.|/test/|/tests/|\.d\.ts$)")
_IMPORT_QUALIFIER = re.compile(r'import\("[^"]*"\)\.')


@dataclass
class Fact:
    package: str
    file: str
    scope: str
    name: str
    kind: str  # parameter / return
    truth: str  # canonical
    user_defined: bool
    ordinal: int = 0
    query: int = -1  # the UTF-16 offset tsc is asked at, in the stripped file
    line: int = 0  # its 1-based line there (the site ``--dump`` gives)


# -- packages -------------------------------------------------------------------------------
def fetch(spec: str) -> Path:
    """The unpacked tarball of ``spec`` (``npm pack`` once, then the cache)."""
    try:
        return fetch_package(spec, CACHE / "packages")
    except ValueError as err:
        raise SystemExit(str(err)) from err


def sources(package: Path) -> list[Path]:
    root = package / "src" if (package / "src").is_dir() else package
    return [p for p in iter_script_files(root) if p.suffix in (".ts", ".tsx") and not _SKIP.search(p.as_posix())]


# -- canonical types ------------------------------------------------------------------------
class Canon:
    """Types read from text and printed canonically (see the module docstring)."""

    def __init__(self, engine) -> None:
        self.engine = engine

    @lru_cache(maxsize=65536)  # noqa: B019 (one reader per run, kept for the whole run)
    def read(self, text: str):
        text = _IMPORT_QUALIFIER.sub("", text).strip()
        g = build_script_graph(f"type __T = {text};\n", "<canon>.ts")
        value = g.child_by_field(g.children(0)[0], "value") if g.children(0) else None
        if value is None or g.has_syntax_errors():
            return None
        return self.engine.types.read("<canon>.ts", g, value)

    def text(self, text: str | None) -> str | None:
        t = self.read(text) if text else None
        return render(t) if t is not None else None

    def base(self, text: str | None) -> str | None:
        t = self.read(text) if text else None
        return base_name(t) if t is not None else None

    def user_defined(self, text: str) -> bool:
        t = self.read(text)
        return t is not None and any(not self.engine.lib.knows(n) for n in _names(t))


def _names(t) -> set[str]:
    out: set[str] = set()
    todo = [t]
    while todo:
        item = todo.pop()
        if isinstance(item, Named):
            out.add(item.name.split(".")[0])
            todo.extend(item.args)
        elif isinstance(item, TypeVar):
            out.add(item.name)
        else:
            for attr in ("items", "args", "fields", "params"):
                value = getattr(item, attr, None)
                if value is not None:
                    todo.extend(getattr(v, "type", v) for v in value)
            for attr in ("item", "ret", "index"):
                value = getattr(item, attr, None)
                if value is not None:
                    todo.append(value)
    return out


# -- stripping ------------------------------------------------------------------------------
def strip(package: str, src_root: Path, work: Path, canon: Canon) -> list[Fact]:
    """Copy the package to ``work`` with its annotations cut; the facts they stated."""
    shutil.copytree(src_root, work, dirs_exist_ok=True, ignore=shutil.ignore_patterns("node_modules"))
    facts: list[Fact] = []
    for path in sources(work):
        g = build_script_graph(source_from_path(path))
        if g.has_syntax_errors():
            continue
        rel = str(path.relative_to(work))
        cuts: list[tuple[int, int]] = []
        seen: dict[tuple, int] = {}
        for target in script_targets(g):
            if target.kind not in ("parameter", "return") or target.annotation is None:
                continue
            annotation = target.annotation
            if g.kinds[annotation] != "type_annotation":
                continue  # type predicates and asserts stay
            truth_text = g.text(annotation)[1:].strip()
            truth = canon.text(truth_text)
            if truth is None:
                continue
            key = (rel, target.scope, target.name, target.kind)
            seen[key] = seen.get(key, -1) + 1
            facts.append(
                Fact(
                    package,
                    rel,
                    target.scope,
                    target.name,
                    target.kind,
                    truth,
                    canon.user_defined(truth_text),
                    seen[key],
                )
            )
            cuts.append((g.start_bytes[annotation], g.end_bytes[annotation]))
        data = g.source.data
        for start, end in sorted(cuts, reverse=True):
            data = data[:start] + data[end:]
        path.write_bytes(data)
    return facts


def locate(work: Path, facts: list[Fact]) -> None:
    """Each fact's UTF-16 offset in the stripped file (function start, parameter name)."""
    by_file: dict[str, list[Fact]] = {}
    for f in facts:
        by_file.setdefault(f.file, []).append(f)
    for rel, items in by_file.items():
        g = build_script_graph(source_from_path(work / rel))
        wanted = {(f.scope, f.name, f.kind, f.ordinal): f for f in items}
        seen: dict[tuple, int] = {}
        for target in script_targets(g):
            key = (target.scope, target.name, target.kind)
            seen[key] = seen.get(key, -1) + 1
            fact = wanted.get((*key, seen[key]))
            if fact is None:
                continue
            node = target.function if target.kind == "return" else target.anchor
            fact.query = len(g.source.data[: g.start_bytes[node]].decode("utf-8").encode("utf-16-le")) // 2
            fact.line = g.source.data.count(b"\n", 0, g.start_bytes[node]) + 1


# -- the tools ------------------------------------------------------------------------------
def run_typelens(work: Path, mode: str) -> tuple[dict, float]:
    started = time.perf_counter()
    result = infer_paths([work / "src" if (work / "src").is_dir() else work], InferOptions(mode=mode, use_cache=False))
    seconds = time.perf_counter() - started
    answers: dict[tuple, list[str | None]] = {}
    base = work / "src" if (work / "src").is_dir() else work
    for p in result.predictions:
        if p.kind in ("parameter", "return"):
            rel = str(Path(p.path).relative_to(work)) if Path(p.path).is_absolute() else str(base / p.file)
            answers.setdefault((rel, p.scope, p.name, p.kind), []).append(p.type)
    return answers, seconds


_TSC_SCRIPT = r"""
const ts = require(process.argv[2]);
const job = JSON.parse(require("fs").readFileSync(process.argv[3], "utf8"));
const options = {strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler, lib: ["lib.es2023.d.ts", "lib.dom.d.ts"], noEmit: true,
  skipLibCheck: true, allowJs: true, types: [], jsx: ts.JsxEmit.Preserve};
const program = ts.createProgram(job.files, options);
const checker = program.getTypeChecker();
const flags = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope;
function find(node, pos, test) {
  let found = null;
  const visit = (n) => {
    if (n.pos > pos || n.end < pos) return;
    if (n.getStart() === pos && test(n)) found = n;
    ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}
const out = job.queries.map((q) => {
  const sf = program.getSourceFile(q.file);
  if (!sf) return null;
  try {
    if (q.kind === "return") {
      const fn = find(sf, q.pos, (n) => ts.isFunctionLike(n) && n.body !== undefined || ts.isMethodDeclaration(n));
      const sig = fn && checker.getSignatureFromDeclaration(fn);
      return sig ? checker.typeToString(checker.getReturnTypeOfSignature(sig), fn, flags) : null;
    }
    const id = find(sf, q.pos, (n) => ts.isIdentifier(n) && ts.isParameter(n.parent));
    if (!id) return null;
    let text = checker.typeToString(checker.getTypeAtLocation(id), id, flags);
    if (id.parent.questionToken) text = text.replace(/ \| undefined$/, "");
    return text;
  } catch (e) { return null; }
});
console.log(JSON.stringify(out));
"""


def run_tsc(typescript: Path, work: Path, facts: list[Fact]) -> tuple[list[str | None], float] | None:
    queries = [{"file": str(work / f.file), "pos": f.query, "kind": f.kind} for f in facts]
    files = sorted({str(work / f.file) for f in facts} | {str(p) for p in sources(work)})
    with tempfile.TemporaryDirectory() as tmp:
        script, job = Path(tmp) / "tsc_quickinfo.js", Path(tmp) / "job.json"
        script.write_text(_TSC_SCRIPT, encoding="utf-8")
        job.write_text(json.dumps({"files": files, "queries": queries}), encoding="utf-8")
        started = time.perf_counter()
        try:
            run = subprocess.run(
                ["node", str(script), str(typescript), str(job)], capture_output=True, text=True, timeout=1800
            )
        except (OSError, subprocess.TimeoutExpired) as err:
            print(f"tsc did not run: {err}")
            return None
        seconds = time.perf_counter() - started
    if run.returncode != 0:
        print("tsc failed:", run.stderr[-500:])
        return None
    return json.loads(run.stdout.strip().splitlines()[-1]), seconds


# -- scores ---------------------------------------------------------------------------------
def score(facts: list[Fact], answers: list[str | None], canon: Canon) -> dict:
    """``(kind, user-defined?) -> [total, exact, base]``, plus the totals per kind."""
    table: dict[tuple[str, str], list[int]] = {}
    for fact, answer in zip(facts, answers):
        got = canon.text(answer) if answer else None
        for group in ("all", "user-defined" if fact.user_defined else "library"):
            row = table.setdefault((fact.kind, group), [0, 0, 0])
            row[0] += 1
            row[1] += got == fact.truth
            row[2] += got is not None and canon.base(got) == canon.base(fact.truth)
    return table


def typelens_answers(facts: list[Fact], answers: dict) -> list[str | None]:
    return [
        (answers.get((f.file, f.scope, f.name, f.kind)) or [None] * (f.ordinal + 1))[f.ordinal]
        if f.ordinal < len(answers.get((f.file, f.scope, f.name, f.kind), []))
        else None
        for f in facts
    ]


def show_misses(label: str, facts: list[Fact], answers: list[str | None], canon: Canon, count: int) -> None:
    misses = [(f, a) for f, a in zip(facts, answers) if canon.text(a) != f.truth] if count else []
    for fact, answer in misses[:count]:
        print(f"  miss {label}: {fact.file} {fact.scope} {fact.kind} {fact.name}: {fact.truth!r} <- {answer!r}")


def dump(out: Path, facts: list[Fact], given_by: dict[str, list[str | None]], canon: Canon) -> None:
    """One JSON line per fact: where it is (the stripped copy's file and line: ``--keep``
    keeps the copies), the truth, and each tool's canonical answer."""
    with out.open("w", encoding="utf-8") as f:
        for i, fact in enumerate(facts):
            row = {
                k: getattr(fact, k)
                for k in ("package", "file", "line", "scope", "name", "kind", "truth", "user_defined")
            }
            row["answers"] = {tool: canon.text(given[i]) if given[i] else None for tool, given in given_by.items()}
            f.write(json.dumps(row) + "\n")
    print(f"facts and answers: {out}")


def report(rows: list[tuple[str, dict, float]], functions: int) -> None:
    print(f"{'tool':<22} {'kind':<9} {'types':<12} {'n':>5} {'exact':>7} {'base':>7}")
    for label, table, _ in rows:
        for kind in ("return", "parameter"):
            for group in ("all", "library", "user-defined"):
                total, exact, based = table.get((kind, group), [0, 0, 0])
                print(
                    f"{label:<22} {kind:<9} {group:<12} {total:5d} {exact / max(total, 1):7.1%} "
                    f"{based / max(total, 1):7.1%}"
                )
    for label, _, seconds in rows:
        print(f"{label:<22} {seconds:8.2f} s   {functions / max(seconds, 1e-9):8.1f} functions/s")
    tsc = next((r for r in rows if r[0] == "tsc"), None)
    if tsc is not None:
        for label, table, seconds in rows:
            if label == "tsc":
                continue
            ours = table.get(("return", "all"), [0, 0, 0])[1]
            theirs = tsc[1].get(("return", "all"), [0, 0, 0])[1]
            print(
                f"returns exact: {label} {ours} vs tsc {theirs} ({ours / max(theirs, 1):.2f}x); "
                f"time ratio {seconds / max(tsc[2], 1e-9):.2f}x ({label} / tsc)"
            )


def report_packages(facts: list[Fact], given_by: dict[str, list[str | None]], canon: Canon) -> None:
    """Per package and tool: parameters and returns exact/base, user-defined exact."""
    print(f"{'package':<24} {'tool':<20} {'params exact/base':>18} {'returns exact/base':>19} {'user-def exact':>15}")
    for package in dict.fromkeys(f.package for f in facts):
        chosen = [i for i, f in enumerate(facts) if f.package == package]
        for tool, given in given_by.items():
            table = score([facts[i] for i in chosen], [given[i] for i in chosen], canon)
            cells = []
            for kind in ("parameter", "return"):
                total, exact, based = table.get((kind, "all"), [0, 0, 0])
                cells.append(f"{exact / max(total, 1):6.1%} / {based / max(total, 1):6.1%} ({total})")
            users = [table.get((k, "user-defined"), [0, 0, 0]) for k in ("parameter", "return")]
            shown = sum(u[1] for u in users) / max(sum(u[0] for u in users), 1)
            print(f"{package:<24} {tool:<20} {cells[0]:>18} {cells[1]:>19} {shown:15.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--packages", default=",".join(DEFAULT_PACKAGES), help="npm specs, name@version")
    parser.add_argument("--modes", default="static", help="typelens modes to score (static, hybrid, neural)")
    parser.add_argument(
        "--typescript",
        default=str(Path(sys.prefix) / "typescript" / "node_modules" / "typescript"),
        help="the typescript package folder (tsc's inference, the baseline)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the stripped copies (printed)")
    parser.add_argument("--show", type=int, default=0, help="print this many misses of each tool (truth, answer)")
    parser.add_argument("--by-package", action="store_true", help="also print each package's scores")
    parser.add_argument(
        "--dump", type=Path, default=None, help="write every fact with each tool's answer to this JSON-lines file"
    )
    args = parser.parse_args()
    from typelens.typeinfer.typescript.engine import ScriptEngine
    from typelens.typeinfer.typescript.session import library_for
    from typelens.analyzer.typescript.project import ScriptIndex

    work_root = Path(tempfile.mkdtemp(prefix="annot-recovery-ts-"))
    canon = Canon(ScriptEngine(ScriptIndex(work_root), library_for(work_root)))
    facts: list[Fact] = []
    packages = []
    for spec in filter(None, args.packages.split(",")):
        name = spec.rsplit("@", 1)[0] if spec.count("@") > (1 if spec.startswith("@") else 0) else spec
        work = work_root / re.sub(r"[^\w.-]", "_", name)
        found = strip(name, fetch(spec), work, canon)
        for f in found:
            f.file = str(Path(work.name) / f.file)
        facts += found
        packages.append(spec)
    locate(work_root, facts)
    functions = len({(f.file, f.scope) for f in facts})
    print(
        f"packages: {', '.join(packages)}; {functions} functions, {len(facts)} stripped annotations "
        f"({sum(f.kind == 'return' for f in facts)} returns, {sum(f.user_defined for f in facts)} user-defined)"
    )
    rows = []
    given_by: dict[str, list[str | None]] = {}
    for mode in filter(None, args.modes.split(",")):
        answers, seconds = {}, 0.0
        for folder in sorted({Path(f.file).parts[0] for f in facts}):
            cpu = time.process_time()
            found, spent = run_typelens(work_root / folder, mode)
            answers.update({(str(Path(folder) / k[0]), *k[1:]): v for k, v in found.items()})
            seconds += spent
            if args.by_package:
                print(f"typelens ({mode}) {folder}: {spent:.1f} s, {time.process_time() - cpu:.1f} s CPU")
        given = given_by[mode] = typelens_answers(facts, answers)
        rows.append((f"typelens ({mode})", score(facts, given, canon), seconds))
        show_misses(f"typelens ({mode})", facts, given, canon, args.show)
    typescript = Path(args.typescript)
    if (typescript / "package.json").is_file() and shutil.which("node"):
        theirs = run_tsc(typescript, work_root, facts)
        if theirs is not None:
            rows.append(("tsc", score(facts, theirs[0], canon), theirs[1]))
            given_by["tsc"] = theirs[0]
            show_misses("tsc", facts, theirs[0], canon, args.show)
    else:
        print(f"no TypeScript at {typescript} (or no node): `make venv` installs it; the baseline is left out")
    report(rows, functions)
    if args.by_package:
        report_packages(facts, given_by, canon)
    if args.dump is not None:
        dump(args.dump, facts, given_by, canon)
    if args.keep:
        print(f"stripped copies: {work_root}")
    else:
        shutil.rmtree(work_root, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
