"""Chained assignments bind every target to the one value."""

import typing as t

# ? first: int
first = second = 0
# ? left: str
left = middle = right = "x"


class Stream:
    def __init__(self, stream: object) -> None:
        # ? _stream: BinaryIO
        self._stream = stream = t.cast(t.BinaryIO, stream)
        # ? start: int
        self.start = self.end = len("ab")

    def isatty(self) -> bool:
        # ? current: BinaryIO
        current = self._stream
        return current.isatty()
