class Abort(Exception):
    pass


class Context:
    def __init__(self, name: str):
        self.name = name

    # ? return: NoReturn
    def abort(self):
        raise Abort(self.name)

    # ? return: bool
    # ? other: object
    def __eq__(self, other):
        if not isinstance(other, Context):
            return NotImplemented
        return self.name == other.name

    # ? return: int
    def __hash__(self):
        return hash(self.name)


class Command:
    # raises only: what its override returns (a call on a Command reaches Group.invoke)
    # ? return: None
    def invoke(self, ctx: Context):
        raise NotImplementedError

    # ? return: str
    def usage(self, ctx: Context, width=80):
        return ctx.name[:width]


class Group(Command):
    # ? ctx: Context
    # ? return: str
    def usage(self, ctx, width=80):
        return "group"

    # ? ctx: Context
    def invoke(self, ctx):
        print(ctx)


class Formatter:
    # ? return: str
    def render(self, text):
        return text.upper()


class Plain(Formatter):
    # ? text: str
    # ? return: str
    def render(self, text):
        raise NotImplementedError


# ? return: NoReturn
def fail(message: str):
    raise ValueError(message)


# ? return: int
def checked(value: int):
    if value < 0:
        fail("negative")
    return value


# ? items: list | None
# ? limit: int | None
def take(items=None, limit=None):
    if items is None:
        items = []
    if limit is None:
        limit = len(items)
    return items[:limit]


class Shape:
    pass


class Circle(Shape):
    pass


class Box(Shape):
    pass


# ? shape: Shape
def draw(shape):
    return shape


draw(Circle())
draw(Box())


# ? item: Shape
def keep(item):
    return item


keep(Shape())
keep(Circle())


class Piece:
    # ? return: list[str]
    def usage_pieces(self):
        return []

    # ? return: list[str]
    def names(self):
        return ["a"]


class Flag(Piece):
    def usage_pieces(self):
        return ["--flag"]

    # ? return: list[str]
    def names(self):
        return []


class Resource:
    def __enter__(self):
        return self

    # ? exc_type: type[BaseException] | None
    # ? exc_value: BaseException | None
    # ? tb: TracebackType | None
    def __exit__(self, exc_type, exc_value, tb):
        self.close()

    def close(self):
        pass
