from dataclasses import dataclass
from typing import NamedTuple


@dataclass
class Point:
    x: int
    y: str


class Pair:
    __match_args__ = ("left", "right")

    def __init__(self, left: float, right: bytes):
        self.left = left
        self.right = right


class Size(NamedTuple):
    width: int
    label: str


def describe(shape: Point | Pair | Size | int | str):
    match shape:
        # ? a: int
        # ? b: str
        case Point(a, b):
            return b
        # ? low: float
        # ? high: bytes
        case Pair(low, right=high):
            return high
        # ? w: int
        case Size(w):
            return w
        # ? n: int
        case int(n):
            return n
        # ? s: str
        case str(s):
            return s
        # ? z: ?
        case Point(_, _, z):
            return z


# a wildcard or capture case matches every value: no None falls out of the match
# ? return: int | str
def switch(value):
    match value:
        case "case1":
            return 42
        case _:
            return "unknown"


# ? return: int | str
def named_rest(value):
    match value:
        case 1:
            return 1
        case other:
            return str(other)


# ? return: float | None
def guarded_rest(value):
    match value:
        case 1 | 2:
            return 2.5
        case other if other:
            return 1.5


# ? return: float
def aliased_rest(value):
    match value:
        case 1 | 2:
            return 2.5
        case _ as rest:
            return float(rest)
