"""Chinese first, English second, for the pages voters see: the browser's language decides.

Only the page furniture is translated; what the organisers wrote (titles, names, criteria)
is shown as written.
"""
from __future__ import annotations

from flask import g, request

EN = {
    "选票": "Ballot", "输入票码": "Enter your ballot code", "打开选票": "Open the ballot",
    "参评群体": "Voter group", "评价标准": "Criteria", "公开承诺": "Public commitment",
    "本票还含 {n} 轮，提交本轮后接着投下一轮。": "This slip holds {n} more round(s): the next one follows once you submit this one.",
    "继续投下一轮": "Go on to the next round", "本票各轮回执": "This slip's receipts, round by round",
    "本票还有一轮未投：": "This slip has a round still to vote: ",
    "提交选票": "Submit ballot", "提交后不能修改。": "A ballot cannot be changed once submitted.",
    "本票不记名，系统不保存您的身份、IP 地址或投票时间。": "This ballot is anonymous: the service keeps neither who you are, nor your address, nor when you voted.",
    "每行选一项；不选为弃权。": "Choose one per row; leave a row blank to abstain.",
    "本题不可选": "cannot be chosen here",
    "限选": "Choose at most", "人": "", "已选": "chosen", "另选他人": "Someone else",
    "分数": "Score", "意见建议": "Comments", "字": "characters",
    "请修改以下问题后再提交：": "Please fix the following before submitting:",
    "确认提交": "Submit", "返回修改": "Go back", "确认提交选票？": "Submit your ballot?",
    "已完成": "answered", "弃权": "abstained",
    "投票成功": "Your ballot was cast", "您的回执码": "Your receipt code",
    "复制": "Copy", "已复制": "Copied",
    "请保存回执码。可随时在计票公告栏核对您的选票已被计入。": "Keep this receipt code. You can check on the bulletin board that your ballot was counted.",
    "去公告栏核对": "Check on the bulletin board",
    "无效的选票": "Not a valid ballot", "此选票已作废": "This ballot was voided",
    "此选票已经使用": "This ballot has been used", "投票尚未开始": "Voting has not started",
    "投票已经结束": "Voting has ended", "本轮投票开始时间：": "This round opens at ",
    "这个二维码或票码不是本系统发出的，或者输入有误。": "This QR code or ballot code was not issued by this service, or was mistyped.",
    "重新输入": "Enter it again",
    "该票已由组织者作废（例如遗失后补发）。如有疑问，请联系发票的工作人员。": "The organisers voided it (for example, after it was reported lost). Please ask the staff who handed it out.",
    "每张选票只能投一次，这张票已投出，无法再次投票或修改。": "Each ballot can be cast once. This one has been cast and cannot be cast or changed again.",
    "如果是您本人投的票，可以用投票后显示的回执码在公告栏核对。": "If you cast it, check your receipt code on the bulletin board.",
    "本机提交过这张选票。如果您没有看到“投票成功”页面，您的回执码是：":
        "This ballot was submitted from this phone. If you did not see the “ballot cast” page, your receipt code is:",
    "回执码由本机在提交前算出；选票混合后即可在公告栏查到。":
        "This phone worked the code out before sending; it is on the bulletin board once the ballot is mixed.",
    "请在组织者宣布开始投票后再扫码。": "Please scan again once the organisers open the voting.",
    "此票不能再使用。": "This ballot can no longer be used.",
    "尝试次数过多，请稍后再试。": "Too many attempts; please try again later.",
    "计票公告栏": "Bulletin board", "核对回执码": "Check a receipt code", "核对": "Check",
    "已计入": "Recorded", "未找到该回执码": "No ballot with this receipt code",
    "暂未查到：已收到的选票混合后可查": "Not found yet: ballots received are on the board once they are mixed",
    "等待混合": "waiting to be mixed",
    "为保护匿名，选票要凑满一批后才一起写入，届时回执码出现在公告栏上；投票结束时全部写入。":
        "To keep voting anonymous, ballots are written together once a batch is full; their receipt codes then appear here. At the close all of them are written.",
    "已收回选票": "Ballots cast", "全部回执码": "All receipt codes",
    "投票结束后公布全部回执码。": "The full list of receipt codes is published when voting ends.",
    "回执码格式不正确": "That is not a receipt code",
    "已包含在签名的回执码树中": "Included in the signed tree of receipt codes",
    "第": "No.", "号检查点": "checkpoint", "位置": "position", "树根": "root", "证明路径": "proof path",
    "签名的检查点": "Signed checkpoints",
    "投票结束时，系统用公布的公钥签署本轮的回执码树根、选票张数和计票结果；审计员可离线核验。":
        "When voting ends the service signs, with its published key, this round's tree of receipt codes, its number of ballots and its tally; auditors check them offline.",
    "票码": "Ballot code", "例如": "e.g.",
    "无法扫码时，请输入选票二维码下方的票码。大小写、空格和短横线均可。": "If you cannot scan, type the code printed under the QR code. Case, spaces and dashes do not matter.",
    "票码无效，请核对后重新输入。": "That code is not valid; please check it and try again.",
    "暂时无法投票": "Voting is unavailable for a moment",
    "暂时无法打开选票": "The ballot cannot be opened just now",
    "系统暂时无法访问，请稍后重新打开这张选票。": "The system cannot be reached just now. Please open this ballot again shortly.",
    "选票可能已经提交": "Your ballot may have been submitted",
    "提交时与系统的连接中断，选票可能已经计入，也可能没有。请稍后重新打开这张选票："
    "提示“此选票已经使用”即已计入；若打开的仍是这一轮的选票，说明尚未计入，请再投一次。":
        "The connection broke while your ballot was being submitted: it may or may not have been counted. Open this "
        "ballot again shortly: if it says it has been used, it was counted; if the same round's ballot opens, it was "
        "not, so please vote again.",
    "本机提交的这张选票，回执码是：": "The ballot this device sent has the receipt code:",
    "若已计入，选票混合后可在公告栏查到这个回执码。": "If it was counted, this code is on the bulletin board once ballots are mixed.",
    "系统暂时无法记录选票，请稍后重试；您的选票尚未提交。":
        "The system cannot record ballots just now. Please try again shortly; your ballot has not been submitted.",
    "提交的内容无法识别": "What was sent could not be read",
    "收到的不是本页的选票表单：选票未投出，票码仍然有效。请重新打开选票页面填写后提交。":
        "What arrived is not this page's ballot form. Nothing was cast and your code still works: "
        "open the ballot page again, fill it in and submit it.",
}

