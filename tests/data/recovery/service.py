"""A module whose method ``Service.target`` the recovery tests break mid-edit; the
definitions after it must read the same however it is broken."""

import os


def before(a: int, b: int) -> int:
    return a + b


class Service:
    def __init__(self, root: str) -> None:
        self.root = root
        self.calls = 0

    def target(self, name: str, count: int = 1) -> str:
        if count > 1:
            return os.path.join(self.root, name)
        parts = [name, str(count)]
        return "-".join(parts)

    def after_method(self, suffix="x"):
        self.calls += 1
        return self.root.upper() + suffix

    @property
    def size(self):
        return len(self.root)


def after(x=1.5):
    label = "n=" + str(x)
    return label


class Fine:
    limit = 10

    def m(self):
        return 42

    def ratio(self, total=2.0):
        return total / self.limit


TABLE = {"a": after(), "b": Fine().m()}
SERVICE = Service("/tmp")
