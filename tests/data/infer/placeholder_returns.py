from abc import ABC, abstractmethod


class Shell(ABC):
    # an abstract method returns what the method a call reaches returns: its overrides'
    # ? return: str
    @abstractmethod
    def format(self, item: str):
        pass

    # only raises NotImplementedError: the same
    # ? return: tuple[list[str], str]
    def args(self):
        raise NotImplementedError

    # no override says anything: no answer
    # ? return: ?
    def source(self):
        raise NotImplementedError

    # a call through the base class reaches an override
    # ? return: str
    def line(self):
        return self.format("x")


class Bash(Shell):
    def format(self, item):
        return f"{item}\n"

    def args(self):
        return ["a"], "b"


class Zsh(Shell):
    def format(self, item):
        return item.upper()


class ParamType:
    # a default that overrides replace: its annotation covers what they return
    # ? return: str | None
    def metavar(self):
        return None

    # overrides that return None too: None
    # ? return: None
    def check(self):
        pass


class Choice(ParamType):
    def metavar(self):
        return "[a|b]"

    def check(self):
        print("checked")
