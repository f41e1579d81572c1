from typing import Generic, TypeVar

V = TypeVar("V")


class Version:
    def __init__(self, text: str) -> None:
        self.text = text

    # a classmethod that builds ``cls(...)``: an instance of the class it is called on
    # ? return: Self
    @classmethod
    def parse(cls, text: str):
        made = cls(text.strip())
        return made

    # ? return: Self
    @classmethod
    def from_dict(cls, d: dict[str, str]):
        return cls.parse(d["text"])

    # ? return: Self
    def with_text(self, text: str):
        if text == self.text:
            return self
        return type(self)(text)

    # ? return: Self
    def copy(self):
        new = self.__class__.__new__(self.__class__)
        new.text = self.text
        return new

    # only ``self``: the class's name, as ``__enter__`` is written
    # ? return: Version
    def __enter__(self):
        return self

    # ``Version(...)`` names the class: not ``Self``
    # ? return: Version
    def plain(self):
        return Version(self.text)

    # may fall off the end: not ``Self``
    # ? return: Version | None
    def maybe(self, flag: bool):
        if flag:
            return type(self)(self.text)


class Bar(Generic[V]):
    def __init__(self, items: list[V]) -> None:
        self.items = items

    # ``self`` in a generic class has the class's own type parameters
    # ? return: Bar[V]
    def __enter__(self):
        return self


# ? return: Version
def make():
    return Version.parse("1.0")
