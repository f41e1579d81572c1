"""Regular expressions that always match, typed as such.

Several scanners (:mod:`.lenient`, :mod:`.rewrite`, :mod:`.parse_guard`) use
patterns that can match the empty string (``[ \\t]*``, a string body ``[^"\\\\]*``):
``pattern.match(data, pos)`` then never returns ``None``.  :func:`matched` states
that where the match is used, so a pattern edited into one that can fail stops
with a clear error at that line instead of an ``AttributeError`` further on.

Example::

    INDENT = re.compile(rb"[ \\t]*")
    matched(INDENT.match(b"    x = 1", 0)).end()     # 4
"""

from __future__ import annotations

import re


def matched(found: re.Match[bytes] | None) -> re.Match[bytes]:
    """``found``, which a pattern that matches the empty string always gives."""
    if found is None:
        raise AssertionError("a pattern that always matches did not match")
    return found
