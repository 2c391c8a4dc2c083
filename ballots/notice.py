"""The printable 公示 notice (公开 #2): A4, the campaign's body as issuer, the proposed honourees
with their units and each one's own title (称号), the window, how to lodge an objection, the
issuer and the date at the foot, for the notice board and the file. Embedded font (ballots.fonts)."""
from __future__ import annotations

import datetime as dt
import re

from .fonts import report_font
from .pdf import Writer
from .report_layout import LEFT, RIGHT, Pages


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def objection(issuer: str, contact: str | None, url: str) -> str:
    """How to object, as a sentence that reads whole with or without a contact (an office, a phone)."""
    if contact:
        return f"请以书面、电话或网络方式向{issuer}反映：{contact.rstrip('。；;. ')}；也可登录 {url} 在线提交。"
    return f"请登录 {url} 在线提交，或以书面方式向{issuer}反映。"


def _foot_lines(pages, issuer: str, size: float) -> list[str]:
    """The issuer at the foot, several bodies broken after their 、 rather than inside a name (a
    line still too wide wraps as running text does)."""
    lines = [""]
    for piece in re.split(r"(?<=、)", issuer):
        if lines[-1] and pages.c.width(lines[-1] + piece, size) > RIGHT - LEFT:
            lines.append("")
        lines[-1] += piece
    return lines


def write_notice(out, notice: dict) -> None:
    """`notice`: title (the campaign's), issuer, note, starts_on, ends_on, working_days,
    honourees [{name, unit, award}], objection_contact, url (the public 公示 page), dated (a date)."""
    writer = Writer(title=f"{notice['title']} 公示", cjk=report_font())
    pages = Pages(writer, "")
    issuer = notice["issuer"] or "（发布单位）"
    pages.y -= 20
    pages.text(f"关于{notice['title']}拟表彰对象的公示", 18, bold=True, gap=18, centred=True)
    pages.text(f"　　经民主评议、组织审核，{issuer if notice['issuer'] else ''}拟对以下 {len(notice['honourees'])} "
               "名同志（集体）予以表彰，现予公示。", 12, gap=8)
    if notice["note"]:
        for para in notice["note"].split("\n"):
            pages.text("　　" + para.strip(), 12, gap=8)
    pages.y -= 6
    pages.text("拟表彰对象名单", 13, bold=True, gap=8, centred=True)
    width = RIGHT - LEFT
    pages.table(["序号", "姓名（名称）", "单位", "称号"], [40, 140, 155, width - 335],
                [[i, h["name"], h["unit"] or "—", h["award"] or "—"] for i, h in enumerate(notice["honourees"], 1)],
                size=10.5, wrap=True)
    pages.y -= 4
    pages.text(f"　　公示期：{chinese_date(notice['starts_on'])}至{chinese_date(notice['ends_on'])}"
               f"（{notice['working_days']} 个工作日，法定节假日不计）。", 12, gap=8)
    pages.text("　　公示期间，对公示对象如有异议，" + objection(issuer, notice["objection_contact"], notice["url"]), 12, gap=8)
    pages.text("　　反映情况应实事求是，提倡署真实姓名并留下联系方式，以便核实；我们将对反映人严格保密。"
               "公示期满后受理的意见不再作为本次评选的依据。", 12, gap=8)
    pages.y -= 30
    for line in _foot_lines(pages, issuer, 12):
        pages.right(line, 12, gap=10)
    pages.right(chinese_date(notice["dated"]), 12, gap=10)
    pages.y -= 20
    pages.need(110)
    pages.text("扫码查看公示并在线反映意见：", 9, gap=4)
    pages.qr(notice["url"], side=90)
    pages.close()
    writer.close()
    out.write(writer.take())
