import json
import os
import re
from collections import OrderedDict
from pathlib import Path

# ? home: str | None
home = os.environ.get("HOME")
# ? joined: str
joined = os.path.join("a", "b")
# ? cfg: Path
cfg = Path("settings") / "app.json"
# ? text: str
text = cfg.read_text()
# ? found: Match[str] | None
found = re.search(r"\d+", text)
# ? dumped: str
dumped = json.dumps({"a": 1})
# ? ordered: OrderedDict
ordered = OrderedDict()
# ? exists: bool
exists = cfg.exists()
with open("data.txt") as handle:
    # ? first: str
    first = handle.readline()


class Proxy:
    def __init__(self, target: object) -> None:
        self._target = target

    # getattr(o, name) declares -> Any: Any is what the code says
    # ? return: Any
    def __getattr__(self, name: str):
        return getattr(self._target, name)


# ? return: Any
def parsed(text: str):
    return json.loads(text)


# an overloaded function as a value (``str.lower``): what its signatures return
# ? return: list[str]
def lowered(value: list[str]):
    return list(map(str.lower, value))
