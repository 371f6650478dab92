"""The one call other apps make: ``match_after_commit("report", report.pk)``.

Called inside the transaction that creates the item. A worker never sees a half-saved item, and
the matching task is enqueued always, whether or not any flag exists, so the response of the
member who made the item does not depend on flags.

How depends on the task backend:

- the database backend (the default) writes the task row inside the caller's transaction: it
  commits or rolls back with the item, and no worker can see it before the commit. Enqueueing it
  after the commit instead cost a second write transaction per item (on SQLite a second wait for
  the write lock and a second commit; measured in ``bench/bench_reports_intake.py``);
- any other backend (Redis queues, the tests' immediate backend) is handed the task once the
  transaction has committed; a failure to enqueue there is logged and never breaks the member's
  action (``robust``).
"""

from __future__ import annotations

from django.db import transaction


def match_after_commit(item_type: str, item_id: int) -> None:
    from samenveilig.flags.tasks import match_item

    if _writes_to_this_database(match_item):
        match_item.enqueue(item_type, item_id)
        return

    def enqueue() -> None:
        match_item.enqueue(item_type, item_id)

    transaction.on_commit(enqueue, robust=True)


def _writes_to_this_database(task: object) -> bool:
    """Whether ``task`` is queued as a row of the database the caller writes to."""
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(task.get_backend(), DatabaseBackend)  # type: ignore[attr-defined]
