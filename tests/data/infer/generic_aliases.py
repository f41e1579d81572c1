from typing import Generic, TypeVar

from typing_extensions import TypeAlias

K = TypeVar("K")
V = TypeVar("V")


class Table(Generic[K, V]):
    def get(self, key: K) -> V:
        raise KeyError(key)


ByName: TypeAlias = Table[str, V]
Grid: TypeAlias = Table[tuple[int, int], V]


# ? people: Table[str, int]
def count(people: ByName[int]):
    # ? age: int
    age = people.get("ada")
    return age


# ? cells: Table[tuple[int, int], float]
def read(cells: Grid[float]):
    # ? value: float
    value = cells.get((0, 0))
    return value


class Crate(Generic[V]):
    def __init__(self, item: V) -> None:
        self.item = item

    def unwrap(self: "Crate[list[K]]") -> K:
        return self.item[0]


nested = Crate([3])
# ? head: int
head = nested.unwrap()
