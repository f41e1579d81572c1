"""Classes: super(), attributes set outside __init__, property setters,
enums, NamedTuple, TypedDict, typing.Self."""

import enum
from typing import NamedTuple, Self, Sequence, TypedDict


class Base:
    def describe(self) -> str:
        return "base"

    def make(self) -> Self:
        return self


class Child(Base):
    def describe(self):
        # ? parent: str
        parent = super().describe()
        return parent + "!"


class Counter:
    def __init__(self):
        self.count = 0

    def reset(self):
        self.label = "reset"

    def show(self):
        # ? label: str
        label = self.label
        return label


class Temperature:
    def __init__(self):
        self._celsius = 0.0

    @property
    def celsius(self) -> float:
        return self._celsius

    @celsius.setter
    def celsius(self, value: float) -> None:
        self._celsius = value


t = Temperature()
# ? reading: float
reading = t.celsius


class Color(enum.Enum):
    RED = 1
    GREEN = 2


# ? red: Color
red = Color.RED
# ? red_value: int
red_value = Color.RED.value
# ? red_name: str
red_name = Color.RED.name


class Point(NamedTuple):
    x: int
    y: float


p = Point(1, 2.0)
# ? px: int
px = p.x
# ? py: float
py = p[1]


class Movie(TypedDict):
    title: str
    year: int


def year_of(m: Movie):
    # ? year: int
    year = m["year"]
    return year


# ? child: Child
child = Child().make()


class Shape:
    def __init__(self, sides: int):
        self.sides = sides


class Square(Shape):
    def __init__(self, size: float):
        super().__init__(4)
        self.size = size

    # ? return: float
    def area(self):
        return self.size ** 2


# ? corners: int
corners = Square(2.0).sides


class Version:
    # ? return: Self
    def copy(self):
        return self.__class__.__new__(self.__class__)


class Stream:
    def read(self) -> str:
        return ""


class BufferedStream(Stream):
    pass


# a union whose member derives from another member is that other member: the same values
# ? return: Stream
def open_stream(buffered: bool):
    if buffered:
        return BufferedStream()
    return Stream()


# a str is a Sequence[str], but an annotation names it apart
# ? return: str | Sequence[str]
def names_or_one(many: bool, items: Sequence[str]):
    return items if many else "one"
