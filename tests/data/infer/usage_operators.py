"""Usage constraints from operators: an operand whose other side fixes it, an
ordering comparison, a format specification, and ``==`` only when nothing else
is known."""


# ? name: str
# ? return: str
def greet(name):
    return "hi " + name


# ? x: float
def half(x):
    return x / 2.0


# ? count: int
def next_count(count):
    return count + 1


# ? limit: int
def over(values: list[int], limit):
    return [v for v in values if v > limit]


# ? amount: float
def money(amount):
    return f"{amount:.2f} EUR"


# ? code: str
def is_vip(code):
    return code == "VIP"


# ? code: str
def vip_or_spring(code):
    if code == "SPRING":
        return 0.1
    return 0.25 if code.startswith("V") else 0.0


# ? sku: ?
def find(items: list, sku):
    for item in items:
        if item.sku == sku:
            return item
    return None


# what every object has says nothing of a class: not ``str`` for ``__class__``
# ? thing: ?
def kind_of(thing):
    return thing.__class__.__name__


# ? text: str
def described(text):
    return text.__doc__, text.upper()
