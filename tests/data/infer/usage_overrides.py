"""Usage constraints from overrides: a parameter of a method takes the type of the
same parameter in the methods it overrides (or that override it)."""


class Handler:
    def handle(self, request: str) -> None:
        raise NotImplementedError


class Quiet(Handler):
    # ? request: str
    def handle(self, request):
        return None


class Base:
    def render(self, width):
        return "-" * width


class Narrow(Base):
    # ? width: int
    def render(self, width):
        return ""
