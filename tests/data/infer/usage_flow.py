"""Usage constraints from where a value goes: iterated, returned where the return
is declared, assigned to a declared target; awaited, called and entered values
only filter (no answer); agreeing and conflicting evidence."""
from typing import Iterable


def shout(text: str) -> str:
    return text.upper()


def count(n: int) -> int:
    return n


# ? names: Iterable[str]
def shout_all(names):
    return [shout(name) for name in names]


# ? value: int
def checked(value) -> int:
    return value


class Config:
    retries: int

    # ? retries: int
    def __init__(self, retries):
        self.retries = retries


# ? label: str
def labelled(label):
    text: str = label
    return text


# ? job: ?
async def wait(job):
    return await job


# ? callback: ?
def run(callback):
    return callback()


# ? lock: ?
def guarded(lock):
    with lock:
        return 1


# ? value: str
def agree(value):
    shout(value)
    return shout(value.strip())


# ? value: int | str
def conflict(value):
    shout(value)
    return count(value)


# ? value: str | None
def maybe(value):
    if value is None:
        return ""
    return shout(value)


def either(value: str | None) -> str:
    return value or ""


# ? value: str
def narrowest(value):
    either(value)
    return shout(value)


# ? value: ?
def narrowed(value):
    if isinstance(value, str):
        return shout(value)
    return value


def load(source):
    # ? data: str
    data = source.fetch()
    return shout(data)


# ? prog_name: str | None
def program(prog_name):
    return prog_name if prog_name is not None else "app"


# ? sep: str
def separator(sep):
    return sep or ","


class Greeter:
    # ? name: str
    def __init__(self, name):
        self.name = name

    def greet(self) -> str:
        return shout(self.name)



class Scanner:
    def __init__(self, text: str) -> None:
        self.text = text

    # what ``pos`` is read as after ``pos -= 1`` tells what it was
    # ? pos: int
    def skip_back(self, pos, stop):
        while pos > stop:
            pos -= 1
            if self.text[pos] != " ":
                return pos + 1
        return pos

