"""Tools and a refund orchestrator for examples/customer_support.yaml.

A tiny in-memory shop: accounts, orders and refunds, deterministic, no network.
"""

from __future__ import annotations

from sdialog.orchestrators import BaseOrchestrator

ORDERS = {
    "A100": {"item": "coffee grinder", "price": 49.0, "status": "delivered"},
    "A101": {"item": "espresso cups", "price": 18.5, "status": "in transit"},
    "A102": {"item": "milk frother", "price": 29.9, "status": "delivered, damaged"},
}


def lookup_order(order_id: str) -> dict:
    """Look up an order by its id.

    Args:
        order_id: the order id, e.g. A100.
    """
    order = ORDERS.get(order_id.strip().upper())
    if order is None:
        raise KeyError(f"no order {order_id!r}")
    return order


def issue_refund(order_id: str, reason: str) -> str:
    """Refund an order in full.

    Args:
        order_id: the order to refund.
        reason: why the customer wants the refund.
    """
    order = lookup_order(order_id)
    return f"refunded {order['price']:.2f} EUR for the {order['item']}"


class RefundOrchestrator(BaseOrchestrator):
    """When the customer asks for their money back, steer the agent through the refund policy."""

    WORDS = ("refund", "money back", "return", "broken", "damaged")

    def instruct(self, dialog, utterance):
        if utterance and any(word in utterance.lower() for word in self.WORDS):
            return (
                "The customer wants a refund: ask for the order id if you do not have it, "
                "check the order with lookup_order, then use issue_refund and confirm the amount."
            )
        return None
