"""Usage constraints from calls: a parameter passed as an argument takes the type
the callee declares for it (functions, stubs, dataclass and NamedTuple fields,
__init__, keywords, and unannotated project functions through their own uses)."""
import os
from dataclasses import dataclass, field
from typing import NamedTuple


@dataclass
class Order:
    customer: str
    total: float = 0.0
    tags: list[str] = field(default_factory=list)


class Point(NamedTuple):
    x: int
    y: int


class Account:
    def __init__(self, owner: str, balance: float) -> None:
        self.owner = owner
        self.balance = balance


# ? customer: str
def make_order(customer):
    return Order(customer)


# ? amount: float
def order_with_total(name: str, amount):
    return Order(name, total=amount)


# ? y: int
def point(y):
    return Point(0, y)


# ? owner: str
# ? balance: float
def open_account(owner, balance):
    return Account(owner, balance)


# ? name: str
def setting(name):
    return os.getenv(name)


# ? parts: Iterable[str]
def joined(parts):
    return "-".join(parts)


def shout(text: str) -> str:
    return text.upper()


def relay(message):
    return shout(message)


# ? message: str
def relay_twice(message):
    return relay(message) + relay(message)



def titled(text, prefix=None):
    if prefix is None:
        return text.title()
    return prefix + text.title()


# the callee tests its own parameter for None: it takes None, callers need not pass it
# ? name: str
def heading(name):
    return titled("intro", name)


# startswith takes str | tuple[str, ...]; .lower() leaves the str
# ? prefix: str
def starts(text: str, prefix):
    folded = prefix.lower()
    return text.startswith(prefix) or text.startswith(folded)
