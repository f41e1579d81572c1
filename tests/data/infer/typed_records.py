from typing import Self, TypedDict


class Movie(TypedDict):
    title: str
    year: int


# ? return: tuple[int | None, str]
def lookup(m: Movie):
    # ? year: int | None
    year = m.get("year")
    # ? title: str
    title = m.get("title", "unknown")
    return year, title


class Shape:
    def copy(self) -> Self:
        return self

    def scaled(self, k: float) -> Self:
        return self


class Square(Shape):
    pass


# ? sq: Square
sq = Square().copy()
# ? sq2: Square
sq2 = Square().scaled(2.0)
