"""A module that star_imports.py takes everything from (``from star_exported
import *``): the names not starting with an underscore."""


# ? return: int
def count_words(text):
    return len(text.split())


class Greeting:
    # ? return: str
    def render(self):
        return "hello"


# ? ratio: float
ratio = 0.5


# ? return: str
def max(a, b):
    return "shadows the builtin in a module that star-imports this one"


# ? return: bytes
def _hidden():
    return b"not exported"
