# ? count: int
count = 3
# ? ratio: float
ratio = count / 2
# ? name: str
name = "shop" + "!"
# ? raw: bytes
raw = b"\x00"
# ? flags: list[bool]
flags = [True, False]
# ? table: dict[str, int]
table = {"a": 1, "b": 2}
# ? pair: tuple[int, str]
pair = (1, "x")
# ? unique: set[str]
unique = {name, "y"}
# ? squares: list[int]
squares = [n * n for n in range(10)]
# ? lookup: dict[str, float]
lookup = {k: float(v) for k, v in table.items()}
# ? first: int
first = pair[0]
# ? maybe: int | None
maybe = table.get("a")
# ? words: list[str]
words = name.upper().split(",")
# ? label: str
label = f"{name}-{count}"
# ? nothing: None
nothing = None
