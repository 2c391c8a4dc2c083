"""The paper count's refusals (service/paper, docs/paper.md)."""
from __future__ import annotations

from service.core.errors import Conflict, Invalid


class SameTeller(Conflict):
    code, message = "paper_same_teller", "the second entry of a paper ballot must be keyed by another teller"
    zh = "这张纸质票的第一次录入是您做的，第二次录入须由另一位计票人完成"
    when = "a teller keying the second entry of a paper ballot whose first entry they keyed"


class SheetDisputed(Conflict):
    code, message = "paper_sheet_disputed", "the two entries of this paper ballot differ; a supervisor decides it"
    zh = "这张纸质票的两次录入不一致，已交监票人裁定"
    when = "keying a paper ballot whose two entries differed (it waits for a supervisor)"


class SheetSettled(Conflict):
    code, message = "paper_sheet_settled", "this paper ballot has been settled already"
    zh = "这张纸质票已处理完毕（{outcome}），不能再次录入"
    when = "keying or deciding a paper ballot already counted, spoiled or recorded as a duplicate (`details.outcome`)"


class NotDisputed(Conflict):
    code, message = "paper_not_disputed", "this paper ballot has no two differing entries to decide"
    zh = "这张纸质票没有待裁定的不一致录入"
    when = "a supervisor deciding a paper ballot that is not waiting for a decision"


class PaperPending(Conflict):
    code, message = "paper_pending", "paper ballots are still being keyed or wait for a supervisor"
    zh = "还有 {pending} 张纸质票未录入完毕或待监票人裁定，处理完后才能结束投票"
    when = "closing a campaign while paper ballots wait for their second entry or a supervisor (`details.pending`)"


class EntryMalformed(Invalid):
    code, message = "paper_entry_malformed", "the entry does not fit this ballot's form"
    zh = "录入内容与这张选票的题目不符，请检查后重新录入"
    when = ("a teller's entry that names a section, row, option or candidate not on this ballot, or a value of the "
            "wrong type (`details.sections`); a rule the marks break is not refused: the section is counted as 废票")


class DeciderKeyed(Conflict):
    code, message = "paper_decider_keyed", "a supervisor who keyed an entry of this paper ballot cannot decide it"
    zh = "您录入过这张纸质票，须由另一位监票人裁定"
    when = "a supervisor deciding a disputed paper ballot one of whose two entries they keyed"


class ScanUnreadable(Invalid):
    code, message = "paper_scan_unreadable", "an uploaded file is no PDF or image the reader can open, or far too large"
    zh = "上传的文件「{file}」无法读取（不是可打开的 PDF 或图片，或页面过大、页数过多）"
    when = ("(admin page) an upload of scans with a file that is no readable PDF or image, a page far larger than A4, "
            "or over 2000 pages")
    api = False
