"""The persistent graph cache: per-file graphs on disk, shared by every run on a machine.

Building a :class:`ProgramGraph` is most of a cold run's time, and most of the
files a run reads are libraries (typeshed stubs, the stdlib, installed
packages) that change only when something is installed.  :class:`GraphCache`
keeps each graph in a file of its own under the user's cache folder
(``$TYPELENS_CACHE_DIR``, else ``$XDG_CACHE_HOME/typelens``, else
``~/.cache/typelens``), in ``graphs/<2 hex>/<key>.tlg`` for a project's own files
and ``library/graphs/<2 hex>/<key>.tlg`` for everything else a run reads
(typeshed stubs, the stdlib, installed packages): the machine's library cache,
which every project on the machine shares and which clearing one project's
caches (``graphs/``, ``results/``) leaves alone.

The key is a hash of everything a graph depends on: the file's path and bytes,
the :class:`GraphConfig`, and the ``version`` of the code that builds graphs
(by default a fingerprint of this package's sources, typelens's version, the
tree-sitter grammar's and the byte order), so an upgrade or an edited builder
never reads an old entry.  A graph depends on no other file, so the key is the
whole invalidation story.

An entry is a fixed magic, a JSON header (the node kinds and fields; imports,
diagnostics; each column's length), one table of the file's strings
(identifiers, symbol and scope names: one UTF-8 text with a NUL between
them), the file's bytes and every other column as raw integers: the per-node
arrays (kinds and fields a byte each, read into their labels by a compiled
loop; in a library file's entry each node's subtree end too, so that a loaded
graph finds a node's children without a table of every node's), the
identifiers' (their string ids read off their bytes by a compiled loop), the
scopes', the symbols' (their definitions and uses as two flat lists with end
offsets) and the edge lists, followed by a CRC-32 of all of it.  The check is
for corruption, not tampering (whoever can write the folder can write a
matching digest of any kind), and a CRC-32 costs a fifth of a BLAKE2b.
Nothing is unpickled: a truncated, corrupted or foreign file fails the check
or the decoding and is treated as a miss (and overwritten).  The whole entry
is checked when it is loaded, although a loaded graph makes its symbols only
when they are first read (:class:`~.graph.SymbolTable`: a run reads a few of
a stub's thousands) and the lists of an edge kind only when the kind is first
read (a run reads the edges of one library graph in sixty).  Entries are
written to a temporary file beside their place and renamed over it, so
concurrent runs never read half an entry; two runs building the same graph
write the same bytes.

Example::

    cache = GraphCache(Path("/tmp/graphs"), library_folder=Path("/tmp/library/graphs"))
    key = cache.key(content_digest(data), "m.py", DEFAULT_CONFIG)
    cache.load(key)                                                      # None: a miss
    cache.store(key, build_graph(data, "m.py"))
    cache.load(key).kinds == build_graph(data, "m.py").kinds            # True
    cache.load(key, library=True)                                        # None: the other folder
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import struct
import sys
import time
import zlib
from array import array
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Sequence

from .heap import paused_gc
from .digest import blake2b
from .graph import (
    EdgeKind,
    ProgramGraph,
    ScopeKind,
    SymbolTable,
    imports_of_rows,
    labels_of_bytes,
    names_of_columns,
    scopes_of_columns,
    symbol_table_of,
)
from .source import Source
from .spans import Diagnostic, Span

if TYPE_CHECKING:  # not at run time: the result cache's fingerprints need no parser
    from .builder import GraphConfig

logger = logging.getLogger(__name__)

FORMAT = b"TLGRAPH4"
_TABLE = b"TLTABLE1"  # a table worked out from a library graph: magic, JSON, digest
_DIGEST = 16  # an export table's BLAKE2b digest
_CHECK = struct.Struct("<I")  # a graph entry's CRC-32 (corruption, not tampering: see graph_to_bytes)
_HEADER = struct.Struct("<8sI")  # magic, header length
_INT: Literal["i", "l"] = "i" if array("i").itemsize == 4 else "l"
_SCOPE_KINDS = tuple(ScopeKind)
_SCOPE_KIND_INDEX = {k: i for i, k in enumerate(_SCOPE_KINDS)}
_EDGE_KINDS = {k.value: k for k in EdgeKind}
_ARRAYS = (
    "kinds",
    "fields",
    "start_bytes",
    "end_bytes",
    "parents",
    "scope_of",
    "symbol_nodes",
    "symbol_ids",
    "name_nodes",
    "subtree_ends",
    "name_strings",
    "scope_ids",
    "scope_kinds",
    "scope_nodes",
    "scope_names",
    "scope_qualnames",
    "scope_parents",
    "scope_entries",
    "scope_exits",
    "symbol_names",
    "symbol_table_ids",
    "symbol_scopes",
    "symbol_kinds",
    "symbol_globals",
    "symbol_def_ends",
    "symbol_defs",
    "symbol_use_ends",
    "symbol_uses",
)
# the columns a loaded graph reads off their bytes in compiled code (graph.labels_of_bytes,
# graph.names_of_columns): node kinds and fields a byte each, name ids 4 bytes little-endian
_BYTES = {"kinds": "B", "fields": "B", "name_strings": "<I"}
_FORMS = tuple(_BYTES.get(name, "i") for name in _ARRAYS)  # each column's items (struct's letters)
_SIZES = tuple(struct.calcsize(form) for form in _FORMS)
# the columns a loaded graph keeps as arrays, read a few values each (a node's subtree
# end, a symbol's definitions and uses once made): a Python int for each value of
# these was a sixth of loading a run's library graphs
_PACKED = frozenset(("subtree_ends", "symbol_def_ends", "symbol_defs", "symbol_use_ends", "symbol_uses"))


def content_digest(data: bytes) -> str:
    """The content hash files are known by (the project index's and the cache's)."""
    return blake2b(data, digest_size=16).hexdigest()


def cache_root(setting: str | os.PathLike[str] | None = None) -> Path:
    """typelens's cache folder: the ``cache-dir`` setting when given, else
    ``$TYPELENS_CACHE_DIR``, else ``$XDG_CACHE_HOME/typelens``, else
    ``~/.cache/typelens``."""
    if setting is not None:
        return Path(setting)
    explicit = os.environ.get("TYPELENS_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "typelens"


_FINGERPRINTS: dict[tuple[str, ...], str] = {}


def code_fingerprint(packages: tuple[str, ...] = ("analyzer",), *, memo: Path | None = None) -> str:
    """A hash of what typelens's answers depend on besides their input: the sources
    of ``packages`` (folders of the typelens package: ``analyzer`` builds graphs,
    ``typeinfer`` answers), typelens's version file, the versions of the
    tree-sitter packages and typeshed-client, and the byte order.  Computed once
    per process; with ``memo`` (``<cache-dir>/library``) each folder's digest is
    kept in ``memo/code/`` for the stats of its files (:func:`source_digest`), so
    that a run reads the sources only after they changed."""
    found = _FINGERPRINTS.get(packages)
    if found is None:
        h = blake2b(FORMAT + sys.byteorder.encode(), digest_size=16)
        for package in (*packages, "cli/version.py"):
            h.update(_source_digest(package, memo))
        for package in ("tree-sitter", "tree-sitter-python", "typeshed-client"):
            h.update(f"{package}={distribution_version(package)}".encode())
        found = _FINGERPRINTS[packages] = h.hexdigest()
    return found


_SOURCE_DIGESTS: dict[str, bytes] = {}


def _source_digest(name: str, memo: Path | None) -> bytes:
    """:func:`source_digest` of ``name`` in the typelens package, once per process
    however many fingerprints include it (the graph cache's and the result
    caches' both include ``analyzer``)."""
    found = _SOURCE_DIGESTS.get(name)
    if found is None:
        top = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
        found = _SOURCE_DIGESTS[name] = source_digest(top, name, memo)
    return found


_MEMO_MAGIC = b"typelens-code-1"
_HEX = frozenset("0123456789abcdef")
SETTLED_NS = 2_000_000_000  # a file changed this recently may change again within its time stamp's tick


def source_digest(top: str, name: str, memo: Path | None = None, *, settled_ns: int = SETTLED_NS) -> bytes:
    """A digest of the sources under ``top/name`` (a folder, or one ``.py`` file):
    each file's path relative to ``top`` and its bytes.

    With ``memo``, the files' stats (path, size, inode, modification and change
    times in nanoseconds) are hashed first, and a digest kept in ``memo/code/``
    for the same stats is the answer.  An edit cannot keep them all: writing a
    file sets its change time to the clock, which no program can set back (a
    file renamed over it is new: created now).  A digest is kept only when
    every file changed ``settled_ns`` (two seconds) or more before the stats
    were taken, so that an edit in the same tick of the file system's clock as
    the last one (same size, same times) cannot follow a kept digest; a file
    system without change times keeps none.  The memo is a check, not a defence: whoever can write the cache
    folder can write any answer into it (as with the graphs)."""
    files = _sources_of(os.path.join(top, name))
    if memo is None or os.name == "nt":  # Windows' st_ctime is the creation time, not the last change
        return _read_sources(top, files)
    started = time.time_ns()
    stamps = blake2b(_MEMO_MAGIC, digest_size=16)
    newest = 0
    for path in files:
        try:
            st = os.stat(path)
        except OSError:
            return _read_sources(top, files)
        stamps.update(b"%s\0%d %d %d %d\n" % (os.fsencode(path), st.st_size, st.st_ino, st.st_mtime_ns, st.st_ctime_ns))
        newest = max(newest, st.st_mtime_ns, st.st_ctime_ns or started)  # no change time: nothing is kept
    where = memo_path(memo, top, name)
    stamp = stamps.hexdigest()
    try:
        kept = where.read_text(encoding="ascii").split()
    except (OSError, ValueError):
        kept = []
    if len(kept) == 2 and kept[0] == stamp and len(kept[1]) == 32 and set(kept[1]) <= _HEX:
        return bytes.fromhex(kept[1])
    digest = _read_sources(top, files)
    if newest <= started - settled_ns:
        _write_memo(where, f"{stamp} {digest.hex()}\n")
    return digest


def memo_path(memo: Path, top: str, name: str) -> Path:
    """Where :func:`source_digest` keeps the digest of ``top/name``: one file per
    install (a hash of ``top``), so that two installs on one machine (a virtual
    environment per project) do not take turns overwriting one memo and hashing
    their sources again at every other run."""
    folder = blake2b(os.fsencode(os.path.abspath(top)), digest_size=8).hexdigest()
    return memo / "code" / f"{name.replace('/', '_')}-{folder}.txt"


def _sources_of(where: str) -> list[str]:
    """The ``.py`` files under the folder ``where`` (every level but
    ``__pycache__``) and the C sources beside them (the classifier's kernel),
    sorted; ``where`` itself when it names a file."""
    if where.endswith((".py", ".c")):
        return [where]
    found = []
    try:
        with os.scandir(where) as entries:
            for entry in entries:
                if entry.is_dir():
                    found += _sources_of(entry.path) if entry.name != "__pycache__" else []
                elif entry.name.endswith((".py", ".c")):
                    found.append(entry.path)
    except OSError:
        return []
    return sorted(found)


def _read_sources(top: str, files: list[str]) -> bytes:
    h = blake2b(digest_size=16)
    for path in files:
        name = os.fsencode(os.path.relpath(path, top))
        try:
            with open(path, "rb") as handle:
                h.update(name + b"\0" + handle.read())
        except OSError:
            h.update(name + b"\0missing")
    return h.digest()


_TEMPORARY = itertools.count()  # this process's temporary files, numbered
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)


