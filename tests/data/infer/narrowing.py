from typing import Optional, Union


# ? return: int
def length(value: Optional[str]):
    if value is None:
        return 0
    # ? size: int
    size = len(value)
    return size


# ? return: str
def describe(item: Union[int, str]):
    if isinstance(item, int):
        # ? text: str
        text = str(item)
    else:
        # ? upper: str
        upper = item.upper()
        text = upper
    return text


# ? return: int | None
def pick(flag: bool):
    if flag:
        return 1
    return None


# ? return: str | None
def fallthrough(flag):
    if flag:
        return "yes"


class Settings:
    pass


# ? return: Settings
def configured(settings: Settings | None = None):
    if settings is None:
        settings = Settings()
    return settings


# ? return: Settings | None
def replaced(settings: Settings | None = None):
    if settings is not None:
        settings = Settings()
    return settings


# ? return: int | None
def maybe(n: int | None, flag: bool):
    if n is None:
        if flag:
            n = 2
    return n


class Named:
    name: str = ""


# ? return: list[Named]
def present(items: list[Named | None]):
    # a comprehension's `if` clauses hold for its element
    return [item for item in items if item is not None]


# ? return: list[Named]
def repeated(one: Named | None):
    if one is not None:
        # a comprehension runs where it is written: the conditions around it hold inside it
        return [one for _ in range(2)]
    return []


# ? return: list[Named | None]
def shadowed(one: Named | None, items: list[Named | None]):
    if one is not None:
        # its own `for` binds `one` again: the outer condition says nothing of it
        return [one for one in items]
    return []


# ? return: str
def encoded(text: str | None, loud: bool):
    if text is not None:
        if loud:
            text += "!"
        # the condition holds for the value it tested, joined by the new one
        return text
    return ""


# ? return: str | None
def mixed(text: str | None, other: str | None, flag: bool):
    if text is not None:
        if flag:
            text = other
        # `other` was never tested
        return text
    return ""


class Leaf:
    label: str = ""


class Branch:
    child: Leaf | None = None


# ? return: Leaf
def leaf_of(node: Leaf | Branch | None, strict: bool):
    if isinstance(node, Branch):
        if node.child is None:
            raise ValueError("empty")
        node = node.child
    elif isinstance(node, Leaf) and strict:
        pass
    else:
        raise ValueError("no leaf")
    # the parameter's value went on only through the `elif`
    return node


# ? return: Leaf | None
def maybe_leaf(node: Leaf | Branch | None, strict: bool):
    if strict:
        pass
    elif isinstance(node, Branch):
        return None
    # through the `if`, `node` was not tested
    return node if not isinstance(node, Branch) else None


class Claim:
    pass


class Holder:
    claim: Claim | None = None


# an assignment expression in the condition is narrowed on the branch that skips the body
# ? return: Claim
def claim_of(holder: Holder):
    if (claim := holder.claim) is None:
        claim = holder.claim = Claim()
    return claim


class Registry:
    def __init__(self) -> None:
        self._claims: dict[str, Claim] = {}

    # a chained assignment in the if's body assigns the name too
    # ? return: Claim
    def get(self, key: str):
        if (claim := self._claims.get(key)) is None:
            self._claims[key] = claim = Claim()
        return claim

    # ? return: Claim
    def get_plain(self, key: str):
        claim = self._claims.get(key)
        if claim is None:
            self._claims[key] = claim = Claim()
        return claim
