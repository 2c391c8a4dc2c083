"""What people read on the pages, in Chinese: field labels, every message the schemas and the
operations give (the API keeps its English for developers), every error code's sentence, and
every event in words. tests/test_messages.py reads the source for messages and fails on one
this catalogue cannot say in Chinese.
"""
from __future__ import annotations

import re

from ballots.lifecycle import LABELS as STATE_LABELS
from service.core.errors import REGISTRY

FIELD_LABELS = {
    "title": "标题", "description": "说明", "name": "名称", "weight": "权重", "criteria": "评价标准",
    "eligible": "应参评人数", "kind": "类型", "category": "类别", "unit": "单位", "commitment": "公开承诺",
    "type": "题型", "config": "", "max_choices": "限选人数", "quota": "名额", "max_length": "字数上限",
    "username": "用户名", "password": "密码", "role": "角色", "scopes": "权限范围", "round_id": "轮次", "opens_at": "开始时间", "closes_at": "结束时间", "also_round_ids": "同一张选票还包含",
    "rules": "", "pass_line": "达标线", "laggard_share": "后进比例", "small_group_k": "最少公布人数",
    "min": "最低分", "max": "最高分", "trim_above": "去掉最高最低分的人数门槛", "file": "文件",
    "caps": "比例上限", "options": "选项", "scale": "量表", "position": "顺序", "publicity_days": "公示天数",
    "group_id": "参评群体", "size": "张数", "label": "批次说明", "layout": "版式", "code": "票码",
    "subject_id": "对象", "subject_ids": "指定对象", "group_ids": "适用群体", "honourees": "拟表彰对象",
    "honouree_ids": "最终名单", "honouree_id": "涉及对象", "starts_on": "公示开始日期", "note": "公示说明",
    "backdate_reason": "提前开始的原因", "award": "表彰称号", "body": "意见内容", "contact": "联系方式",
    "status": "处理结果", "reply": "处理意见", "score": "评分", "comment": "点评", "source": "评分来源",
    "time_zone": "时区", "quorum": "有效门槛", "share": "比例", "base": "基数", "majority": "推荐得票",
    "threshold": "门槛", "weight_base": "权重归一", "sources": "来源权重", "ballots": "师生测评",
    "organisation": "组织考评", "leaders": "领导点评", "sources_trim_above": "去掉最高最低分的人数门槛",
    "write_ins": "另选他人", "identical_invalid": "分数相同无效", "option": "选项", "max_share": "比例上限",
    "at_least": "高分线", "max_count": "高分线以上至多人数", "floors": "低分线", "below": "低分线",
    "min_count": "低分线以下至少人数", "display_name": "显示名称", "disabled": "停用", "to": "目标状态",
    "voter_ref": "用户标识", "token": "票码", "answers": "答案", "despite_open_objections": "仍要确定",
    "rank_by": "排名依据", "points": "分值", "favourable": "是否好评", "days": "有效天数",
    "rate_per_minute": "每分钟请求上限", "rows": "", "fields": "",
}

