"""Attributes missing on a union member or on a module; None called; operators and argument types."""

import json
import os


class Checking:
    def __init__(self) -> None:
        self.balance = 0


class Savings:
    def __init__(self) -> None:
        self.balance = 0
        self.rate = 0.1


def pick(flag: bool) -> Checking | Savings:
    return Checking() if flag else Savings()


account = pick(True)
print(account.balance)
print(account.balanse)  # planted: union-attr
print(account.rate)  # planted: union-attr

config = json.lods("{}")  # planted: module-attr
where = os.nope  # planted: module-attr
print(os.path.sep, json.dumps({}))

handler = None
handler()  # planted: call-none

label = "total: " + 3  # planted: operator
pair = [1]
merged = pair + (2,)  # planted: operator
ok = "n=%d" % 3 + "!"


def pad(text: str, width: int) -> str:
    return text.rjust(width)


pad("x", "3")  # planted: arg-type
pad("x", 3)
salt = os.urandom("8")  # planted: arg-type