def replace_atomically(target: Path, data: bytes) -> None:
    """``data`` written to ``target`` through a temporary file in its folder renamed
    over it (readers see the old file or the new one, never half of it); raises
    OSError, leaving no temporary file behind.  The temporary file is created
    as ``tempfile.mkstemp`` creates one (exclusively, readable by its owner
    alone), named by the process's id and a count instead of random letters:
    ``tempfile`` and ``random`` are 9 million instructions of a cold one-line
    run's imports."""
    target.parent.mkdir(parents=True, exist_ok=True)
    while True:
        tmp = os.path.join(target.parent, f".{target.stem[:8]}.{os.getpid()}-{next(_TEMPORARY)}.tmp")
        try:
            fd = os.open(tmp, _CREATE, 0o600)
            break
        except FileExistsError:  # left by a process that had this id before
            continue
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):  # the original error is the one to raise
            os.unlink(tmp)
        raise


def _write_memo(where: Path, text: str) -> None:
    """``text`` written to ``where`` (:func:`replace_atomically`); a folder that
    cannot be written keeps no memo (the next run hashes again)."""
    try:
        replace_atomically(where, text.encode("ascii"))
    except OSError as err:
        logger.debug("code digest not kept in %s: %s", where, err)


def distribution_version(name: str) -> str:
    """The installed version of distribution ``name`` (``none`` when it is not
    installed), as ``importlib.metadata.version`` finds it on ``sys.path``: read
    from the name of its ``*.dist-info`` folder, which costs a folder listing where
    importing ``importlib.metadata`` costs a tenth of a start.  Looked up once per
    process (both code fingerprints ask)."""
    found = _VERSIONS.get(name)
    if found is None:
        found = _VERSIONS[name] = _listed_version(name)
    return found