# English message (a regular expression, matched whole) → Chinese; named groups carry over.
MESSAGES = [
    (r"Missing data for required field\.", "必填"),
    (r"Not a valid number\.", "不是有效的数字"),
    (r"Not a valid integer\.", "不是有效的整数"),
    (r"Not a valid boolean\.", "取值须为是或否"),
    (r"Not a valid date\.", "不是有效的日期（例如 2026-12-01）"),
    (r"Not a valid list\.", "应为一组取值"),
    (r"Not a valid mapping type\.", "格式不正确（应为对象）"),
    (r"Not a valid string\.", "应为文字"),
    (r"Not a valid utf-8 string\.", "不是有效的 UTF-8 文字"),
    (r"Field may not be null\.", "不能为空"),
    (r"Unknown field\.", "不认识的字段"),
    (r"Invalid input type\.", "格式不正确"),
    (r"Invalid type\.", "格式不正确"),
    (r"Invalid value\.", "取值无效"),
    (r"Number too large\.", "数值过大"),
    (r"Special numeric values \(nan or infinity\) are not permitted\.", "不能是非数字或无穷大"),
    (r"String does not match expected pattern\.", "格式不正确"),
    (r"Control characters and lone surrogates are not allowed\.", "不能包含控制字符"),
    (r"Shorter than minimum length 1\.", "不能为空"),
    (r"Length must be between 0 and (?P<b>\d+)\.", "不能超过 {b} 个字"),
    (r"Length must be between 1 and (?P<b>\d+)\.", "须填写，且不能超过 {b} 个字"),
    (r"Length must be between (?P<a>\d+) and (?P<b>\d+)\.", "长度须在 {a} 至 {b} 之间"),
    (r"Shorter than minimum length (?P<a>\d+)\.", "长度至少为 {a}"),
    (r"Longer than maximum length (?P<b>\d+)\.", "长度不能超过 {b}"),
    (r"Length must be (?P<a>\d+)\.", "长度须为 {a}"),
    (r"Must be greater than or equal to (?P<a>\S+) and less than or equal to (?P<b>\S+)\.", "须在 {a} 至 {b} 之间"),
    (r"Must be greater than or equal to (?P<a>\S+)\.", "不能小于 {a}"),
    (r"Must be less than or equal to (?P<b>\S+)\.", "不能大于 {b}"),
    (r"Must be one of: (?P<c>.*)\.", "取值须为以下之一：{c}"),
    (r"png and svg hold one ballot: size must be 1", "PNG 和 SVG 只能生成一张选票：张数须为 1"),
    (r"not a known time zone \(e\.g\. Asia/Shanghai\)", "不是已知的时区（例如 Asia/Shanghai）"),
    (r"min must be below max", "最低分必须小于最高分"),
    (r"the closing time must come after the opening time", "结束时间须晚于开始时间"),
    (r"the time must lie between the years 2000 and 2100", "时间须在 2000 年到 2100 年之间"),
    (r"name at least one honouree: a 公示 of nobody cannot be undone", "请至少勾选一名拟表彰对象"),
    (r"the closing time has passed already", "结束时间已经过去"),
    (r"cap names an option not on the scale: (?P<o>.*)", "比例上限的选项「{o}」不在量表中"),
    (r"give a subject_id or a name", "请选择对象或填写姓名"),
    (r"may not be blank", "请填写，不能只有空白"),
    (r"a paper ballot holds one round's form: print each round's paper ballots apart",
     "纸质选票只能印一轮的表格：请分别印制各轮的纸质选票"),
    (r"round (?P<r>\d+) is the slip's first round already", "第 {r} 号轮次已是本票的首轮"),
    (r"round (?P<r>\d+) is not in this campaign", "第 {r} 号轮次不属于本活动"),
    (r"the voter group answers no section of round (?P<r>\d+)", "该参评群体在第 {r} 号轮次中没有要填写的内容"),
    (r"each round once", "每个轮次只能选一次"),
    (r"these rounds cannot share the slip", "这些轮次不能合印在同一张选票上"),
    (r"not in this campaign: (?P<x>.*)", "不属于本活动：{x}"),
    (r"not in this campaign", "不属于本活动"),
    (r"ids repeat", "有重复的项目"),
    (r"already in this campaign \(same name and unit\)", "本活动中已有名称和单位都相同的对象"),
    (r"same name and unit as row (?P<n>\d+)", "与第 {n} 行的名称和单位相同"),
    (r"not on the published list: (?P<x>.*)", "不在公示名单中：{x}"),
    (r"not on the published list", "不在公示名单中"),
    (r"not a valid ballot code|the code does not check out", "票码无效，请核对后重新输入"),
    (r"not a ballot code: 28 letters and digits, spaces and dashes allowed", "不是票码：票码为 28 位字母和数字，可带空格和短横线"),
    (r"not a random UUID \(version 4, lower case\)", "不是随机生成的选票编号（第 4 版 UUID，小写）"),
    (r"the body must be a JSON object|expected an object", "请求内容须为 JSON 对象"),
    (r"the key (?P<k>.*) appears twice in one object", "键「{k}」在同一对象中出现了两次"),
    (r"send the file as multipart/form-data in the field `file`", "请上传文件（multipart/form-data 的 file 字段）"),
    (r"give the answers as read, or the reason the sheet is spoiled: one of the two",
     "请填写裁定的答案，或整张作废的原因，二者选一"),
    (r"no such user", "找不到该用户"),
    (r"a user with this name already exists", "已有同名的用户"),
    (r"a (?P<p>\S+) with the same name already exists", "已存在同名的{p}"),
    (r"no such API key", "找不到该 API 密钥"),
    (r"no such campaign", "找不到该测评活动"),
    (r"no such round or voter group in this campaign", "本活动中找不到该轮次或参评群体"),
    (r"no such (?P<p>\S+) in this campaign", "本活动中找不到该{p}"),
    (r"no such batch in this campaign", "本活动中找不到该批次"),
    (r"no such objection in this campaign", "本活动中找不到该异议"),
    (r"no such publication|this campaign has published no list", "本活动没有公示名单"),
    (r"no such resource", "找不到该项目"),
    (r"no such file", "找不到该文件"),
    (r"malformed Authorization header; send 'Bearer <API key>'", "Authorization 请求头格式不正确，应为 Bearer <API 密钥>"),
    (r"unknown or revoked API key", "API 密钥无效或已撤销"),
    (r"authentication required", "请先登录"),
    (r"the request body is not valid JSON", "请求内容不是有效的 JSON"),
    (r"the first row must hold the headings, with at least 名称 \(name\)", "首行须为表头，至少包含“名称”一列"),
    (r"the CSV file is neither UTF-8 nor GB18030 text", "CSV 文件既不是 UTF-8 也不是 GB18030 编码"),
    (r"the CSV file cannot be read: (?P<x>.*)", "无法读取 CSV 文件：{x}"),
    (r"the file is not a readable XLSX workbook", "文件不是可读取的 XLSX 工作簿"),
    (r"the workbook unpacks to (?P<a>\d+) MB, more than a subject list needs \(at most (?P<b>\d+) MB\)",
     "工作簿解压后有 {a} MB，超过对象名单所需（最多 {b} MB）"),
    (r"upload a \.csv or \.xlsx file", "请上传 .csv 或 .xlsx 文件"),
    (r"the file is empty", "文件是空的"),
    (r"at most (?P<n>\d+) rows per file", "每个文件最多 {n} 行"),
    (r"some rows are invalid; nothing was imported", "部分行有误，未导入任何对象"),
    (r"the file has no subject rows", "文件中没有对象"),
    (r"a subject in the file already exists in this campaign", "文件中有对象已在本活动中"),
    (r".+ is possible only while the campaign is announced or open; it is (?P<state>\w+)",
     "只有在“已公告”或“投票中”时才能发放或作废选票；活动当前为「{state}」"),
    (r"ballots can be voided only while the campaign is announced or open; it is (?P<state>\w+)",
     "只有在“已公告”或“投票中”时才能发放或作废选票；活动当前为「{state}」"),
    (r"results are counted once voting has closed; the campaign is (?P<state>\w+)",
     "投票结束后才能计票和公布结果；活动当前为「{state}」"),
    (r"scores are entered while voting is open or closed; the campaign is (?P<state>\w+)",
     "只有在投票中或投票结束后才能录入评分；活动当前为「{state}」"),
    (r"objections are answered while the list is published; the campaign is (?P<state>\w+)",
     "只有在公示期间才能处理异议；活动当前为「{state}」"),
    (r"the final list is confirmed; its objections are settled", "最终名单已经确定，异议处理已结束"),
    (r"the final list is already confirmed", "最终名单已经确定"),
    (r"this voter group answers no section in this round: there is no form to print|"
     r"no section of this round is for this group", "该参评群体在本轮次没有需要回答的题目"),
    (r"too many invalid ballot codes from this client; wait a minute", "无效票码尝试次数过多，请一分钟后再试"),
    (r"unknown state (?P<x>.*)", "未知的状态：{x}"),
    (r"cannot move a campaign from (?P<from>\w+) to (?P<to>\w+): .*", "活动不能从「{from}」变为「{to}」"),
    (r"the request has invalid fields", "提交的内容有误，请检查标出的字段"),
    (r"the file could not be imported", "文件无法导入"),
    (r"one of the same name already exists", "已有同名的项目"),
    (r"the campaign's state does not allow this", "活动当前的状态不允许这一操作"),
    (r"the holiday schedule is invalid; nothing was saved", "节假日安排有误，未保存"),
    (r"the holiday schedule of that year is not known yet", "该年的法定节假日安排尚未录入"),
    (r"the official holiday calendar for (?P<y>\d+) is not known yet.*", "尚无 {y} 年的法定节假日安排"),
]
_COMPILED = [(re.compile(p + r"\Z", re.S), t) for p, t in MESSAGES]

