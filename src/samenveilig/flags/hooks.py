"""The one call other apps make: ``match_after_commit("report", report.pk)``.

Called inside the transaction that creates the item; the matching task is enqueued only once that
transaction commits (a worker never sees a half-saved item) and always, whether or not any flag
exists, so the response of the member who made the item does not depend on flags. A failure to
enqueue is logged and never breaks the member's action (``robust``).
"""

from __future__ import annotations

from django.db import transaction


def match_after_commit(item_type: str, item_id: int) -> None:
    def enqueue() -> None:
        from samenveilig.flags.tasks import match_item

        match_item.enqueue(item_type, item_id)

    transaction.on_commit(enqueue, robust=True)
