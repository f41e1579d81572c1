"""Benchmark: TypeEvalPy's micro-benchmark, typelens against jedi, as TypeEvalPy scores it.

    python bench/typeevalpy.py --suite /tmp/typeevalpy/micro-benchmark
                               [--tools typelens,typelens-hybrid,jedi] [--baseline REV]
                               [--misses FILE] [--show N]

The suite (https://github.com/secure-software-engineering/TypeEvalPy, folder
``micro-benchmark``) stays outside this repository: each case is a folder with
``main.py`` (sometimes more files) and ``main_gt.json``, a list of facts::

    {"file": "main.py", "line_number": 8, "col_offset": 10,
     "function": "func", "parameter": "a", "type": ["callable"]}

A fact with ``function`` alone is a return, with ``parameter`` a parameter, with
``variable`` a variable (``self.n`` an attribute, ``xs[0]`` an element of ``xs``).
The suite is copied to a temporary folder and every case is analysed there on its
own, as its own project: ``typelens infer --mode static --no-cache`` (the same
``infer_paths`` the command line calls, in a subprocess; ``typelens-hybrid`` is
``--mode hybrid``; ``--baseline REV`` adds typelens at a git revision), and jedi
(``bench/peers.py``) at each fact's position.  A variable's answer is the one at
the fact's line: ``infer`` reports a variable assigned several times with the
join of its assignments on the first one, and each later assignment's own type on
its line; here the first one gets its own type as well (what the name holds after
that line), and so does a comprehension's variable (``infer`` reports none: an
editor shows it on hover).

Scoring follows TypeEvalPy's ``result_analyzer/analysis_utils.py``: exact match
of the tool's set of types against the fact's set after its normalisation (a
union splits into its members, ``None`` is ``Nonetype``, lower case, the
subscript dropped: ``list[int]`` is ``list``, ``Callable[[int], str]`` is
``callable``), counted per category (function returns, function parameters,
local variables), per feature folder and in total.  Printed: one table per part
of the suite (python_features, analysis_sensitivities), the facts jedi gets and
typelens misses, and the wall time of each tool.  TypeEvalPy's own jedi adapter
(``src/target_tools/jedi``) reports no parameter types; its published
python_features figures (``docs/webview/paper_tables/paper_table_1.csv``) are
jedi 122 returns, 0 parameters, 293 variables, 415 in all, from an older
version of the suite: this script's jedi column asks jedi at every fact and is
the stricter comparison.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from typelens.typeinfer.normalize import split_top, split_union  # noqa: E402

CATEGORIES = ("function_returns", "function_parameters", "local_variables")
SHORT = {"function_returns": "ret", "function_parameters": "par", "local_variables": "var"}

# Runs in a subprocess (this tree, or the baseline's through PYTHONPATH): every
# prediction of each case, and each assignment's own type for the names assigned
# more than once.  stdin: {"mode", "cases": [folder, ...]}; stdout: one JSON list.
RUNNER = r"""
import json, sys
from pathlib import Path
from typelens.analyzer import ScopeKind, SymbolKind
from typelens.cli.infer_cmd import prediction_position
from typelens.cli.positions import human_position
from typelens.typeinfer.run import InferOptions, infer_paths
from typelens.typeinfer.types import is_known, is_partly_unknown, render

def assignments(engine, path, data):
    g, rows = engine.require_graph(path), []
    for sym in g.symbols:
        if sym.kind not in (SymbolKind.VARIABLE, SymbolKind.PARAMETER, SymbolKind.ATTRIBUTE) or sym.scope < 0:
            continue
        if len(sym.definitions) < 2 and g.scopes[sym.scope].kind is not ScopeKind.COMPREHENSION:
            continue
        for node in sym.definitions:
            anchor = g.children(node)[-1] if sym.kind is SymbolKind.ATTRIBUTE and g.children(node) else node
            t = engine.calls.as_callable(engine.names.definition_type(path, node))
            text = render(t) if is_known(t) and not is_partly_unknown(t) else None
            rows.append([*human_position(data, g.span(anchor).start_row, g.span(anchor).start_col), sym.name, text])
    return rows

