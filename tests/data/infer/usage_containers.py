"""Usage constraints from containers: a key or index of a declared container,
and membership (``p in names``)."""

import email.message


class Shop:
    def __init__(self) -> None:
        self.orders: dict[str, int] = {}
        self.names: list[str] = []

    # ? customer: str
    def checkout(self, customer):
        return self.orders.get(customer)

    # ? customer: str
    def save(self, customer):
        return self.orders[customer]

    # ? position: int
    def name_at(self, position):
        return self.names[position]

    # ? name: str
    def known(self, name):
        return name in self.names


# ? key: str
def lookup(table: dict[str, int], key):
    return table[key]


# ? key: str
def store(table: dict[str, float], key, value: float) -> None:
    table[key] = value


class Letter(email.message.EmailMessage):
    pass


# .get fits a dict as well as Letter's library base (email's Message): no answer
# ? table: ?
def lookup_header(table, key: str):
    return table.get(key)