# The values a OneOf offers, as the forms name them.
CHOICE_WORDS = {
    "organisation": "组织", "person": "个人", "evaluation": "测评", "recommendation": "推荐",
    "rating": "满意度测评", "choose": "推荐（限选）", "approve": "赞成/不赞成", "score": "量化打分", "text": "意见建议",
    "satisfaction": "满意度量表", "member": "党员评议量表", "admin": "管理员", "organiser": "组织者",
    "auditor": "审计员", "viewer": "查看者", "teller": "计票人", "supervisor": "监票人", "issued": "发出票数", "eligible": "应参评人数", "valid": "有效票",
    "cast": "收回票", "returned": "按实际收回的群体", "all": "按全部群体", "more_than_half": "超过半数",
    "two_thirds": "三分之二以上", "sixty_percent": "60% 以上", "leaders": "领导点评", "verified": "已核实",
    "rejected": "不成立", "results": "读取结果", "turnout": "读取参评率", "handout": "发放选票", "audit": "审计",
    "organise": "组织测评", **STATE_LABELS,
}
_PART_WORDS = {"group": "参评群体", "subject": "被测评对象", "round": "轮次", "section": "题目"}


def _words(params: dict) -> dict:
    """Names in a message read as the page names them: states by label, parts by their word."""
    out = dict(params)
    for key, value in params.items():
        if key in ("state", "from", "to") and value in STATE_LABELS:
            out[key] = STATE_LABELS[value]
        elif key == "p":
            out[key] = _PART_WORDS.get(value, value)
        elif key == "c":
            out[key] = "、".join(CHOICE_WORDS.get(c, c) for c in value.split(", "))
    return out