job = json.load(sys.stdin)
out = []
for folder in job["cases"]:
    folder = Path(folder)
    try:
        result = infer_paths([folder], InferOptions(mode=job["mode"], use_cache=False))
    except Exception as err:  # one case's crash is its answers missing
        print(f"{folder}: {err!r}", file=sys.stderr)
        out.append({"predictions": [], "assignments": {}})
        continue
    rows, sources, stores = [], {}, {}
    for p in result.predictions:
        line, col = prediction_position(p, sources)
        rows.append([str(Path(p.path).relative_to(folder.resolve())), line, col, p.kind, p.name, p.type])
    for engine in result.engines.values():
        for path, data in sources.items():
            stores[str(Path(path).relative_to(folder.resolve()))] = assignments(engine, path, data)
    out.append({"predictions": rows, "assignments": stores})
print(json.dumps(out))
"""


@dataclass(frozen=True, slots=True)
class Fact:
    case: str  # the case folder, relative to the suite
    file: str
    line: int
    col: int  # 1-based
    category: str
    name: str  # the function (a return), the parameter or the variable
    types: frozenset[str]  # normalised

    @property
    def part(self) -> str:
        return self.case.split("/")[0]

    @property
    def feature(self) -> str:
        return "/".join(self.case.split("/")[:2])


# -- TypeEvalPy's normalisation --------------------------------------------------------
def teval_types(types: list[str]) -> frozenset[str]:
    """A type list as TypeEvalPy's ``format_type`` leaves it, as a set."""
    out: set[str] = set()
    for t in types:
        for prefix in ("Union[", "Optional[", "Type["):
            if t.startswith(prefix):
                inner = t[len(prefix) :].split("]")[0]
                out.update(_subscript_dropped(x.replace(" ", "").lower()) for x in inner.split(","))
                if prefix == "Optional[":
                    out.add("Nonetype")
                break
        else:
            if t in ("None", "Unknown"):
                out.add("Nonetype")
            elif t:
                out.add(_subscript_dropped(t.lower()))
    return frozenset(out)


def _subscript_dropped(s: str) -> str:
    if "[" in s:
        s = re.sub(r"\[.*\]", "", s)
        s = s[:1].lower() + s[1:]
    return "Nonetype" if s == "None" else _FUNCTION_CLASSES.get(s, s)


# the classes of functions (jedi names a function in a list ``FunctionType``) are callables
_FUNCTION_CLASSES = dict.fromkeys(("functiontype", "lambdatype", "methodtype", "builtinfunctiontype"), "callable")


def answer_types(answer: str | None) -> frozenset[str]:
    """A typelens-notation answer (``int | None``) in TypeEvalPy's terms."""
    if not answer:
        return frozenset()
    return teval_types([p.strip() for p in split_union(answer)])


def element(answer: str | None, index: str) -> str | None:
    """The type of ``xs[index]`` given the type of ``xs`` (``list[int]``, ``tuple[int, str]``)."""
    if not answer or len(split_union(answer)) > 1:
        return None
    m = re.fullmatch(r"(\w+)\[(.*)\]", answer.strip())
    if m is None:
        return None
    args = [a.strip() for a in split_top(m.group(2), ",")]
    if m.group(1) == "tuple" and index.lstrip("-").isdigit() and "..." not in args:
        return args[int(index)] if -len(args) <= int(index) < len(args) else None
    if m.group(1) in ("list", "set", "frozenset", "Sequence", "Iterable", "tuple"):
        return args[0]
    return args[-1] if m.group(1) in ("dict", "Mapping", "defaultdict") else None


# -- the suite -------------------------------------------------------------------------
def load_facts(suite: Path) -> list[Fact]:
    facts = []
    for gt in sorted(suite.rglob("*_gt.json")):
        case = gt.parent.relative_to(suite).as_posix()
        for f in json.loads(gt.read_text(encoding="utf-8")):
            if "parameter" in f:
                category, name = "function_parameters", f["parameter"]
            elif "variable" in f:
                category, name = "local_variables", f["variable"]
            else:
                category, name = "function_returns", f["function"]
            facts.append(
                Fact(case, f["file"], f["line_number"], f["col_offset"], category, name, teval_types(f["type"]))
            )
    return facts