PROBLEMS_EN = {
    "too_many": "Choose at most {limit}; {chosen} chosen",
    "cap_exceeded": "At most {limit} × “{option}”; {chosen} chosen",
    "out_of_range": "A score is out of range",
    "score_cap": "Too many high scores",
    "score_floor": "Too few low scores",
    "identical_scores": "All scores are the same, which makes them invalid",
    "too_long": "Longer than {limit} characters",
    "unknown_option": "An answer is not one of the options",
    "unknown_row": "An answer is for a row that is not on this ballot",
    "unknown_candidate": "A choice is not on the list of candidates",
    "write_ins_not_allowed": "This section takes no other names",
    "write_in_repeats": "A name repeats, or repeats a candidate",
    "write_in_too_long": "A name is longer than 50 characters",
    "wrong_type": "The answer has the wrong form",
    "unknown_section": "An answer is for a section that is not on this ballot",
    "control_characters": "The text holds characters that cannot be stored",
}


def language() -> str:
    if "lang" not in g:
        best = request.accept_languages.best_match(["zh-CN", "zh", "en"], default="zh")
        g.lang = "en" if best.startswith("en") else "zh"
    return g.lang


def t(text: str) -> str:
    return EN.get(text, text) if language() == "en" else text


def problem(p: dict) -> str:
    if language() == "en" and p["code"] in PROBLEMS_EN:
        try:
            return PROBLEMS_EN[p["code"]].format(**p)
        except KeyError:
            return PROBLEMS_EN[p["code"]]
    return p["message"]
