"""Modules a batch command's libraries import and never call, run on first use.

``typelens analyze``, ``infer`` and ``graph`` import typer and typeshed-client,
and both import modules at their top that only other paths call:

- ``subprocess``: typer installs shell completion with it, typeshed-client asks
  an interpreter for its ``sys.path`` (typelens passes the search path
  itself, ``analyzer/project.py``); with ``signal``, ``selectors`` and
  ``locale`` behind it, 20 million instructions, 4% of a cold one-line run;
- ``shellingham``: typer's completion detects the user's shell with it;
- ``typeshed_client`` itself, the package: its ``__init__`` imports the stub
  parser and resolver besides the finder, the one module typelens imports
  (``analyzer/project.py``): 15 million;
- standard modules imported at the top of others for functions a run never
  calls: ``ipaddress`` (``urllib.parse`` checks a URL's bracketed host with it;
  ``pathlib`` imports ``urllib.parse``), ``textwrap`` (``traceback`` formats an
  exception's notes with it), ``bz2`` and ``lzma`` (``shutil`` notes whether
  they import for its archive formats, which a batch command never makes; a
  Python built without them would find out on first use), ``tempfile``
  (``importlib.resources`` copies a zipped resource out with it) and ``random``
  (typer's atomic writes, ``uuid``'s ``uuid1`` and ``tempfile``'s names; the
  caches name their temporary files without either,
  ``analyzer.cache.replace_atomically``): 15 million, 3% of a cold one-line run.

:func:`defer` puts each in ``sys.modules`` as a :class:`DeferredModule`: the
module object the import system makes for it (``__spec__``, ``__file__`` and a
package's ``__path__`` set, so that ``import subprocess`` finds it and returns
it), whose code runs the first time something reads a name it does not have
yet (``subprocess.run``, ``from subprocess import PIPE``; importing a
submodule of a package reads none); from then on it is a plain module.
``importlib.util.LazyLoader`` does not do here: ``import subprocess`` itself
reads the module's ``__spec__``, which loads a lazy module at once.  The
command line defers them in its own process for a batch command
(``cli/main.py``); the language server and a program that imports typelens
load them as usual.

Example::

    >>> defer(("subprocess",))            # in a fresh process
    ['subprocess']
    >>> import subprocess                 # nothing runs yet
    >>> type(subprocess).__name__
    'DeferredModule'
    >>> subprocess.PIPE                   # now it does
    -1
    >>> type(subprocess).__name__
    'module'
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
import threading
import types

UNUSED_BY_BATCH_COMMANDS = (
    "subprocess",
    "shellingham",
    "typeshed_client",
    "ipaddress",
    "textwrap",
    "bz2",
    "lzma",
    "tempfile",
    "random",
)

# One load at a time: a second thread that reads a name the module lacks while
# the first runs its code waits for it, as it would wait on the import lock (a
# name already set is read at once: batch commands run one thread).
_LOADING = threading.RLock()
_RUNNING: set[int] = set()  # the ids of the deferred modules whose code runs now


class DeferredModule(types.ModuleType):
    """A module whose code has not run yet: reading a name it lacks runs it."""

    def __getattr__(self, name: str) -> object:
        with _LOADING:
            if type(self) is DeferredModule and id(self) not in _RUNNING:
                spec = self.__spec__
                assert spec is not None and spec.loader is not None  # set by defer()
                _RUNNING.add(id(self))
                try:
                    spec.loader.exec_module(self)
                except BaseException:
                    # as a failed import: out of sys.modules, and its code is not run again
                    if sys.modules.get(spec.name) is self:
                        del sys.modules[spec.name]
                    raise
                finally:
                    _RUNNING.discard(id(self))
                    self.__class__ = types.ModuleType
        # while its own code runs, a name it has not set yet is missing (a module being imported)
        return types.ModuleType.__getattribute__(self, name)


def defer(names: tuple[str, ...] = UNUSED_BY_BATCH_COMMANDS) -> list[str]:
    """Put the modules ``names`` not imported yet in ``sys.modules`` unrun (see
    the module docstring); the names deferred.  One that is not installed, or
    not a Python file (an extension module makes its object as it loads), is
    left to the import system."""
    deferred = []
    for name in names:
        if name in sys.modules:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None or not isinstance(
            spec.loader, (importlib.machinery.SourceFileLoader, importlib.machinery.SourcelessFileLoader)
        ):
            continue
        module = importlib.util.module_from_spec(spec)
        module.__class__ = DeferredModule
        sys.modules[name] = module
        parent, _, child = name.rpartition(".")
        if parent:  # what the import system does for a submodule it loads
            setattr(sys.modules[parent], child, module)
        deferred.append(name)
    return deferred
