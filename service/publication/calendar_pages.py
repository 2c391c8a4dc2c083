"""节假日安排: the admin page that enters a year's official holiday schedule (docs/calendar.md)."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from ballots import holiday_file, publicity
from service.accounts.auth import CALENDAR_MANAGE
from service.core import db
from service.core.errors import Invalid
from service.core.uploads import read_upload
from service.publication import calendar as ops
from service.web import page

bp = Blueprint("holidays", __name__, url_prefix="/admin")


def _prefill(year, entered) -> str:
    """The form's text for ?year=: the schedule as entered, else the package's, else nothing."""
    if year in entered:
        return entered[year]["text"]
    package = publicity.package_schedule(year) if year is not None else None
    return holiday_file.format_schedule(package) if package else ""


def _render(status=200, year=None, **context):
    with db.transaction() as cur:
        years = ops.entered_years(cur)
    entered = {r["year"]: r for r in years}
    context.setdefault("text", _prefill(year, entered))
    next_year = next(y for y in range(publicity.PACKAGE_YEARS[-1] + 1, 2200) if y not in entered)
    return render_template("admin/calendar.html", years=years, package=publicity.PACKAGE,
                           package_years=publicity.PACKAGE_YEARS, next_year=next_year,
                           command=ops.COMMAND, example=holiday_file.format_schedule(
                               publicity.package_schedule(publicity.PACKAGE_YEARS[-1])), **context), status


@bp.get("/calendar")
@page(CALENDAR_MANAGE)
def calendar():
    """The years known and entered, and the form; ?year=2027 fills the form with that year as
    entered (or, for a year only the package knows, as the package has it)."""
    return _render(year=request.args.get("year", type=int))


@bp.post("/calendar")
@page(CALENDAR_MANAGE)
def enter():
    """检查 shows what the file says; 保存 stores it. A refused file is shown again with every
    problem beside the form, and nothing is stored."""
    upload = request.files.get("file")
    text = request.form.get("text", "")
    try:
        if upload is not None and upload.filename:
            text = ops.read(read_upload(upload, current_app.config["SETTINGS"].upload_max_bytes))
        schedule = ops.parse(text)
    except Invalid as exc:
        return _render(422, text=text, problems=exc.details["problems"])
    if request.form.get("action") != "save":
        return _render(text=text, preview=ops.preview(schedule))
    with db.transaction() as cur:
        row = ops.enter_year(cur, g.user.actor, schedule)
    verb = "已替换" if row["replaced"] else "已录入"
    flash(f"{verb} {schedule.year} 年的节假日安排（放假 {len(schedule.holidays)} 天，调休上班 "
          f"{len(schedule.workdays)} 天）", "info")
    if schedule.year in publicity.PACKAGE_YEARS:
        flash(f"注意：{publicity.PACKAGE} 已包含 {schedule.year} 年的安排，计算公示期时以软件包为准，"
              "本次录入不会被使用", "warn")
    return redirect(url_for("holidays.calendar") + f"#year-{schedule.year}")
