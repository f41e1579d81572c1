"""The public error hierarchy of typelens.

Every error typelens raises on purpose derives from :class:`TypelensError`, so a
caller that wants to survive any analysis failure catches that one class.  Problems
*in the analysed code* (syntax errors, undecodable bytes, unresolved imports) are
never raised: they come back as :class:`~typelens.analyzer.spans.Diagnostic` values.

Example::

    try:
        graph = build_graph_from_path(path)
    except InputError as err:       # the path itself is unusable
        print(err)
"""

from __future__ import annotations


class TypelensError(Exception):
    """Base class of every error typelens raises deliberately."""


class InputError(TypelensError):
    """A path or argument given by the caller cannot be used (missing file,
    unreadable directory, wrong option value).  Raised at façades and the CLI."""


class ResolutionError(TypelensError):
    """A module or name could not be resolved where the caller demanded it
    (``ProjectIndex.require_module``).  Lookups that may fail return ``None``."""


class ModelError(TypelensError):
    """A model file or directory is missing, corrupt or of another version."""
