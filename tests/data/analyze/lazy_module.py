"""A module that answers any attribute (PEP 562)."""


def __getattr__(name: str) -> int:
    return len(name)
