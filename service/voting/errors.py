"""What a voter can be told: the refusals of a ballot, with what the voter's page shows."""
from __future__ import annotations

from service.core.errors import APIError, Conflict, NotFound, UnsupportedMediaType


class BallotInvalid(NotFound):
    code, message = "invalid_ballot", "this is not a ballot code of this service"
    zh, when = "这不是本系统发出的票码", "a code that fails its MAC or was never issued"
    voter = ("无效的选票", "这个二维码或票码不是本系统发出的，或者输入有误。")


class BallotUsed(Conflict):
    code, message = "ballot_used", "this ballot has already been cast; it cannot be cast or changed again"
    zh, when = "此选票已经使用，不能再次投票或修改", "casting a ballot a second time"
    voter = ("此选票已经使用", "每张选票只能投一次，这张票已投出，无法再次投票或修改。")


class BallotVoided(Conflict):
    code, message = "ballot_voided", "this ballot was voided by the organisers"
    zh, when = "此选票已被组织者作废", "casting a voided ballot"
    voter = ("此选票已作废", "该票已由组织者作废（例如遗失后补发）。如有疑问，请联系发票的工作人员。")


class VotingNotOpen(Conflict):
    code, message = "voting_not_open", "voting has not started yet"
    zh, when = "投票尚未开始", "casting before the campaign opens"
    voter = ("投票尚未开始", "请在组织者宣布开始投票后再扫码。")


class VotingClosed(Conflict):
    code, message = "voting_closed", "voting has ended"
    zh, when = "投票已经结束", "casting after the close"
    voter = ("投票已经结束", "此票不能再使用。")


class BallotBreaksRules(APIError):
    status, code, message = 422, "ballot_invalid", "the ballot breaks the rules of some sections"
    zh = "选票有题目不符合规则，请修改后再提交"
    when = "answers that break a section's rules (`details.sections`: each section's problems)"


_UNREADABLE = ("提交的内容无法识别", "收到的不是本页的选票表单：选票未投出，票码仍然有效。请重新打开选票页面填写后提交。")


class NotAForm(UnsupportedMediaType):
    code, message = "not_a_form", "the ballot page takes its own form (application/x-www-form-urlencoded)"
    zh, when = "提交的内容无法识别", "(ballot page) a POST that is not a form: nothing is cast"
    voter, api = _UNREADABLE, False


class NotTheBallotForm(APIError):
    code, message = "not_the_ballot_form", "the form posted is not the ballot page's"
    zh, when = "提交的内容无法识别", "(ballot page) a form without the page's marker: nothing is cast"
    voter, api = _UNREADABLE, False


class RoundKeyMissing(APIError):
    status, code, message = 503, "round_key_missing", "the key that seals this round's ballots is missing on this server"
    zh = "本轮选票的加密密钥不在这台服务器上，暂时无法投票；请联系管理员"
    when = ("the round's sealing key is not in this server's PINGYI_VAR_DIR (a lost volume, another host): nothing "
            "was spent; an administrator restores the key directory (docs/operations.md)")
    voter = ("暂时无法投票", "系统暂时无法记录选票，请稍后重试；您的选票尚未提交。")
