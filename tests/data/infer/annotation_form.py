from typing import Literal, Union

Pair = tuple[int, int]
Names = dict[str, list[str]]
Number = Union[int, str]
Mode = Literal["a", "b"]


class Command:
    pass


class Parameter:
    pass


# a type equal to the module's alias is written as the alias
# ? return: Pair
def pair(a: int):
    return (a, a)


# ? return: list[Pair]
def pairs(n: int):
    return [(i, i) for i in range(n)]


# ? return: Names | None
def names(d: dict[str, list[str]], flag: bool):
    if flag:
        return d
    return None


# a union alias names its members inside a wider union
# ? return: Number | None
def number(x: int, y: str, z: bool):
    if z:
        return x
    if x:
        return y
    return None


# a Literal alias is not read back: a plain str stays str
# ? return: str
def text(a: str):
    return a.upper()


# tuples of several lengths with one item type
# ? return: tuple[int, ...]
def widths(n: int):
    if n:
        return (n,)
    return (n, n, n)


# tuples of one length join item by item
# ? return: tuple[Command | Parameter, str]
def resolve(flag: bool):
    if flag:
        return Command(), "c"
    return Parameter(), "p"


# tuples of mixed items and lengths keep their shapes
# ? return: tuple[int, str] | tuple[str]
def mixed(flag: bool):
    if flag:
        return (1, "a")
    return ("b",)


# ``tuple(xs)`` is a tuple of any length
# ? return: tuple[str, ...]
def copied(xs: list[str]):
    return tuple(xs)


# a container of unknown items beside the same container of known ones
# ? return: tuple[str, ...]
def some(xs: list[str], other):
    if xs:
        return tuple(xs)
    return tuple(other)


class Stream:
    pass


class FileStream(Stream):
    pass


# what is known of a partly known union is written without its subclasses
# ? return: Stream
def stream(kind: int, other):
    if kind == 1:
        return Stream()
    if kind == 2:
        return FileStream()
    return other.stream