def typelens_answers(copy: Path, facts: list[Fact], mode: str, pythonpath: str | None) -> dict[Fact, str | None]:
    cases = sorted({f.case for f in facts})
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    job = json.dumps({"mode": mode, "cases": [str(copy / c) for c in cases]})
    done = subprocess.run(
        [sys.executable, "-c", RUNNER], input=job, env=env, capture_output=True, text=True, timeout=3600
    )
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        return {}
    found = dict(zip(cases, json.loads(done.stdout.strip().splitlines()[-1])))
    return {f: typelens_at(found[f.case], f) for f in facts}


def typelens_at(found: dict, fact: Fact) -> str | None:
    """typelens's answer for one fact, from one case's predictions and assignments."""
    rows = [r for r in found["predictions"] if r[0] == fact.file and r[1] == fact.line]
    if fact.category == "function_returns":
        name = fact.name.split(".")[-1]
        return next((r[5] for r in rows if r[3] == "return" and r[4] == name), None)
    if fact.category == "function_parameters":
        return next((r[5] for r in rows if r[3] == "parameter" and r[4] == fact.name), None)
    name, index = _variable(fact.name)
    column = fact.col + len(fact.name.split("[")[0]) - len(name)  # self.n: the fact is at self, the name at n
    here = [r for r in found["assignments"].get(fact.file, []) if r[:3] == [fact.line, column, name]]
    answer = here[0][3] if here else None
    if answer is None:
        rows = [r for r in rows if r[3] in ("variable", "attribute") and r[4] == name]
        answer = min(rows, key=lambda r: abs(r[2] - column))[5] if rows else None
    return element(answer, index) if index is not None else answer


def _variable(name: str) -> tuple[str, str | None]:
    """``self.n`` -> (``n``, None); ``xs[0]`` -> (``xs``, ``0``)."""
    m = re.fullmatch(r"(.*?)\[['\"]?([^\]'\"]*)['\"]?\]", name)
    base, index = (m.group(1), m.group(2)) if m else (name, None)
    return base.split(".")[-1], index


def jedi_answers(copy: Path, facts: list[Fact]) -> dict[Fact, str | None]:
    from peers import jedi_answer

    out: dict[Fact, str | None] = {}
    sources: dict[Path, list[str]] = {}
    for f in facts:
        path = copy / f.case / f.file
        if path not in sources:
            sources[path] = path.read_text(encoding="utf-8").splitlines()
        lines = sources[path]
        name, index = _variable(f.name) if f.category == "local_variables" else (f.name.split(".")[-1], None)
        column = _column(lines[f.line - 1] if f.line <= len(lines) else "", name, f.col - 1)
        if column is None:
            out[f] = None
            continue
        answer = jedi_answer("\n".join(lines) + "\n", path, f.line, column, f.category == "function_returns")
        out[f] = element(answer, index) if index is not None else answer
    return out


def _column(text: str, name: str, near: int) -> int | None:
    """The 0-based column of ``name`` on the line, the occurrence nearest ``near``."""
    found = [m.start() for m in re.finditer(r"(?<![\w])" + re.escape(name) + r"(?!\w)", text)]
    return min(found, key=lambda c: (c < near, abs(c - near))) if found else None


# -- scoring and the report ------------------------------------------------------------
def is_exact(fact: Fact, answer: str | None) -> bool:
    return bool(answer) and answer_types(answer) == fact.types


def report(facts: list[Fact], answers: dict[str, dict[Fact, str | None]]) -> None:
    tools = list(answers)
    for part in sorted({f.part for f in facts}):
        chosen = [f for f in facts if f.part == part]
        print(f"\n== {part}: {len(chosen)} facts (exact matches: returns/parameters/variables = total)")
        print(f"{'feature':<28}{'n':>12}" + "".join(f"{t:>22}" for t in tools))
        for feature in sorted({f.feature for f in chosen}):
            _row(feature.split("/")[-1], [f for f in chosen if f.feature == feature], answers, tools)
        _row("total", chosen, answers, tools)
    print(f"\n{'all':<28}{'':>12}" + "".join(f"{_score(facts, answers[t]):>22}" for t in tools))


