"""The campaigns' refusals (the registry is service.core.errors.REGISTRY)."""
from __future__ import annotations

from service.core.errors import Conflict, Invalid, NotFound


class CampaignNotEditable(Conflict):
    code, message = "campaign_not_editable", "only a draft campaign can be edited"
    zh = "活动{state}，不能再修改（只有草稿可以修改）"
    when = "a change to a campaign's parts or rules after its draft (`details.state`)"


class NotReady(Conflict):
    code, message = "not_ready", "the campaign is not ready to be announced"
    zh, when = "活动还不能公告，请先完成：", "announcing a draft that lacks parts (`details.problems` lists them)"


class InUse(Conflict):
    code, message = "in_use", "the part is named by a section; edit the section first"
    zh, when = "该项目正被某个题目使用，请先修改题目", "deleting a group or subject a section names (`details.sections`)"


class UsePublication(Conflict):
    code, message = "use_publication", "publish the proposed honourees with POST …/publication"
    zh = "请用“发布公示”表单发布拟表彰名单，活动随之进入公示"
    when = "a transition to `published`, which only publishing a 公示 makes"


class NotConfirmed(Conflict):
    code, message = "not_confirmed", "confirm the final list (表彰) before archiving"
    zh, when = "请先确定最终名单（表彰），再归档", "archiving a published campaign whose final list is not confirmed"


class PublicityNotEnded(Conflict):
    code, message = "publicity_not_ended", "the 公示 has not ended yet"
    zh = "公示期到 {ends_on} 结束；公示结束并确定最终名单后才能归档"
    when = "archiving while the 公示 still runs (`details.ends_on`)"


class ImportFailed(Invalid):
    code, message = "import_failed", "the file could not be imported"
    zh, when = None, "a subject file that cannot be read, or has bad rows (`details.rows`); nothing is imported"


class UnknownTemplate(NotFound):
    code, message = "unknown_template", "no campaign template by that key"
    zh, when = "没有这个活动模板", "creating a campaign from a template key that is no file of service/campaigns/templates/"


class CannotMove(Conflict):
    code, message = "cannot_move", "the part is already first or last"
    zh, when = "已经是第一项或最后一项，不能再移动", "moving the first part up or the last one down (`details.direction`)"
