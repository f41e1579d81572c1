"""Recursion: a function's answers include what its own calls return."""


# ? return: int
# ? n: int
def factorial(n):
    if n <= 1:
        return 1
    return n * factorial(n - 1)


# ? return: bool
def is_even(n):
    if n == 0:
        return True
    return is_odd(n - 1)


# ? return: bool
def is_odd(n):
    if n == 0:
        return False
    return is_even(n - 1)


# ? return: float
# ? x: float
def halve(x, times):
    if times == 0:
        return x
    return halve(x / 2, times - 1)


# ? result: float
result = halve(8, 3)
# ? fact5: int
fact5 = factorial(5)
# ? seven: bool
seven = is_odd(7)


# ? return: str
def join_all(parts: list[str], sep=", "):
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    return parts[0] + sep + join_all(parts[1:], sep)


class Node:
    def __init__(self, value, parent=None):
        self.value = value
        # ? parent: Node | None
        self.parent = parent

    # ? return: Node
    def root(self):
        if self.parent is None:
            return self
        return self.parent.root()


leaf = Node(2, Node(1))
# ? top: Node
top = leaf.root()
