from decimal import Decimal

from .models import Order

TAX_RATE = 0.2


def total_price(order, with_tax=True):
    total = 0.0
    for item in order.items:
        total += item.subtotal()
    if with_tax:
        total = total * (1 + TAX_RATE)
    return round(total, 2)


def apply_discount(price, code=None):
    if code is None:
        return price
    if isinstance(price, Decimal):
        return price * Decimal("0.9")
    rates = {"SPRING": 0.1, "VIP": 0.25}
    rate = rates.get(code, 0.0)
    return price * (1 - rate)


def cheapest(order: Order):
    best = None
    for item in order.items:
        if best is None or item.price < best.price:
            best = item
    return best