class _Blanks(dict):
    def __missing__(self, key):
        return ""


def zh(message: str) -> str | None:
    """The Chinese of a message: itself when it is Chinese already, else from the catalogue."""
    message = str(message)
    if re.search(r"[\u4e00-\u9fff]", message) and not re.match(r"[A-Za-z]", message):
        return message
    for pattern, template in _COMPILED:
        m = pattern.match(message)
        if m:
            return template.format_map(_Blanks(_words(m.groupdict())))
    return None


# Fields whose length is a number of items, and fields whose pattern a person needs spelled out.
LIST_FIELDS = {"scopes", "honourees", "honouree_ids", "subject_ids", "group_ids", "criteria", "caps", "floors",
               "options"}
PATTERN_HINTS = {"username": "2–64 位英文字母、数字或 _ . @ -", "token": "28 位字母和数字"}


def _field_zh(key, message: str) -> str:
    m = re.fullmatch(r"Length must be between (\d+) and (\d+)\.", message)
    if key in LIST_FIELDS and m:
        low, high = m.groups()
        return f"请选择 {low} 至 {high} 项" if low != "0" else f"最多 {high} 项"
    text = zh(message) or "内容不符合要求"
    if text == "格式不正确" and key in PATTERN_HINTS:
        return f"格式不正确（{PATTERN_HINTS[key]}）"
    return text


def flatten(messages, prefix: str = "", key=None, rows: bool = False) -> list[str]:
    """A schema's nested messages as lines, each led by the Chinese names of its fields. A number
    is a list's index (marshmallow counts from 0: the 1st item is 第 1 项), or with `rows` a file's
    row number (an import's: 第 N 行)."""
    out = []
    if isinstance(messages, dict):
        for k, value in messages.items():
            number = f"第 {k} 行" if rows else f"第 {int(k) + 1} 项" if str(k).isdigit() else ""
            label = FIELD_LABELS.get(str(k), number if str(k).isdigit() else str(k))
            out += flatten(value, prefix if k == "_schema" or not label else f"{prefix}{label}：",
                           key if str(k).isdigit() or k == "_schema" else k)
    elif isinstance(messages, list):
        for m in messages:
            out += flatten(m, prefix, key)
    else:
        out.append(prefix + _field_zh(key, str(messages)))
    return out


def error_lines(exc) -> list[str]:
    """What a page says of a refused request: the error's sentence, then the fields'."""
    details = getattr(exc, "details", {}) or {}
    declared = REGISTRY.get(getattr(exc, "code", None))
    template = declared.zh if declared else None
    if template:
        head = template.format_map(_Blanks(_words({k: str(v) for k, v in details.items()})))
    else:
        head = zh(getattr(exc, "message", "")) or "提交的内容有误，请检查后重试"
    rest = (flatten(details["fields"]) if details.get("fields") else flatten(details.get("rows") or [], rows=True)) \
        + list(details.get("problems") or [])
    return [head] + rest if head not in rest else rest


