from typing import NewType, cast

Name = NewType("Name", str)


# ``cast`` to a NewType (named in a string too) is that type
# ? return: Name
def canon(value: str):
    return cast("Name", value.lower())


# calling a NewType makes one
# ? return: Name
def make(value: str):
    return Name(value)


# it has its base's members
# ? return: str
def upper(n: Name):
    return n.upper()


# ? return: tuple[Name, int]
def pair(value: str):
    return make(value), 1


# ? return: list[Name]
def names(values: list[str]):
    return [Name(v) for v in values]
