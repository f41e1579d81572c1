"""A small shop: the example project typelens analyses in `make run`."""

from .models import Item, Order
from .pricing import apply_discount, total_price

__all__ = ["Item", "Order", "apply_discount", "total_price"]
