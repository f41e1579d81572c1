"""Star arguments: ``*args`` is a tuple of what the calls pass, ``**kwargs`` a
dict from str; a starred argument at a call spreads its elements."""


# ? integers: tuple[int, ...]
# ? return: int
def my_sum(a, b, *integers):
    total = a + b
    for i in integers:
        total += i
    return total


# ? s: int
s = my_sum(1, 2, 3, 4)


# ? options: dict[str, str]
def configure(name, **options):
    return options


# ? conf: dict[str, str]
conf = configure("x", mode="fast", level="high")


def first(*values):
    return values[0]


# ? one: str
one = first("a", "b")


def count(*items):
    return len(items)


# ? n: int
n = count(1, 2)

pair = (1, 2)


def add(a, b):
    return a + b


# ? total: int
total = add(*pair)
# ? spread: int
spread = my_sum(*pair)

named = {"a": 1.5, "b": 2.5}
# ? scaled: float
scaled = add(**named)


def keys_of(**kw):
    return list(kw)


# ? names: list[str]
names = keys_of(x=1)


# ? args: tuple[str, ...]
# ? kwargs: dict[str, int]
def forward(*args, **kwargs):
    return args, kwargs


forward("a", "b", limit=3)


def annotated(*args: int, **kwargs: str):
    # ? first_arg: int
    first_arg = args[0]
    # ? value: str
    value = kwargs["k"]
    return first_arg, value
