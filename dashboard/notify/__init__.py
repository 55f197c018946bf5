"""On-call notifications of safety answers: the outbox, its delivery, the worker draining it."""

from dashboard.notify.outbox import OUTBOX_COLUMNS, enqueue, outbox_rows, undelivered
from dashboard.notify.worker import Drained, Sender, drain

__all__ = ["OUTBOX_COLUMNS", "Drained", "Sender", "drain", "enqueue", "outbox_rows", "undelivered"]
