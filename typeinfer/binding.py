"""Arguments bound to parameters, ``*`` and ``**`` on both sides of a call.

A call's arguments are read as positional types and keyword types
(:func:`~typelens.typeinfer.callables.CallModel.arguments`); a starred argument
spreads its elements: a tuple of known length becomes that many positional
arguments, any other iterable one argument of its element type under the key
``STAR`` ("any number of these"), and a ``**mapping`` its value type under
``DOUBLE_STAR``.  :func:`bind` pairs parameters with what they receive: a
``*args`` parameter gets ``tuple[T, ...]`` of the extra positional arguments, a
``**kwargs`` parameter ``dict[str, T]`` of the extra keywords.

Example (what each parameter receives on the right)::

    def my_sum(a, b, *rest, **opts): ...
    my_sum(1, 2, 3, 4, k="x")      # a: int, b: int, rest: tuple[int, ...], opts: dict[str, str]
    pair = (1, 2)
    my_sum(*pair)                  # a: int, b: int (rest, opts: nothing passed)
    my_sum(**{"a": 1.5, "b": 2.5}) # a: float, b: float
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final, Sequence

from .types import NEVER, ClassType, Type, make_union

if TYPE_CHECKING:
    from .callables import Param

logger = logging.getLogger(__name__)

STAR: Final = "*"  # kwargs key: the element type of a ``*iterable`` of unknown length
DOUBLE_STAR: Final = "**"  # kwargs key: the value type of a ``**mapping``
_SPREAD: Final = (STAR, DOUBLE_STAR)
ELLIPSIS: Final = ClassType("...")


def spread_tuple(t: Type) -> tuple[Type, ...] | None:
    """The element types of a tuple of known length, else None."""
    if isinstance(t, ClassType) and t.name == "tuple" and t.args and t.args[-1] != ELLIPSIS:
        return t.args
    return None


def named_keywords(kwargs: dict[str, Type]) -> dict[str, Type]:
    """The keyword arguments passed by name (the spread ones left out)."""
    return {k: v for k, v in kwargs.items() if k not in _SPREAD}


def has_spread(kwargs: dict[str, Type]) -> bool:
    return any(k in kwargs for k in _SPREAD)


def bind(params: Sequence["Param"], args: Sequence[Type], kwargs: dict[str, Type]) -> list[tuple["Param", Type]]:
    """``(parameter, the type it receives)`` for each parameter a call fills."""
    positional = [p for p in params if p.kind == "positional"]
    named = named_keywords(kwargs)
    star, double = kwargs.get(STAR), kwargs.get(DOUBLE_STAR)
    pairs: list[tuple[Param, Type]] = list(zip(positional, args))
    filled = {p.node for p, _ in pairs}
    names = {p.name for p in params if p.kind in ("positional", "keyword_only")}
    for p in params:
        if p.kind in ("positional", "keyword_only") and p.node not in filled:
            given = named.get(p.name)
            if given is None and p.kind == "positional" and star is not None:
                given = star
            if given is None and double is not None:
                given = double
            if given is not None:
                pairs.append((p, given))
        elif p.kind == "var_positional":
            extra = [*args[len(positional) :], *([star] if star is not None else [])]
            if extra:
                pairs.append((p, _variadic("tuple", make_union(extra))))
        elif p.kind == "var_keyword":
            extra = [v for k, v in named.items() if k not in names] + ([double] if double is not None else [])
            if extra:
                pairs.append((p, _variadic("dict", make_union(extra))))
    return pairs


def element_of_bound(param: "Param", value: Type) -> Type:
    """What one argument of ``param`` is: the element of a ``*args`` tuple or a
    ``**kwargs`` dict, else ``value`` itself (an annotation names the element)."""
    if param.kind in ("var_positional", "var_keyword") and isinstance(value, ClassType) and value.args:
        return value.args[0] if param.kind == "var_positional" else value.args[-1]
    return value


def _variadic(name: str, element: Type) -> Type:
    if element == NEVER:
        return NEVER
    return (
        ClassType("tuple", (element, ELLIPSIS)) if name == "tuple" else ClassType("dict", (ClassType("str"), element))
    )
