"""Arity and keywords of builtins, stubs, constructors and project functions."""

import json
import os


def read(path):
    with open(path, bogus=1) as f:  # planted: call-arg
        return f.read()


items = [1, 2, 3]
count = len(items, 1)  # planted: call-arg
os.makedirs("out", exists_ok=True)  # planted: call-arg
joined = os.path.join()  # planted: call-arg
parts = "a,b".split(",", 1, 2)  # planted: call-arg
table = {"a": 1}
value = table.get()  # planted: call-arg
number = int("3", 10, 2)  # planted: call-arg


class Account:
    def __init__(self, owner, balance=0):
        self.owner = owner
        self.balance = balance

    def deposit(self, amount):
        self.balance += amount


first = Account()  # planted: call-arg
second = Account("ann", 1, 2)  # planted: call-arg
third = Account("bob", bal=3)  # planted: call-arg
second.deposit()  # planted: call-arg
second.deposit(1, 2)  # planted: call-arg


def scale(value, /, factor=2, *, clamp=False):
    return value * factor if not clamp else value


scale(value=1)  # planted: call-arg
scale(1, 2, True)  # planted: call-arg
scale(1, 3, factor=2)  # planted: call-arg
scale(1, factor=2, clamp=True)


class Plain:
    pass


Plain(1)  # planted: call-arg
