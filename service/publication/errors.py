"""The 公示's refusals: its window, its objections, its final list, its calendar."""
from __future__ import annotations

from service.core.errors import Conflict, Invalid


class WindowClosed(Conflict):
    code, message = "window_closed", "objections are taken during the publicity window only"
    zh, when = "不在公示期内，不受理意见", "an objection outside the 公示 window (`details.status`)"


class AlreadyConfirmed(Conflict):
    code, message = "already_confirmed", "the final list is already confirmed"
    zh, when = "最终名单已经确定", "confirming, or answering objections, after the final list is confirmed"


class WindowOpen(Conflict):
    code, message = "window_open", "the publicity window is still open"
    zh = "公示期到 {ends_on} 结束，结束后才能确定最终名单"
    when = "confirming the final list while the 公示 runs (`details.ends_on`)"


class ObjectionsOpen(Conflict):
    code, message = "objections_open", "some objections have no answer yet"
    zh = "还有 {open_objections} 条异议尚未处理：请先处理，或勾选“仍要确定最终名单”后再确定"
    when = "confirming with unanswered objections, unless `despite_open_objections` (`details.open_objections`)"


class BackdatedWithoutReason(Conflict):
    code, message = "backdated_without_reason", "a 公示 cannot start before today unless you state why"
    zh = "公示开始日期早于今天（{today}），请填写提前开始的原因"
    when = "a 公示 starting before today without `backdate_reason` (`details.today`)"


class WindowAlreadyOver(Conflict):
    code, message = "window_already_over", "that 公示 would have ended before today"
    zh = "按这个开始日期，公示期到 {ends_on} 就已结束（今天是 {today}），群众没有反映意见的时间；请选择较晚的开始日期"
    when = "a 公示 whose every day is past (`details.ends_on`, `details.today`)"


class ScheduleInvalid(Invalid):
    code, message = "schedule_invalid", "the holiday schedule is invalid; nothing was saved"
    zh, when = None, "a holiday schedule with errors (`details.problems`, each with its line)"


class CalendarUnknown(Invalid):
    code, message = "calendar_unknown", "the holiday schedule of that year is not known yet"
    zh = None
    when = ("a 公示 window reaches a year whose holiday schedule is not known (`details.year`, and the "
            "`page` and `command` that enter it: docs/calendar.md)")
