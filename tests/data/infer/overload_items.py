"""An ``@overload`` item's parameters are the implementation's (the items are
never called themselves); an ``= ...`` default is a placeholder, not a value."""

from typing import overload


@overload
# ? url: str
# ? timeout: float | None
def fetch(url, *, timeout=...): ...
@overload
# ? binary: bool
def fetch(url, *, timeout=..., binary=...): ...
def fetch(url, *, timeout=None, binary=False):
    return url


fetch("http://example.org", timeout=2.5)


# ? marker: ?
def placeholder(marker=...):
    return marker