_VERSIONS: dict[str, str] = {}


def _listed_version(name: str) -> str:
    prefix = name.replace("-", "_").lower() + "-"
    for folder in sys.path:
        for entry in _listing(folder or "."):
            if entry.lower().startswith(prefix) and entry.endswith(".dist-info"):
                return entry[len(prefix) : -len(".dist-info")]
            if entry.lower().startswith(prefix) and entry.endswith(".egg-info"):
                return _metadata_version(name)  # an older layout: let importlib.metadata read it
    return _metadata_version(name)


def _metadata_version(name: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "none"


_LISTINGS: dict[str, tuple[str, ...]] = {}


def _listing(folder: str) -> tuple[str, ...]:
    if folder not in _LISTINGS:
        try:
            _LISTINGS[folder] = tuple(sorted(os.listdir(folder)))
        except OSError:
            _LISTINGS[folder] = ()
    return _LISTINGS[folder]


DEFAULT_LIMIT = 1 << 30  # bytes of entries kept on disk
_PRUNE_EVERY = 256  # stores between two looks at the folder's size


class GraphCache:
    """Graphs on disk under ``folder``, keyed by :meth:`key` (see the module docstring).

    ``version`` replaces the code fingerprint (tests; a build that knows better).
    ``limit``: the entries' total size the folder is brought back under, least
    recently used first, every 256 stores of a process (a hit marks an entry
    used), each folder on its own.  ``library_folder``: where the graphs of
    library files go (``library=True`` below; default ``folder`` itself).
    Counters ``hits``, ``misses``, ``stores`` and ``rejected`` (entries found
    but unreadable) say what one run did."""

    def __init__(
        self,
        folder: Path | None = None,
        *,
        library_folder: Path | None = None,
        version: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> None:
        if limit < 1:
            raise ValueError(f"limit={limit!r} must be a positive number of bytes")
        self.folder = Path(folder) if folder is not None else cache_root() / "graphs"
        self.library_folder = Path(library_folder) if library_folder is not None else self.folder
        self.version = version if version is not None else code_fingerprint()
        self.limit = limit
        self.hits = self.misses = self.stores = self.rejected = 0
        self._writable = True

    def key(self, digest: str, path: str, config: GraphConfig) -> str:
        """The key of the graph of the file ``path`` whose bytes hash to ``digest``
        (:func:`content_digest`), built under ``config``."""
        h = blake2b(digest_size=20)
        h.update(f"{self.version}|{config.max_bytes}|{config.max_statement_depth}|{digest}|".encode())
        h.update(os.fsencode(path))
        return h.hexdigest()

    def _path(self, key: str, library: bool = False) -> Path:
        return (self.library_folder if library else self.folder) / key[:2] / f"{key}.tlg"

    def has(self, key: str, *, library: bool = False) -> bool:
        """Whether an entry is stored under ``key`` (it may still prove damaged)."""
        return self._path(key, library).is_file()

    def load(self, key: str, *, library: bool = False) -> ProgramGraph | None:
        """The graph stored under ``key`` (in the library folder with ``library``),
        or ``None`` (absent, truncated, corrupt)."""
        path = self._path(key, library)
        try:
            blob = path.read_bytes()
        except OSError:
            self.misses += 1
            return None
        try:
            with paused_gc():  # the graph's arrays and lists: see .heap
                graph = graph_from_bytes(blob)
        except (ValueError, KeyError, TypeError, IndexError, struct.error, UnicodeDecodeError) as err:
            logger.info("ignoring the damaged cache entry %s: %s", path, err)
            self.rejected += 1
            self.misses += 1
            return None
        self.hits += 1
        try:
            os.utime(path)  # used: the last entry pruned
        except OSError as err:
            logger.debug("cannot mark %s used: %s", path, err)
        return graph

    def table_key(self, key: str, kind: str) -> str:
        """The key of the table ``kind`` worked out from the graph stored under
        ``key`` under the running Python (whose version and platform decide a
        stub's ``sys.version_info`` and ``sys.platform`` branches)."""
        h = blake2b(digest_size=20)
        h.update(f"{key}|{kind}|{sys.version_info[0]}.{sys.version_info[1]}|{sys.platform}".encode())
        return h.hexdigest()

    def load_table(self, key: str) -> dict | None:
        """The JSON object :meth:`store_table` wrote under ``key`` in the library
        folder, or ``None`` (absent, truncated, corrupt: a miss)."""
        path = self._table_path(key)
        try:
            blob = path.read_bytes()
        except OSError:
            return None
        body, digest = blob[len(_TABLE) : -_DIGEST], blob[-_DIGEST:]
        try:
            if not blob.startswith(_TABLE) or blake2b(body, digest_size=_DIGEST).digest() != digest:
                raise ValueError("bad magic or digest")
            table = json.loads(body)
            if not isinstance(table, dict):
                raise ValueError("not an object")
        except (ValueError, UnicodeDecodeError) as err:
            logger.info("ignoring the damaged cache entry %s: %s", path, err)
            self.rejected += 1
            return None
        return table

    def store_table(self, key: str, table: dict) -> None:
        """Write ``table`` (plain JSON values) under ``key`` in the library folder,
        atomically, beside the graphs it was worked out from (pruned with them)."""
        body = json.dumps(table, separators=(",", ":")).encode()
        self._write(self._table_path(key), _TABLE + body + blake2b(body, digest_size=_DIGEST).digest())

    def _table_path(self, key: str) -> Path:
        return self.library_folder / key[:2] / f"{key}.tlt"

    def _write(self, target: Path, blob: bytes) -> bool:
        """Write ``blob`` to ``target`` atomically; a cache that cannot be written
        is logged once and left alone for the rest of the run."""
        if not self._writable:
            return False
        try:
            replace_atomically(target, blob)
        except OSError as err:
            logger.warning("graph cache %s not written (%s); going on without it", self.folder, err)
            self._writable = False
            return False
        return True

    def store(self, key: str, graph: ProgramGraph, *, library: bool = False) -> None:
        """Write ``graph`` under ``key`` atomically; a cache that cannot be written
        is logged once and left alone for the rest of the run."""
        if not self._writable:
            return
        target = self._path(key, library)
        try:
            blob = graph_to_bytes(graph, with_ends=library)
        except (ValueError, TypeError, OverflowError, struct.error) as err:  # a value the format cannot hold
            logger.warning("graph of %s not cached: %s", graph.path, err)
            return
        if not self._write(target, blob):
            return
        self.stores += 1
        if self.stores % _PRUNE_EVERY == 0:
            self.prune()

    def prune(self) -> int:
        """Delete the least recently used entries of each folder until the rest
        fit in ``limit`` bytes; how many were deleted.  Entries another run
        deletes meanwhile are skipped."""
        folders = dict.fromkeys((self.folder, self.library_folder))
        return sum(self._prune(folder) for folder in folders)

    def _prune(self, folder: Path) -> int:
        entries = []
        for path in folder.glob("*/*.tl[gt]"):
            try:
                st = path.stat()
            except OSError:
                continue
            entries.append((st.st_mtime_ns, st.st_size, path))
        total = sum(size for _, size, _ in entries)
        removed = 0
        for _, size, path in sorted(entries):
            if total <= self.limit:
                break
            try:
                path.unlink()
            except OSError:
                continue
            total -= size
            removed += 1
        if removed:
            logger.info("graph cache %s: %d old entries removed", folder, removed)
        return removed


# -- the format ------------------------------------------------------------------------------
def graph_to_bytes(graph: ProgramGraph, *, with_ends: bool = True) -> bytes:
    """``graph`` as one cache entry (see the module docstring).  ``with_ends``:
    keep each node's subtree end, for a graph a run reads a few nodes of (a
    library file's); a project file's graph is read whole, so its loaded graph
    builds the table of children at once and the ends (0.13 us a node to work
    out) would go unused."""
    source = graph.source
    kinds, (kind_ids,) = _table(graph.kinds)
    fields, (field_ids,) = _table(graph.fields)
    # `type() is`, not isinstance: compiled, SymbolTable shares Sequence's ABC registry (a tuple passes)
    symbols = graph.symbols if type(graph.symbols) is SymbolTable else symbol_table_of(graph.symbols)
    symbol_nodes = sorted(graph.symbol_of)
    name_nodes = sorted(graph.names)
    edges = [(kind.value, *graph._edge_lists(kind)) for kind in graph.stored_edge_kinds()]
    scopes = graph.scopes
    # identifiers, symbol and scope names: one table, each string once
    strings, (name_ids, scope_name_ids, qualname_ids, symbol_name_ids) = _table(
        list(map(graph.names.__getitem__, name_nodes)),
        [s.name for s in scopes],
        [s.qualname for s in scopes],
        symbols.names,
    )
    header = {
        "path": source.path,
        "encoding": source.encoding,
        "is_binary": source.is_binary,
        "text": None if source.text == source.data.decode("utf-8", "surrogateescape") else source.text,
        "source_diagnostics": [_diagnostic_row(d) for d in source.diagnostics],
        "diagnostics": [_diagnostic_row(d) for d in graph.diagnostics],
        "kinds": kinds,
        "fields": fields,
        "imports": [[b.node, b.statement, b.module, b.level, b.name, b.bound] for b in graph.imports],
        "edges": [[kind, len(srcs)] for kind, srcs, _ in edges],
    }
    columns = [
        kind_ids,
        field_ids,
        graph.start_bytes,
        graph.end_bytes,
        graph.parents,
        graph.scope_of,
        symbol_nodes,
        [graph.symbol_of[n] for n in symbol_nodes],
        name_nodes,
        (graph.subtree_ends() if with_ends else None) or [],  # none when not in pre-order
        name_ids,
        [s.id for s in scopes],
        [_SCOPE_KIND_INDEX[s.kind] for s in scopes],
        [s.node for s in scopes],
        scope_name_ids,
        qualname_ids,
        [s.parent for s in scopes],
        [s.entry for s in scopes],
        [s.exit for s in scopes],
        symbol_name_ids,
        *symbols.columns(),
    ]
    text = _joined(strings)
    header["strings"] = len(strings)
    header["sizes"] = [len(c) for c in columns] + [len(text), len(source.data)]
    for _, srcs, dsts in edges:
        columns.extend((srcs, dsts))
    # ASCII escapes: a path or message may hold lone surrogates (undecodable file names)
    head = json.dumps(header, separators=(",", ":")).encode("ascii")
    packed = [_column_bytes(column, _FORMS[i] if i < len(_FORMS) else "i") for i, column in enumerate(columns)]
    body = b"".join([_HEADER.pack(FORMAT, len(head)), head, text, source.data, *packed])
    return body + _CHECK.pack(zlib.crc32(body))


def _joined(strings: list[str]) -> bytes:
    """The string table as one text, NUL between strings (split again at a fifth of
    what parsing a JSON list cost), UTF-8 with lone surrogates kept (undecodable
    identifiers); ``ValueError`` for a string with a NUL in it."""
    if any("\0" in string for string in strings):
        raise ValueError("a NUL in a name")
    return "\0".join(strings).encode("utf-8", "surrogatepass")


def _column_bytes(column: Sequence[int], form: str) -> bytes:
    """``column`` in the ``struct`` ``form`` of its items: ``i`` native-order 32-bit
    integers (the bytes of ``array(_INT, column)`` at a third of its cost: the
    array converts item by item), ``B`` bytes, ``<I`` (name ids) unsigned
    little-endian; ``struct.error`` or ``ValueError`` for a value out of range."""
    if form == "B":
        return bytes(column)
    if form == "i":
        return struct.pack(f"={len(column)}i", *column)
    return struct.pack(f"<{len(column)}I", *column)


def _table(*columns: list) -> tuple[list, list[list[int]]]:
    """The distinct values of ``columns`` in first-seen order, and each column as
    indices among them (C loops: a value per node)."""
    distinct = list(dict.fromkeys(itertools.chain(*columns)))
    index = {v: i for i, v in enumerate(distinct)}.__getitem__
    return distinct, [list(map(index, column)) for column in columns]


def _diagnostic_row(d: Diagnostic) -> list:
    s = d.span
    return [
        d.code,
        d.message,
        [s.start_byte, s.end_byte, s.start_row, s.start_col, s.end_row, s.end_col],
        d.severity,
        d.path,
    ]


def graph_from_bytes(blob: bytes) -> ProgramGraph:
    """The graph of one cache entry; ``ValueError`` (or a decoding error) when the
    entry is truncated, corrupt or of another format."""
    if len(blob) < _HEADER.size + _CHECK.size:
        raise ValueError("truncated entry")
    body = memoryview(blob)[: -_CHECK.size]
    if zlib.crc32(body) != _CHECK.unpack_from(blob, len(body))[0]:
        raise ValueError("checksum mismatch")
    magic, head_size = _HEADER.unpack_from(body)
    if magic != FORMAT:
        raise ValueError(f"format {magic!r}, not {FORMAT!r}")
    at = _HEADER.size + head_size
    header = json.loads(body[_HEADER.size : at].tobytes())
    sizes = header["sizes"]
    strings = body[at : at + sizes[-2]].tobytes().decode("utf-8", "surrogatepass").split("\0")
    if len(strings) != header["strings"]:
        if header["strings"] or strings != [""]:
            raise ValueError(f"{len(strings)} strings, not {header['strings']}")
        strings = []
    at += sizes[-2]
    data = body[at : at + sizes[-1]].tobytes()
    at += sizes[-1]
    counts = sizes[:-2]
    columns: dict[str, list[int]] = {}
    kept: dict[str, bytes] = {}
    packed: dict[str, array[int]] = {}
    widths = [size * count for count, size in zip(counts, _SIZES)] + [8 * n for _, n in header["edges"]]
    if len(counts) != len(_ARRAYS) or min(sizes + widths) < 0 or at + sum(widths) != len(body):
        raise ValueError(f"columns of {sum(widths)} bytes in {len(body) - at}")
    for name, count, form, size in zip(_ARRAYS, counts, _FORMS, _SIZES):
        column = body[at : at + size * count]
        if form != "i":
            kept[name] = column.tobytes()
        elif name in _PACKED:
            packed[name] = found = array(_INT)
            found.frombytes(column)  # a copy of the bytes, no int made
        else:
            columns[name] = column.cast(_INT).tolist()
        at += size * count
    edges: dict[EdgeKind, tuple[array[int], array[int]]] = {}
    for kind, count in header["edges"]:
        edges[_EDGE_KINDS[kind]] = srcs, dsts = array(_INT), array(_INT)
        srcs.frombytes(body[at : at + 4 * count])
        dsts.frombytes(body[at + 4 * count : at + 8 * count])
        at += 8 * count
    return _assemble(header, data, strings, columns, kept, packed, edges)


def _assemble(
    header: dict,
    data: bytes,
    strings: list[str],
    c: dict[str, list[int]],
    kept: dict[str, bytes],
    packed: dict[str, array[int]],
    edges: dict[EdgeKind, tuple[array[int], array[int]]],
) -> ProgramGraph:
    text = header["text"] if header["text"] is not None else data.decode("utf-8", "surrogateescape")
    source = Source(
        header["path"],
        data,
        text,
        header["encoding"],
        header["is_binary"],
        tuple(_diagnostic(row) for row in header["source_diagnostics"]),
    )
    ends = packed["subtree_ends"]
    if ends and len(ends) != len(c["start_bytes"]):
        raise ValueError(f"{len(ends)} subtree ends for {len(c['start_bytes'])} nodes")
    return ProgramGraph(
        source=source,
        kinds=labels_of_bytes(header["kinds"], kept["kinds"]),
        start_bytes=c["start_bytes"],
        end_bytes=c["end_bytes"],
        parents=c["parents"],
        fields=labels_of_bytes(header["fields"], kept["fields"]),
        names=names_of_columns(c["name_nodes"], kept["name_strings"], strings),
        scope_of=c["scope_of"],
        scopes=scopes_of_columns(
            c["scope_ids"],
            c["scope_kinds"],
            c["scope_nodes"],
            c["scope_names"],
            c["scope_qualnames"],
            c["scope_parents"],
            c["scope_entries"],
            c["scope_exits"],
            strings,
        ),
        symbols=SymbolTable(
            c["symbol_table_ids"],
            list(map(strings.__getitem__, c["symbol_names"])),
            c["symbol_scopes"],
            c["symbol_kinds"],
            c["symbol_globals"],
            packed["symbol_def_ends"],
            packed["symbol_defs"],
            packed["symbol_use_ends"],
            packed["symbol_uses"],
        ),
        symbol_of=dict(zip(c["symbol_nodes"], c["symbol_ids"])),
        imports=imports_of_rows(header["imports"]),
        edges={},
        diagnostics=tuple(_diagnostic(row) for row in header["diagnostics"]),
        subtree_ends=ends or None,
        packed_edges=edges,
    )


def _diagnostic(row: list) -> Diagnostic:
    code, message, span, severity, path = row
    return Diagnostic(code, message, Span(*span), severity, path)