def _row(label: str, facts: list[Fact], answers: dict, tools: list[str]) -> None:
    counts = "/".join(str(sum(f.category == c for f in facts)) for c in CATEGORIES)
    print(f"{label:<28}{counts:>12}" + "".join(f"{_score(facts, answers[t]):>22}" for t in tools))


def _score(facts: list[Fact], answers: dict[Fact, str | None]) -> str:
    per = [sum(is_exact(f, answers.get(f)) for f in facts if f.category == c) for c in CATEGORIES]
    return "/".join(map(str, per)) + f" = {sum(per)}"


def differences(facts: list[Fact], answers: dict, tool: str, show: int) -> None:
    if "jedi" not in answers or tool not in answers:
        return
    lost = [f for f in facts if is_exact(f, answers["jedi"].get(f)) and not is_exact(f, answers[tool].get(f))]
    won = [f for f in facts if is_exact(f, answers[tool].get(f)) and not is_exact(f, answers["jedi"].get(f))]
    print(f"\n{tool} vs jedi: {len(won)} facts only {tool} gets, {len(lost)} only jedi gets")
    for f in lost[:show]:
        print(
            f"  {f.case}/{f.file}:{f.line}:{f.col} {SHORT[f.category]} {f.name}: want {sorted(f.types)}"
            f"  {tool}={answers[tool].get(f)}  jedi={answers['jedi'].get(f)}"
        )


def write_misses(path: Path, facts: list[Fact], answers: dict) -> None:
    with path.open("w", encoding="utf-8") as out:
        for f in facts:
            wrong = [t for t in answers if t != "jedi" and not is_exact(f, answers[t].get(f))]
            if wrong:
                row = {"case": f.case, "file": f.file, "line": f.line, "col": f.col, "category": f.category}
                row |= {"name": f.name, "want": sorted(f.types), "missed_by": wrong}
                out.write(json.dumps(row | {t: answers[t].get(f) for t in answers}) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", type=Path, required=True, help="TypeEvalPy's micro-benchmark folder")
    parser.add_argument("--tools", default="typelens,jedi", help="typelens, typelens-hybrid, jedi (comma-separated)")
    parser.add_argument("--baseline", default="", help="also score typelens at this git revision")
    parser.add_argument("--misses", type=Path, help="write each fact a typelens tool misses here (JSON lines)")
    parser.add_argument("--show", type=int, default=40, help="print this many facts jedi gets and typelens misses")
    args = parser.parse_args()
    if not args.suite.is_dir():
        parser.error(f"--suite {str(args.suite)!r} is not a folder: extract TypeEvalPy's micro-benchmark there")
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = set(tools) - {"typelens", "typelens-hybrid", "jedi"}
    if unknown:
        parser.error(f"--tools: unknown {sorted(unknown)}; choose from typelens, typelens-hybrid, jedi")
    if "jedi" in tools and importlib.util.find_spec("jedi") is None:
        print("jedi is not installed (pip install jedi): left out", file=sys.stderr)
        tools.remove("jedi")
    facts = load_facts(args.suite)
    answers: dict[str, dict[Fact, str | None]] = {}
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "suite"
        shutil.copytree(args.suite, copy)
        runs = [(t, t) for t in tools]
        if args.baseline:
            from features import baseline_tree

            runs.insert(0, (f"typelens@{args.baseline}", baseline_tree(args.baseline, Path(tmp) / "base")))
        for tool, how in runs:
            started = time.perf_counter()
            if tool == "jedi":
                answers[tool] = jedi_answers(copy, facts)
            elif isinstance(how, Path):
                answers[tool] = typelens_answers(copy, facts, "static", str(how))
            else:
                answers[tool] = typelens_answers(copy, facts, "hybrid" if tool.endswith("hybrid") else "static", None)
            seconds[tool] = time.perf_counter() - started
    report(facts, answers)
    for tool in answers:
        if tool != "jedi":
            differences(facts, answers, tool, args.show)
    base = seconds.get("jedi")
    print(
        "\nwall time: "
        + ", ".join(f"{t} {s:.1f} s" + (f" ({s / base:.2f}x jedi)" if base else "") for t, s in seconds.items())
    )
    if args.misses:
        write_misses(args.misses, facts, answers)
        print(f"misses written to {args.misses}")


if __name__ == "__main__":
    main()