# Every event, in words; details fill the blanks.
EVENTS = {
    "campaign.created": "创建测评活动「{title}」", "campaign.updated": "修改活动信息与规则",
    "campaign.deleted": "删除草稿", "campaign.transition": "活动状态：{from} → {to}",
    "group.added": "添加参评群体", "group.updated": "修改参评群体", "group.deleted": "删除参评群体",
    "subject.added": "添加被测评对象", "subject.updated": "修改被测评对象", "subject.deleted": "删除被测评对象",
    "round.added": "添加轮次", "round.updated": "修改轮次", "round.deleted": "删除轮次",
    "section.added": "添加题目", "section.updated": "修改题目", "section.deleted": "删除题目",
    "group.moved": "调整参评群体的顺序", "subject.moved": "调整被测评对象的顺序", "round.moved": "调整轮次的顺序",
    "section.moved": "调整题目的顺序",
    "subjects.imported": "导入 {count} 个被测评对象",
    "batch.issued": "生成第 {batch_id} 批选票（{size} 张）", "batch.printed": "打印第 {batch_id} 批选票",
    "batch.print_interrupted": "第 {batch_id} 批选票下载中断（已生成 {printed} 张）",
    "batch.codes_downloaded": "下载第 {batch_id} 批票码 CSV（{count} 张，供印刷厂套打）",
    "batch.voided": "作废第 {batch_id} 批未使用的选票（{voided} 张）", "ballot.voided": "按票码作废一张选票（第 {batch_id} 批）",
    "score.entered": "录入评分", "results.exported": "导出计票结果（{format}）",
    "publication.published": "发布公示（{starts_on} 至 {ends_on}）",
    "publication.exported": "导出公示通知（{format}）", "publication.confirmed": "确定最终名单",
    "objection.received": "收到一条异议", "objection.handled": "处理异议：{status}",
    "user.created": "创建用户 {username}", "user.updated": "修改用户 {username}", "user.login": "登录",
    "user.password_reset": "重置用户 {username} 的密码", "user.password_changed": "修改了自己的密码",
    "calendar.year_entered": "录入 {year} 年的法定节假日安排",
    "api_key.created": "创建 API 密钥「{name}」", "api_key.revoked": "撤销 API 密钥「{name}」",
    "ballots.mixed": "混合写入 {count} 张选票（轮次 {round_id}，群体 {group_id}）",
    "handouts.counted": "统计门户发放的选票", "audit_key.rotated": "更换审计签名密钥", "bundle.downloaded": "下载审计包（轮次 {round_id}）", "verification.run": "在线核验（轮次 {round_id}）",
    "checkpoint.signed": "签署检查点（轮次 {round_id} 第 {number} 号，{ballots} 张选票）",
    "webhook.created": "添加事件订阅（{host}）", "webhook.deleted": "删除事件订阅（{host}）",
    "webhook.enabled": "启用事件订阅", "webhook.disabled": "停用事件订阅",
    "embed.origin_added": "允许网站 {origin} 嵌入页面", "embed.origin_removed": "不再允许网站 {origin} 嵌入页面",
    "projector.results_shown": "在投影上当场公布计票结果", "projector.results_hidden": "投影改回显示参评情况",
    "webhook.redelivered": "重新投递一条订阅消息", "webhook.test_sent": "发送订阅测试事件",
    "paper.keyed": "录入一张纸质票（轮次 {round_id}，第 {entry} 次录入）",
    "paper.agreed": "两次录入一致，计入一张纸质票（轮次 {round_id}，{spoiled_sections} 题作废）",
    "paper.disputed": "两次录入不一致，一张纸质票交监票人裁定（轮次 {round_id}）",
    "paper.decided": "监票人裁定并计入一张纸质票（轮次 {round_id}，{spoiled_sections} 题作废）",
    "paper.spoiled": "一张纸质票整张作废：{reason}（轮次 {round_id}）",
    "paper.read": "机器识读一张扫描的纸质票，作为第一次录入（轮次 {round_id}）",
    "paper.scans_uploaded": "上传纸质票扫描件（{files} 个文件，{pages} 页）",
    "paper.duplicate": "一张纸质票已在手机上投过，记为重复票，不计入（轮次 {round_id}）",
}
# An event whose details carry the key is told in these words instead (a campaign made from a
# template or as a copy of another: service/campaigns/copies.py).
EVENT_VARIANTS = {
    ("campaign.created", "template"): "按模板「{template_name}」创建测评活动「{title}」",
    ("campaign.created", "source_campaign_id"): "复制测评活动「{source_title}」，创建「{title}」",
}
OBJECTION_LABELS = {"open": "待处理", "verified": "已核实", "rejected": "不成立"}
_DETAIL_WORDS = {"verified": "已核实", "rejected": "不成立", **STATE_LABELS}


def event_text(event: dict) -> str:
    from service.web import actor_name
    details = {k: _DETAIL_WORDS.get(v, v) if isinstance(v, str) else v for k, v in (event.get("details") or {}).items()}
    template = next((words for (action, key), words in EVENT_VARIANTS.items()
                     if action == event["action"] and key in details), EVENTS.get(event["action"], "其他操作"))
    return f"{actor_name(event['actor'])}：{template.format_map(_Blanks(details))}"
