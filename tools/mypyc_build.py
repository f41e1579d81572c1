"""The compiled core: mypyc over the hot modules of analyzer/ and typeinfer/, and the
PEP 517 build backend that puts them in the wheel.

``tools/mypyc-build`` (``make run``, ``make test``) runs :func:`build`: it compiles
:data:`MODULES` (the modules that carry a cold run's self time, see
docs/performance.md) into ``analyzer/_mypyc/`` and ``typeinfer/_mypyc/``, with
the classifier's C kernel (``typeinfer/neural/_kernel.c``, plain C, as
``typelens.typeinfer._kernel``), and writes the manifest that ``typelens.analyzer.compiled`` checks before it uses
them.  It does nothing when the manifest already matches the sources.  The
packages install as ``typelens.*`` through package-dir, so (as in
tools/typecheck) mypyc compiles a copy of them under ``build/mypyc/typelens/``;
the copy keeps each file's mtime while its text is unchanged, so mypy's
incremental cache and setuptools' skip of up-to-date extensions both hold.

What keeps a first build cheap: the compiled modules only (about 40% of the
core); two groups, one per package (gcc compiles mypyc's runtime once per group,
and the two compile in parallel); third-party libraries are not analysed
(``follow_imports = skip`` even for their stubs: a value from tree-sitter or
numpy is ``Any`` to mypyc, which it would box anyway); ``-O2`` without
debugging information.

As a build backend (``[build-system]`` in pyproject.toml, ``backend-path =
["tools"]``) it is setuptools' with two changes: a wheel build asks for mypy and
compiles when :func:`compile_blocker` finds nothing against it (a C compiler,
Python's headers, ``TYPELENS_MYPYC`` not ``0``), and setup.py then ships the
``_mypyc`` folders in a platform wheel.  ``TYPELENS_MYPYC=0`` builds the pure
wheel; ``TYPELENS_MYPYC=1`` fails instead of falling back.

Example::

    $ tools/mypyc-build            # or: python tools/mypyc_build.py build
    compiled 36 modules into analyzer/_mypyc, typeinfer/_mypyc (250 s)
    $ TYPELENS_MYPYC=0 pip wheel --no-deps .     # the pure wheel
"""

from __future__ import annotations

import ast
import hashlib
import importlib.metadata
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403 (the hooks this backend does not change)

ROOT = Path(__file__).resolve().parent.parent
# The modules with a share of a cold run's self time (cProfile of analyze and infer on
# asyncio and click): the rest (setup, I/O, the TypeScript path, models) stay Python, and
# so do the modules that find files from their own __file__ (analyzer/cache.py's code
# fingerprints, typeinfer/settings.py's model folders): compiled, it names _mypyc/.
# analyzer/graph.py is compiled: callers test `type(x) is SymbolTable`, since compiled,
# SymbolTable (a Sequence) shares Sequence's ABC registry and a tuple passes isinstance.
MODULES = {
    "analyzer": "calls cfg dataflow graph project project_graph rewrite scopes syntax version_gates",
    "typeinfer": (
        "annotation_form annotations binding callables callsites check_arity check_values checks classes "
        "engine expressions features fixpoint function_values hybrid mutation names narrowing normalize patterns predictions "
        "self_type stepped types usage usage_rules"
    ),
}
OPT_LEVEL = "2"
# the mypy that compiles the wheel (the test extra's)
MYPY_REQUIREMENT = "mypy>=2.4"
_SETUP = """
import os, sys
from setuptools import Extension, setup
from mypyc.build import mypycify

KERNEL = "typelens.typeinfer._kernel"

groups = [(paths.split(), f"typelens.{package}._core") for package, paths in (g.split(":") for g in sys.argv.pop(1).split(";"))]
paths = [p for group, _ in groups for p in group]
extensions = mypycify(
    ["--config-file", "mypy.ini", *paths], opt_level=os.environ["TYPELENS_MYPYC_OPT"], debug_level="0", separate=groups, multi_file=True
)
# the classifier's kernel (typeinfer/neural/_kernel.c, typeinfer/neural/native.py): plain C, in
# typeinfer/_mypyc/ with the compiled modules, so importable exactly when they run
extensions.append(Extension(KERNEL, ["typelens/typeinfer/neural/_kernel.c"], extra_compile_args=["-O3"]))
for extension in extensions:
    # mypyc 2.4 with multi_file and named groups: a dotted group's header is written beside
    # its package, off the include path, and another group's export table is defined (not
    # declared) in every C file that includes it, which gcc >= 10 (-fno-common) rejects
    if extension.name.endswith("__mypyc"):
        extension.include_dirs.append(os.path.join("build", *extension.name.split(".")[:-1]))
        extension.extra_compile_args.append("-fcommon")
setup(name="typelens-mypyc", ext_modules=extensions)
"""


