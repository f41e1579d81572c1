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
