from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Item:
    sku: str
    price: float
    quantity: int = 1

    def subtotal(self):
        return self.price * self.quantity


@dataclass
class Order:
    customer: str
    items: list = field(default_factory=list)
    created: datetime = field(default_factory=datetime.now)
    note = None

    def add(self, item):
        self.items.append(item)
        return self

    def find(self, sku):
        for item in self.items:
            if item.sku == sku:
                return item
        return None

    def is_empty(self):
        return not self.items
