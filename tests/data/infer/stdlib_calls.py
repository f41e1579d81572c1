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
