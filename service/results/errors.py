"""Results' refusals."""
from __future__ import annotations

from service.core.errors import Conflict


class NotClosed(Conflict):
    code, message = "not_closed", "results are counted once voting has closed"
    zh, when = "投票结束后才能查看结果", "results, comments and exports before the close (`details.state`)"
