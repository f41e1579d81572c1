"""Annotation texts normalised for comparison: forward references, ``Annotated`` and
``Literal`` (a string is a type name except inside ``Literal``)."""

from __future__ import annotations

import pytest

from typelens.typeinfer.normalize import base, label_bases, normalise


@pytest.mark.parametrize(
    ("written", "normal"),
    [
        ("Optional['Context']", "Context | None"),
        ("'Context'", "Context"),
        ("list['CompletionItem']", "list[CompletionItem]"),
        ("Dict['str', List['int']]", "dict[str, list[int]]"),
        ("Union['B', 'A', None]", "A | B | None"),
        ("Annotated[Optional[str], Doc('the name')]", "str | None"),
        ("Annotated['Context', 'a doc string']", "Context"),
        ("Literal['stdin', 'stdout']", "Literal['stdin', 'stdout']"),
        ("Literal[1, -1]", "Literal[1, -1]"),
        ("Optional[Literal['a']]", "Literal['a'] | None"),
        ("'not a type ('", "'not a type ('"),
        ("Generator[int, None, None]", "Generator[int]"),
    ],
)
def test_normalise(written: str, normal: str) -> None:
    assert normalise(written) == normal


def test_base_of_a_forward_reference() -> None:
    assert base(normalise("Optional['list[int]']")) == "None | list"


def test_label_bases_are_the_outermost_classes() -> None:
    assert label_bases("dict[str, list[int]] | None") == {"dict", "None"}
    assert label_bases("Callable[[int], str]") == {"Callable"}
    assert label_bases("list[str] | None") is label_bases("list[str] | None")  # split once per label
