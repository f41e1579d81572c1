import functools
from typing import Iterator


# ? return: float
# ? price: float
# ? rate: float
def discounted(price, rate=0.1):
    return price * (1 - rate)


# ? total: float
total = discounted(19.99)


# ? return: Iterator[int]
def countdown(n: int):
    while n > 0:
        yield n
        n -= 1


# ? return: str
async def fetch(url: str):
    return url


# ? return: str
async def main():
    # ? body: str
    body = await fetch("x")
    return body


def logged(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)
    return wrapper


# ? return: list[str]
def tokens(text: str):
    return text.split()


# ? parts: list[str]
parts = tokens("a b")
# ? ticks: list[int]
ticks = list(countdown(3))
