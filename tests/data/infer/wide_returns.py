# a value of three or more unrelated types is written Any
# ? return: Any
def default(kind: int):
    if kind == 1:
        return 1
    if kind == 2:
        return "one"
    if kind == 3:
        return [1]
    return None


# ? value: Any | None
def show(value=None):
    print(value)


show(1)
show("one")
show(b"one")

# two stay a union
# ? return: int | str
def either(flag: bool):
    return 1 if flag else "one"


class Shape:
    pass


class Circle(Shape):
    pass


class Square(Shape):
    pass


class Line(Shape):
    pass


# many project classes with a shared base: the base
# ? return: Shape
def make(kind: int):
    if kind == 1:
        return Circle()
    if kind == 2:
        return Square()
    return Line()


def untyped(x):
    return x.load()


# a known value, None and one the analysis does not know: Any
# ? return: Any
def loaded(source, flag: int):
    if flag == 1:
        return untyped(source)
    if flag == 2:
        return 0
    return None


# a known value and one it does not know: what is known (as before)
# ? return: int
def counted(source, flag: bool):
    if flag:
        return untyped(source)
    return 0
