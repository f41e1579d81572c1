"""A ``return`` the code itself marks as not fitting the return type
(``# type: ignore[return-value]``, a bare ``# type: ignore``, pyright's
``reportReturnType``) is left out of the inferred return when it gives a base
class of what every other return gives (a subclass of ``int`` passing on
``int.__add__``'s ``NotImplemented``); any other marked return is kept, and an
ignore for another rule changes nothing."""


class Money(int):
    def _new(self, result):
        return Money(result)

    # ? return: Money
    def __add__(self, other):
        result = int.__add__(self, other)
        if result is NotImplemented:
            return result  # type: ignore[return-value]
        return self._new(result)

    # ? return: Money
    def __sub__(self, other):
        result = int.__sub__(self, other)
        if result is NotImplemented:
            return result  # pyright: ignore[reportReturnType]
        return self._new(result)


# ? return: str | bytes
def label(value: bytes | int):
    if isinstance(value, bytes):
        return value  # type: ignore
    return str(value)


# ? return: int | str
def size(value):
    if value:
        return len(value)  # type: ignore[arg-type]
    return 0 if value is None else "empty"


# ? return: bytes
def only():
    return b"x"  # type: ignore[return-value]


# ? return: tuple[str, int] | None
def pair(value):
    if value is None:
        return value
    if isinstance(value, str):
        return (value.lower(), len(value))  # type: ignore[return-value]
    raise ValueError(value)
