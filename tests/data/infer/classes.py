from dataclasses import dataclass


class Account:
    # ? currency: str
    currency = "EUR"

    def __init__(self, owner: str, balance=0.0):
        # ? owner: str
        self.owner = owner
        # ? balance: float
        self.balance = balance
        # ? history: list[float]
        self.history = [balance]

    @property
    # ? return: str
    def label(self):
        return self.owner.title()

    @staticmethod
    # ? return: int
    def version():
        return 2

    @classmethod
    # ``cls(...)``: the class it is called on, a subclass's too (PEP 673)
    # ? return: Self
    def empty(cls, owner: str):
        return cls(owner)

    # ? return: float
    # ? amount: float
    def deposit(self, amount):
        self.balance += amount
        self.history.append(amount)
        return self.balance


@dataclass
class Point:
    x: float
    y: float = 0.0

    # ? return: float
    def norm(self):
        return (self.x ** 2 + self.y ** 2) ** 0.5


# ? acct: Account
acct = Account("ann")
# ? shown: str
shown = acct.label
# ? after: float
after = acct.deposit(5.5)
# ? p: Point
p = Point(1.0)
# ? n: float
n = p.norm()
# ? other: Account
other = Account.empty("bob")
