"""Signals of the reports app.

``report_made_from`` — a report was sent from a form another page pre-filled (a task's checklist
item or closing note, TSK-1). Sent inside the transaction that saved the report, with
``report``, ``user`` (the reporter) and ``origin`` (``{"kind": str, "id": int}`` as the other
page put it in the pre-fill). The receiver checks the user may still link it; it must not send
mail or call out, and an error in it rolls the report back with it.
"""

from django.dispatch import Signal

report_made_from = Signal()
