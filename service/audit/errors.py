"""The auditor's refusals."""
from __future__ import annotations

from service.core.errors import Conflict, Invalid, NotFound


class CheckpointTooEarly(Conflict):
    code, message = "checkpoint_too_early", "a checkpoint is signed once voting has closed"
    zh = "投票结束后才能签署检查点：投票期间的检查点会暴露已混合选票的时间"
    when = ("a checkpoint asked for while the campaign is still open or not yet open (`details.state`): "
            "during voting a tree of the trackers mixed so far would date each ballot")


class NoSuchRound(NotFound):
    code, message = "round_not_found", "no such round in this campaign"
    zh, when = "本活动没有这一轮次", "a round id that is not one of the campaign's"


class BadLogFilter(Invalid):
    code, message = "bad_log_filter", "the audit log's filters do not read"
    zh = "筛选条件有误：活动编号和条数须为整数（条数 1–1000），日期须为 YYYY-MM-DD"
    when = "GET /audit/log with a campaign_id or limit that is not a whole number, or a date that is not YYYY-MM-DD"
