"""A module with a syntax error: typelens still analyses everything around it."""

from .service import OrderService


def summary(service: OrderService, customers):
    lines = []
    for name in customers:
        lines.append(f"{name}: {service.checkout(name)}"
    return "\n".join(lines)


def count(customers):
    return len(customers)