def _hook():
    """typelens.analyzer.compiled, loaded from its file (the package need not be installed)."""
    spec = importlib.util.spec_from_file_location("_typelens_compiled", ROOT / "analyzer" / "compiled.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def module_paths() -> list[str]:
    return [f"{package}/{name}.py" for package, names in MODULES.items() for name in names.split()]


_FILE_LOCATOR = re.compile(r"(Path|dirname)\(\s*__file__")


def file_locators() -> list[str]:
    """The modules of :data:`MODULES` that find files from their own ``__file__``: they
    cannot be compiled, since a compiled module's ``__file__`` is in ``_mypyc/``."""
    return [path for path in module_paths() if _FILE_LOCATOR.search((ROOT / path).read_text(encoding="utf-8"))]


def compile_blocker() -> str | None:
    """Why this machine cannot compile the core (None when it can): ``TYPELENS_MYPYC=0``,
    no C compiler, no Python headers.  mypy itself comes as a build requirement."""
    if os.environ.get("TYPELENS_MYPYC", "") == "0":
        return "TYPELENS_MYPYC=0"
    compiler = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()[0]  # as setuptools picks it
    if shutil.which(compiler) is None:
        return f"no C compiler ({compiler})"
    if not Path(sysconfig.get_paths()["include"], "Python.h").is_file():
        return "no Python headers (Python.h)"
    return None


def _third_party(paths: list[Path]) -> list[str]:
    """The top-level packages that ``paths`` import, but the stdlib and typelens."""
    names = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_bytes())):
            if isinstance(node, ast.Import):
                names.update(alias.name.partition(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.partition(".")[0])
    return sorted(n for n in names if n not in sys.stdlib_module_names and n != "typelens")


def _sync_tree(work: Path) -> None:
    """Copy the two packages' sources into ``work/typelens/`` (a file only when its text
    changed, so mtimes and mypy's cache hold), removing files the checkout no longer has."""
    wanted = set(_hook().source_files(str(ROOT)))
    target = work / "typelens"
    for path in wanted:
        source, copy = ROOT / path, target / path
        text = source.read_bytes()
        if not copy.is_file() or copy.read_bytes() != text:
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(text)
    for copy in target.rglob("*.py"):
        relative = copy.relative_to(target).as_posix()
        if relative != "__init__.py" and relative not in wanted:
            copy.unlink()
    (target / "__init__.py").touch()  # the namespace marker tools/typecheck uses too


def _mypy_config(work: Path) -> None:
    """A build-only config: the core's settings, and third-party packages not analysed."""
    sources = [ROOT / path for path in _hook().source_files(str(ROOT)) if path.endswith(".py")]
    skipped = ",".join(f"{name}.*,{name}" for name in _third_party(sources))
    text = "[mypy]\nignore_missing_imports = True\n"
    if skipped:
        text += f"\n[mypy-{skipped}]\nfollow_imports = skip\nfollow_imports_for_stubs = True\n"
    if not (work / "mypy.ini").is_file() or (work / "mypy.ini").read_text() != text:
        (work / "mypy.ini").write_text(text)


def _drop_own_cache(work: Path) -> None:
    # mypy 2.4.1's incremental build stops with "ValueError: value is not in list"
    # (emit_undefined_attr_check) once a compiled module changed: drop typelens's own
    # entries from the cache and keep the stdlib's.  (sqlite3 imported here: a Python
    # built without it can still build the pure wheel.)
    import sqlite3

    for db in work.glob(".mypy_cache/*/cache.*.db"):
        with sqlite3.connect(db) as connection:
            connection.execute("delete from files2 where path like 'typelens%'")


def _planned(hook, suffix: str) -> set[str]:
    """The manifest lines of this build's extension modules and settings."""
    libs = [f"{package}/{hook.FOLDER}/_core__mypyc{suffix}" for package in MODULES]
    libs.append(f"typeinfer/{hook.FOLDER}/_kernel{suffix}")  # the classifier's kernel (plain C)
    shims = [
        f"{path.rpartition('/')[0]}/{hook.FOLDER}/{path.rpartition('/')[2][:-3]}{suffix}" for path in module_paths()
    ]
    return {f"ext {path}" for path in libs + shims} | {_build_line()}


def _build_line() -> str:
    """The manifest's ``build`` line: the C level and a digest of what else makes the
    extensions (mypy's version, the setup script and its flags), so that a change to
    any of them builds again rather than keeping the last build."""
    try:
        mypy = importlib.metadata.version("mypy")
    except importlib.metadata.PackageNotFoundError:
        mypy = "none"
    made_by = hashlib.blake2b(f"{mypy}\0{_SETUP}".encode(), digest_size=8).hexdigest()
    return f"build -O{OPT_LEVEL} {made_by}"


def _built(hook) -> set[str]:
    try:
        lines = (ROOT / hook.MANIFEST_PATH).read_text(encoding="utf-8").splitlines()
    except OSError:
        return set()
    return {line for line in lines if line.startswith(("ext ", "build "))}


def build(python: str = sys.executable, jobs: int = 2, force: bool = False) -> str:
    """Compile the core into the packages' ``_mypyc`` folders unless the manifest says
    they match the sources; returns what it did.  Raises CalledProcessError when
    mypyc or gcc fails (the last build's folders are removed first)."""
    hook = _hook()
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    if not force and hook.stale_reason(str(ROOT)) is None and _built(hook) == _planned(hook, suffix):
        return "compiled modules up to date"
    if file_locators():
        raise ValueError(f"MODULES lists modules that find files from __file__: {file_locators()}; leave them out")
    started = time.monotonic()
    for package in hook.PACKAGES:  # the manifest goes first: never half a build
        shutil.rmtree(ROOT / package / hook.FOLDER, ignore_errors=True)
    extensions = sorted(line.partition(" ")[2] for line in _planned(hook, suffix) if line.startswith("ext "))
    # the sources as they are before the copy: a file saved while the build runs then
    # differs from the manifest, and that build runs pure, never as the edited code
    manifest = hook.manifest_text(str(ROOT), suffix, extensions)
    work = ROOT / "build" / "mypyc"
    work.mkdir(parents=True, exist_ok=True)
    _sync_tree(work)
    _mypy_config(work)
    _drop_own_cache(work)
    groups = ";".join(
        f"{package}:" + " ".join(f"typelens/{p}" for p in module_paths() if p.startswith(f"{package}/"))
        for package in MODULES
    )
    env = {**os.environ, "TYPELENS_MYPYC_OPT": OPT_LEVEL}
    command = [python, "-c", _SETUP, groups, "build_ext", "--inplace", "--parallel", str(jobs)]
    done = subprocess.run(command, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:  # mypy's errors, gcc's and ld's, without setuptools' progress lines
        progress = ("gcc ", "copying ", "creating ", "building ", "running ")
        said = [line for line in done.stdout.splitlines() if not line.startswith(progress)]
        sys.stderr.write("\n".join(said[-40:]) + "\n")
        raise subprocess.CalledProcessError(done.returncode, command[:2])
    for package in hook.PACKAGES:  # the planned modules only: a dropped module's old one stays behind in work/
        (ROOT / package / hook.FOLDER).mkdir()
    for path in extensions:
        package, _, name = path.partition(f"/{hook.FOLDER}/")
        shutil.copy2(work / "typelens" / package / name, ROOT / path)
    target = ROOT / hook.MANIFEST_PATH  # written whole or not at all: a run may be reading it
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    partial.write_text(manifest.replace("\n", f"\n{_build_line()}\n", 1), encoding="utf-8")
    os.replace(partial, target)
    folders = ", ".join(f"{p}/{hook.FOLDER}" for p in hook.PACKAGES)
    return f"compiled {len(module_paths())} modules into {folders} ({time.monotonic() - started:.0f} s)"


# -- the PEP 517 backend: setuptools', compiling the wheel's core when it can ------------------


def _compiling() -> bool:
    blocker = compile_blocker()
    if blocker is not None and os.environ.get("TYPELENS_MYPYC") == "1":
        raise RuntimeError(f"TYPELENS_MYPYC=1 but the core cannot be compiled: {blocker}")
    return blocker is None


def get_requires_for_build_wheel(config_settings=None):
    requires = _setuptools.get_requires_for_build_wheel(config_settings)
    return [*requires, MYPY_REQUIREMENT] if _compiling() else requires


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    compiling = _compiling()
    if compiling and importlib.util.find_spec("mypyc") is None:
        if os.environ.get("TYPELENS_MYPYC") == "1":
            raise RuntimeError("TYPELENS_MYPYC=1 but mypyc is not installed in the build environment")
        sys.stderr.write("typelens: mypyc is not installed (a build without isolation): the pure wheel\n")
        compiling = False
    if compiling:
        try:
            sys.stderr.write(f"typelens: {build()}\n")
        except Exception as err:  # noqa: BLE001 - mypyc, gcc, the mypy cache, the disk: the pure wheel still builds
            if os.environ.get("TYPELENS_MYPYC") == "1":
                raise
            sys.stderr.write(f"typelens: the core did not compile ({err}): the pure wheel\n")
            compiling = False
    os.environ["TYPELENS_WHEEL_COMPILED"] = "1" if compiling else "0"  # read by setup.py
    try:
        return _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)
    finally:
        del os.environ["TYPELENS_WHEEL_COMPILED"]


def main(argv: list[str]) -> int:
    if argv[:1] != ["build"]:
        sys.stderr.write("usage: python tools/mypyc_build.py build [--force]\n")
        return 2
    blocker = compile_blocker()
    if blocker is None and importlib.util.find_spec("mypyc") is None:
        blocker = "mypyc is not installed (pip install mypy)"
    if blocker is not None:
        print(f"compiled core skipped: {blocker}; the pure-Python modules run")
        return 0
    print(build(force="--force" in argv))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
