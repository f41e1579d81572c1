"""Check: two typelens trees build the same program graphs, and the graph cache
gives back the graph it was given.

    python bench/graph_identity.py dump OUT.json [--root DIR ...] [--limit N]
    python bench/graph_identity.py compare OLD.json NEW.json

``dump`` builds the graph of every ``.py`` and ``.pyi`` file under each root
(default: the running Python's standard library, its tests included and
site-packages left out, and typeshed-client's stubs)
with the typelens found on ``sys.path`` (run it under ``PYTHONPATH=<other
tree>`` for the code before a change) and writes, per file, a BLAKE2b digest of
every array and table of the graph: node kinds, spans, parents, fields, names,
scope of each node, scopes, symbols, symbol of each node, imports, every edge
list in order, diagnostics and the source.  It also stores each graph in a
throw-away graph cache and loads it back, and writes the digest of the loaded
graph beside the built one's (after checking its children and last descendants,
which a loaded graph reads off the entry's subtree ends, node by node), so
``compare`` also shows that a cache round trip loses nothing.  ``compare`` prints the files whose digests differ and exits 1
if there is any.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import sysconfig
import tempfile
from pathlib import Path


def graph_digest(graph) -> str:
    """A digest of every array and table of ``graph`` (the lazily loaded parts
    included: reading them materialises them)."""
    from typelens.analyzer.graph import EdgeKind

    h = hashlib.blake2b(digest_size=16)
    src = graph.source
    parts = [
        [src.path, src.encoding, src.is_binary, src.text, [repr(d) for d in src.diagnostics]],
        list(graph.kinds),
        list(graph.start_bytes),
        list(graph.end_bytes),
        list(graph.parents),
        list(graph.fields),
        sorted(graph.names.items()),
        list(graph.scope_of),
        [repr(s) for s in graph.scopes],
        [repr(s) for s in graph.symbols],
        sorted(graph.symbol_of.items()),
        [repr(b) for b in graph.imports],
        [[k.value, list(graph._edge_lists(k)[0]), list(graph._edge_lists(k)[1])] for k in EdgeKind],
        [repr(d) for d in graph.diagnostics],
    ]
    h.update(src.data)
    h.update(json.dumps(parts, default=repr).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def default_roots() -> list[Path]:
    roots = [Path(sysconfig.get_paths()["stdlib"])]
    try:
        import typeshed_client

        roots.append(Path(typeshed_client.__file__).parent / "typeshed")
    except ImportError:
        pass
    return roots


def dump(out: Path, roots: list[Path], limit: int | None) -> None:
    from typelens.analyzer import build_graph, source_from_bytes
    from typelens.analyzer.builder import DEFAULT_CONFIG
    from typelens.analyzer.cache import GraphCache, content_digest

    files = sorted(
        p
        for root in roots
        for p in root.rglob("*")
        if p.suffix in (".py", ".pyi") and "site-packages" not in p.relative_to(root).parts and p.is_file()
    )
    if limit:
        files = files[:limit]
    result: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory() as folder:
        cache = GraphCache(Path(folder), version="identity")
        for path in files:
            data = path.read_bytes()
            graph = build_graph(source_from_bytes(data, str(path)))
            key = cache.key(content_digest(data), str(path), DEFAULT_CONFIG)
            cache.store(key, graph, library=True)  # a library entry: with subtree ends
            loaded = cache.load(key, library=True)
            result[str(path)] = [graph_digest(graph), _loaded_digest(graph, loaded)]
    out.write_text(json.dumps(result, indent=0, sort_keys=True))
    print(f"{len(result)} files under {', '.join(map(str, roots))}")


def _loaded_digest(built, loaded) -> str:
    """The loaded graph's digest, or why it is not the built one's: its children
    and last descendants (read off the entry's subtree ends) are compared too,
    asked in reverse order so that the first questions come before any table."""
    if loaded is None:
        return "not stored"
    nodes = range(len(built) - 1, -1, -1)
    if [loaded.children(n) for n in nodes] != [built.children(n) for n in nodes]:
        return "children differ"
    if [loaded.last_descendant(n) for n in nodes] != [built.last_descendant(n) for n in nodes]:
        return "last descendants differ"
    return graph_digest(loaded)


def compare(old: Path, new: Path) -> int:
    a, b = json.loads(old.read_text()), json.loads(new.read_text())
    bad = 0
    for path in sorted(set(a) | set(b)):
        if path not in a or path not in b:
            print(f"only in one dump: {path}")
            bad += 1
            continue
        built_a, _ = a[path]
        built_b, loaded_b = b[path]
        if built_a != built_b:
            print(f"built graphs differ: {path}")
            bad += 1
        if loaded_b not in (built_b, "not stored"):
            print(f"cache round trip differs: {path}")
            bad += 1
    print(f"{len(set(a) | set(b))} files, {bad} differences")
    return 1 if bad else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump")
    d.add_argument("out", type=Path)
    d.add_argument("--root", type=Path, action="append")
    d.add_argument("--limit", type=int)
    c = sub.add_parser("compare")
    c.add_argument("old", type=Path)
    c.add_argument("new", type=Path)
    args = parser.parse_args()
    if args.command == "dump":
        dump(args.out, args.root or default_roots(), args.limit)
    else:
        sys.exit(compare(args.old, args.new))


if __name__ == "__main__":
    main()
