"""Writing a command's output to stdout or ``-o FILE``: valid UTF-8, one line on failure.

File names that are not UTF-8 reach Python as ``str`` with surrogate escapes
(PEP 383: byte ``0xff`` becomes ``'\\udcff'``), which no UTF-8 encoder takes.
They are shown as the text ``\\xff`` (and, in JSON, as a string holding that
text), so the output stays valid UTF-8 and valid JSON, and says which byte it
was.  Any other lone surrogate becomes U+FFFD.  Everything is encoded before the
file is opened, so a failure never leaves an emptied ``-o`` file; a missing
folder, a directory or a full disk is one line on stderr and exit code 2.

Example::

    >>> printable("caf\\udcff.py")
    'caf\\\\xff.py'
    >>> json_printable('{"file": "caf\\udcff.py"}')
    '{"file": "caf\\\\\\\\xff.py"}'
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path
from typing import Iterable

logger = logging.getLogger(__name__)

_SURROGATE = re.compile("[\ud800-\udfff]")


def _escaped(backslash: str):
    def replace(match: re.Match) -> str:
        code = ord(match.group())
        return f"{backslash}x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else "\ufffd"

    return replace


_TEXT, _JSON = _escaped("\\"), _escaped("\\\\")


def printable(text: str) -> str:
    """``text`` with surrogate escapes shown as ``\\xNN`` (see the module)."""
    return _SURROGATE.sub(_TEXT, text)


def json_printable(text: str) -> str:
    """JSON ``text`` (dumped with ``ensure_ascii=False``) with surrogate escapes
    inside its strings shown as ``\\xNN``: a doubled backslash there."""
    return _SURROGATE.sub(_JSON, text)


def _encoded(chunks: Iterable[str], is_json: bool) -> Iterable[bytes]:
    clean = json_printable if is_json else printable
    for chunk in chunks:
        try:
            yield chunk.encode("utf-8")
        except UnicodeEncodeError:
            yield clean(chunk).encode("utf-8")


def write_output(text: str | Iterable[str], output: Path | None, *, command: str, is_json: bool = False) -> None:
    """Write ``text`` (or its chunks, for outputs too large to hold twice) to
    stdout or ``output``; an ``OSError`` exits with code 2 and one line."""
    chunks = [text] if isinstance(text, str) else text
    if output is None:
        _write_stream(_encoded(chunks, is_json), command)
        return
    if isinstance(text, str):
        chunks = [b"".join(_encoded(chunks, is_json))]  # all encoded before the file is emptied
    else:
        chunks = _encoded(chunks, is_json)
    try:
        with open(output, "wb") as handle:
            for data in chunks:
                handle.write(data)
    except OSError as err:
        _fail(command, f"cannot write {printable(str(output))}: {err.strerror or err}")


def _write_stream(chunks: Iterable[bytes], command: str) -> None:
    binary = getattr(sys.stdout, "buffer", None)  # a test runner's stdout may hold text only
    try:
        sys.stdout.flush()
        for data in chunks:
            if binary is not None:
                binary.write(data)
            else:
                sys.stdout.write(data.decode("utf-8"))
        sys.stdout.flush()
        if binary is not None:
            binary.flush()
    except BrokenPipeError:
        raise
    except OSError as err:
        _fail(command, f"cannot write the output: {err.strerror or err}")


def _fail(command: str, message: str) -> None:
    echo_error(f"typelens {command}: {message}")
    raise SystemExit(2)


def echo_error(message: str) -> None:
    """``message`` on stderr as ``typer.echo(message, err=True)`` writes it (click
    leaves out colour codes where stderr is not a terminal); typer is imported
    here, for the message alone: a batch command's usual run never loads it
    (``cli/params.py``).  The commands exit with ``SystemExit``, not
    ``typer.Exit``: typer's main turns the latter into the former."""
    from typer import echo

    echo(message, err=True)
