"""A declared variable takes the type it is assigned (pyright's narrowing on
assignment); a value assigned before ``if x is None: x = ...`` (or ``...: return``)
goes on only through the false branch."""

import os
import typing as t
from io import StringIO


def default_stream() -> t.TextIO | None:
    return None


class Bar:
    def __init__(self, file: t.TextIO | None = None) -> None:
        if file is None:
            file = default_stream()
            if file is None:
                file = StringIO()
        # ? stream: StringIO | TextIO
        stream = file
        self.file = stream


def editor(env: dict[str, str] | None) -> None:
    environ: dict[str, str] | None = None
    if env:
        environ = os.environ.copy()
        # ? merged: dict[str, str]
        merged = environ
        merged.update(env)


def count(limit: int | str | None) -> None:
    total: int | str | None = 0
    # ? current: int
    current = total
    if limit is None:
        total = None


def echo(file: t.IO[str] | None = None) -> None:
    if file is None:
        file = default_stream()
        if file is None:
            return
    # ? out: IO[str] | TextIO
    out = file
    out.flush()


class Spec:
    cached: int | None = None

    def compute(self) -> int:
        return 1

    def value(self) -> int:
        # ? found: int
        found = self.cached or self.compute()
        return found
