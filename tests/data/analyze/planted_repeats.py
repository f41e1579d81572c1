"""The same question asked again in one file: a guard kept for one body must not
cover the read beside it, a module's or a class's answer kept for one read must
hold for the next, and for no other module or class."""

import json
import os
import sys


class Box:
    def __init__(self, size: int) -> None:
        self.size = size


class Pair:
    def __init__(self, left: int, right: int) -> None:
        self.left = left
        self.right = right


def scale(value: float, factor: int) -> float:
    return value * factor


def guarded(box: Box) -> int:
    try:
        first = box.sise  # an AttributeError handler is beside it: nothing
    except AttributeError:
        first = 0
    second = box.sise  # planted: attr-defined
    if sys.platform == "win32":
        return box.handle + first + second  # the platform is tested: nothing
    return box.handle  # planted: attr-defined


print(json.dumps({}), json.lods("{}"))  # planted: module-attr
print(json.dumps([]), json.lods("[]"))  # planted: module-attr
print(os.sep, os.lods)  # planted: module-attr
print(os.path.sep)

Box(1)
Box(1, 2)  # planted: call-arg
Box(2, 3)  # planted: call-arg
Pair(1)  # planted: call-arg
Pair(1, 2)

scale(1.0, 2)
scale(1.0, "2")  # planted: arg-type
scale(2.0, "3")  # planted: arg-type
scale("1.0", 2)  # planted: arg-type
