"""Delivery channels (ALR-4). Each channel turns one ``Delivery`` into one message on the wire.

A sender is opened once per batch (one SMTP connection, one HTTP session), sends deliveries one
by one and raises ``DeliveryFailed`` for a message that did not go out; the fan-out records the
failure and retries that delivery later with back-off, without holding up the rest of the batch
or the other channels.
"""

from __future__ import annotations

from typing import Protocol

from samenveilig.alerts.models import Alert, Channel, Delivery


class DeliveryFailed(Exception):
    """``reason`` is stored on the delivery: short, technical, never personal data."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason[:200]
        self.permanent = permanent


class Sender(Protocol):
    def open(self) -> None: ...

    def send(self, alert: Alert, delivery: Delivery) -> None: ...

    def close(self) -> None: ...


def sender_for(channel: str) -> Sender:
    if channel == Channel.EMAIL:
        from samenveilig.alerts.channels.email import EmailSender

        return EmailSender()
    if channel == Channel.WEBHOOK:
        from samenveilig.alerts.channels.webhook import WebhookSender

        return WebhookSender()
    if channel == Channel.PUSH:
        from samenveilig.alerts.channels.push import PushSender

        return PushSender()
    raise ValueError(f"No sender for channel {channel!r}")
