"""Element types learned from mutation after an empty literal."""


def keys(d: dict[str, int]):
    # ? out: list[str]
    out = []
    for key in d:
        out.append(key)
    return out


def numbers():
    # ? values: list[int]
    values = []
    values.extend([1, 2])
    values.insert(0, 5)
    return values


def unique(words: list[str]):
    # ? seen: set[str]
    seen = set()
    for w in words:
        seen.add(w)
    return seen


def index(words: list[str]):
    # ? where: dict[str, int]
    where = {}
    for i, w in enumerate(words):
        where[w] = i
    return where


def groups(words: list[str]):
    # ? by_len: dict[int, list[str]]
    by_len = {}
    for w in words:
        by_len.setdefault(len(w), []).append(w)
    return by_len


def merged(a: dict[str, float]):
    # ? total: dict[str, float]
    total = {}
    total.update(a)
    return total


class Registry:
    def __init__(self):
        # ? names: list[str]
        self.names = []

    def register(self, name: str):
        self.names.append(name)


# ? return: list[str]
def collected():
    out = []
    out.append("x")
    return out


class Step:
    pass


class History:
    def __init__(self) -> None:
        # ? steps: list[Step]
        self.steps = []
        self.at = 0

    def push(self, step: Step) -> None:
        # a slice assignment puts the items of its value, not the value
        self.steps[self.at :] = [step]
        self.at += 1


# a display filled later holds what it was written with and what was added
# ? mixed: list[int | str]
mixed = [1, 2]
mixed.append("three")
# ? same: list[int]
same = [1]
same.insert(0, 2)
# ? handlers: dict[str, int | str]
handlers = {"a": "x"}
handlers["b"] = 2
# ? tags: set[str | bytes]
tags = {"a"}
tags.update({b"b"})
