"""Issuing, voiding and handing out ballots: the refusals."""
from __future__ import annotations

from service.core.errors import APIError, Conflict


class PoolExhausted(APIError):
    status, code, message = 503, "pool_exhausted", "no ballot could be handed out just now; try again"
    zh = "暂时无法发放选票，请稍后重试"
    when = "a hand-out found no ballot ready: nothing was handed out; `Retry-After` says when to try again"


class AlreadyVoided(Conflict):
    code, message = "already_voided", "already voided"
    zh, when = "已经作废过了", "voiding a batch or ballot a second time"


class NotVoidable(Conflict):
    code, message = "not_voidable", "this ballot has been used, or was not issued in this campaign"
    zh, when = "该票已使用，或不是本活动发出的选票", "voiding a ballot that was cast or belongs elsewhere"


class AlreadyHandedOut(Conflict):
    code, message = "already_handed_out", "this voter has already received a ballot for this round"
    zh, when = "该用户已领取本轮的选票", "a second hand-out to the same portal user for the same round"


class CodesOfVoidedBatch(Conflict):
    code, message = "codes_of_voided_batch", "this batch is voided: its codes cannot be downloaded"
    zh, when = "该批次已作废，不能再下载其票码", "downloading the codes (CSV) of a voided batch"


class CodesAfterVoting(Conflict):
    code, message = "codes_after_voting", "this campaign is past voting: its codes cannot be downloaded"
    zh = "本活动已不在发放和投票阶段，不能再下载票码"
    when = "downloading a batch's codes (CSV) once the campaign has closed (its kept seeds are erased at the close)"


class CodesNotKept(Conflict):
    code, message = "codes_not_kept", "this batch's codes cannot be made again"
    zh = "该批次的票码无法再次生成（门户发放批次、较早生成的批次或在另一个 SECRET_KEY 下生成的批次）"
    when = ("downloading the codes of a hand-out batch, of a batch printed before codes were kept "
            "(migration 0025), or of one minted under another SECRET_KEY")
