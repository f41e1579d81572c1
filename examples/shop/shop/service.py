import json
import logging
from pathlib import Path

from . import pricing
from .models import Item, Order

logger = logging.getLogger(__name__)


class OrderService:
    def __init__(self, store_dir):
        self.store_dir = Path(store_dir)
        self.orders: dict[str, Order] = {}

    def create(self, customer, skus):
        order = Order(customer)
        for sku in skus:
            order.add(Item(sku, 9.99))
        self.orders[customer] = order
        return order

    def checkout(self, customer, code=None):
        order = self.orders.get(customer)
        price = pricing.total_price(order)
        price = pricing.apply_discount(price, code)
        logger.info("checkout %s: %s", customer, price)
        return price

    def save(self, customer):
        order = self.orders[customer]
        path = self.store_dir / f"{customer}.json"
        data = {"customer": order.customer, "skus": [i.sku for i in order.items]}
        path.write_text(json.dumps(data))
        return path

    def describe(self, customer):
        order = self.orders.get(customer)
        cheapest = pricing.cheapest(order)
        return order.customr + ": " + cheapest.sku
