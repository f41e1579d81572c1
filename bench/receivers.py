"""Receiver coverage: of the dereference sites whose receiver type pyright knows,
how many does typelens know?

    python bench/receivers.py --pyright PATH/pyright-langserver [--packages click,pluggy] [--per-file 25]

A dereference site is ``receiver.member`` in real code.  The monitors guide the
LM only where the receiver's type is known, hover and completion need it too;
issue 19's target is that typelens knows >= 95% of the receivers pyright knows.

Packages are installed ones that typelens's own models never trained on
(packaging, typeshed_client, pluggy, typer, click by default).  Each is copied
into a fresh folder (so pyright treats its files as sources, not as library
code) with a ``pyrightconfig.json`` naming this interpreter's environment, and
typelens gets the same environment.  In each file, up to ``--per-file`` sites
are sampled (seeded) among those whose receiver is a name or a dotted name
(``self.items.append``: the receiver ``self.items``), the shapes an editor's
hover can ask pyright about: its hover on the receiver's last name gives
pyright's type, ``engine.exprs.receiver_type_of`` gives typelens's.

A type is *known* when it has no unknown part: for pyright, a hover whose text
does not say ``Unknown`` and whose type is not ``Any``; for typelens, ``types.is_known``.  Printed per
package and in total: sites, pyright known, typelens known, typelens known
among those pyright knows (the target), and the other way round.  With
``--show N``, N sites pyright knows and typelens does not, to read.
Nothing either tool is given is ever run.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peers import PyrightServer  # noqa: E402

from typelens.analyzer import build_graph  # noqa: E402
from typelens.datasets.corpus import project_files  # noqa: E402
from typelens.typeinfer.session import AnalysisSession  # noqa: E402
from typelens.typeinfer.settings import Settings  # noqa: E402
from typelens.typeinfer.types import is_known, render  # noqa: E402

HELD_OUT = ("packaging", "typeshed_client", "pluggy", "typer", "click")


@dataclass
class Site:
    path: Path
    line: int  # 1-based, of the receiver's last name
    column: int  # UTF-16 column of that name (ASCII in these packages; checked)
    text: str  # the receiver's source text
    ours: str | None  # typelens's type when known
    theirs: str | None = None  # pyright's hover when known
    theirs_said: str = ""


def sites_of(root: Path, per_file: int, rng: random.Random) -> list[Site]:
    """Sampled dereference sites of every file under ``root`` with typelens's answer."""
    session = AnalysisSession(root, Settings(python=Path(sys.executable)))
    engine = session.engine()
    out: list[Site] = []
    for path in project_files(root):
        data = path.read_bytes()
        g = build_graph(data.decode("utf-8", "replace"), str(path))
        candidates = []
        for node, kind in enumerate(g.kinds):
            if kind != "attribute":
                continue
            receiver = g.child_by_field(node, "object")
            if receiver is None or g.kinds[receiver] not in ("identifier", "attribute"):
                continue
            if g.kinds[receiver] == "attribute":
                parts = g.text(receiver).split(".")
                if not all(p.strip().isidentifier() for p in parts):
                    continue  # a call or subscript inside the chain: no name to hover
                last = g.child_by_field(receiver, "attribute")
            else:
                last = receiver
            if last is None:
                continue
            candidates.append((receiver, last))
        rng.shuffle(candidates)
        for receiver, last in candidates[:per_file]:
            start = g.start_bytes[last]
            line_start = data.rfind(b"\n", 0, start) + 1
            prefix = data[line_start:start]
            if not prefix.isascii():
                continue
            value = engine.exprs.receiver_type_of(str(path), receiver)
            line = data.count(b"\n", 0, start) + 1
            ours = render(value) if is_known(value) else None
            out.append(Site(path, line, len(prefix), g.text(receiver), ours))
    return out


def ask_pyright(pyright: str, root: Path, sites: list[Site]) -> None:
    """Fill in pyright's hover on each site's receiver."""
    with PyrightServer(pyright, root) as server:
        texts: dict[Path, str] = {}
        for site in sites:
            source = texts.setdefault(site.path, site.path.read_text("utf-8", "replace"))
            hover = server.hover(site.path, source, site.line, site.column) or ""
            text = hover.strip().removeprefix("```python").removesuffix("```").strip()
            site.theirs_said = text.splitlines()[0] if text else ""
            if text and "Unknown" not in text and not re.search(r":\s*Any\s*$", site.theirs_said):
                site.theirs = site.theirs_said  # ``Any`` names no members either


def copy_package(name: str, work: Path) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        print(f"{name}: not installed, skipped")
        return None
    root = work / name
    shutil.copytree(Path(next(iter(spec.submodule_search_locations))), root / name)
    prefix = Path(sys.prefix)
    (root / "pyrightconfig.json").write_text(
        json.dumps({"venvPath": str(prefix.parent), "venv": prefix.name, "typeCheckingMode": "basic"})
    )
    return root


def row(name: str, sites: list[Site]) -> str:
    theirs = [s for s in sites if s.theirs]
    ours = [s for s in sites if s.ours]
    both = [s for s in theirs if s.ours]
    only_ours = [s for s in ours if not s.theirs]
    share = f"{100 * len(both) / len(theirs):5.1f}%" if theirs else "   - "
    return f"{name:<16} {len(sites):>6} {len(theirs):>8} {len(ours):>9} {share:>14} {len(only_ours):>16}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pyright", required=True, help="pyright-langserver executable")
    parser.add_argument("--packages", default=",".join(HELD_OUT))
    parser.add_argument("--per-file", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show", type=int, default=0, help="print N sites pyright knows and typelens does not")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    every: list[Site] = []
    lines = [f"{'package':<16} {'sites':>6} {'pyright':>8} {'typelens':>9} {'of pyright’s':>14} {'typelens only':>16}"]
    with tempfile.TemporaryDirectory(prefix="typelens-receivers-") as tmp:
        for name in args.packages.split(","):
            root = copy_package(name.strip(), Path(tmp))
            if root is None:
                continue
            started = time.process_time()
            sites = sites_of(root, args.per_file, rng)
            ours_s = time.process_time() - started
            started = time.perf_counter()
            ask_pyright(args.pyright, root, sites)
            theirs_s = time.perf_counter() - started
            print(f"{name}: {len(sites)} sites; typelens {ours_s:.1f} s CPU, pyright {theirs_s:.1f} s wall", flush=True)
            lines.append(row(name, sites))
            every.extend(sites)
            missed = [s for s in sites if s.theirs and not s.ours]
            for site in missed[: args.show]:
                print(f"  {site.path.relative_to(root)}:{site.line}:{site.column + 1} {site.text}: {site.theirs}")
    lines.append(row("total", every))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
