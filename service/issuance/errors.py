"""Issuing, voiding and handing out ballots: the refusals."""
from __future__ import annotations

from service.core.errors import APIError, Conflict, Invalid


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



class CodesNotConfirmed(Invalid):
    code, message = "codes_not_confirmed", "tick understood: every row of the codes' CSV is a live ballot"
    zh = "请先勾选“我明白”：票码 CSV 里的每一行都是一张可以投票的选票，只交印刷厂，印制后删除，且不能再次下载"
    when = ("issuing a batch as the codes' CSV (`layout` csv) without `understood` true: nothing is minted")
