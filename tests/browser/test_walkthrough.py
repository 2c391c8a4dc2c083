"""A whole campaign as a 组织部 office runs one, on the real server (`python -m service serve`)
on a port other than 8000 with BASE_URL unset: four weighted groups, sixteen subjects from
Excel, slips printed and scanned (each QR code decodes to an address on that port that
answers), ballots cast on a phone, results with comments, the Excel export, the 公示 with an
objection answered, the final list, the archive — and the public pages say 已归档."""
from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import urllib.request

import psycopg2
import pytest
from openpyxl import Workbook, load_workbook

from tests.browser.conftest import PHONE
from tests.conftest import OUTPUT, ROOT, wait_until_ready
from tests.helpers import decode_pdf

pytestmark = pytest.mark.browser
GROUPS = [("教师", "0.4", "比教学看师德、比科研看成果", "40"), ("学生", "0.3", "比理想看责任、比学习看成绩", "60"),
          ("机关", "0.2", "比形象看素质、比效率看落实", "20"), ("后勤职工", "0.1", "比服务看满意、比文明看管理", "15")]
BRANCHES = [f"{n}党支部" for n in ("临床医学系", "护理系", "药学系", "医学技术系", "基础医学部", "公共课部",
                                  "机关第一", "机关第二", "后勤", "离退休", "图书馆", "附属医院")]
MEMBERS = [("王丽华", "护理系"), ("李建国", "药学系"), ("张敏", "临床医学系"), ("刘洋", "机关")]


@pytest.fixture
def served(database, settings, tmp_path):
    """The real server, BASE_URL unset, on a free port that is not 8000."""
    port = 8000
    while port == 8000:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("BASE_URL", "HOST", "PORT")}
    env.update(DATABASE_URL=database, SECRET_KEY=settings.secret_key, PINGYI_ENV="test", MIX_SECONDS="0",
               PINGYI_VAR_DIR=str(tmp_path / "var"), LOG_LEVEL="WARNING", PORT=str(port))
    log = open(OUTPUT / "walkthrough-server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "service", "serve", "--no-demo", "--workers", "2"], cwd=ROOT,
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_until_ready(proc, base, OUTPUT / "walkthrough-server.log")
    yield type("Served", (), {"url": base, "port": port})
    proc.terminate()
    proc.wait(30)
    log.close()


def subjects_sheet(path):
    wb = Workbook()
    ws = wb.active
    ws.append(["名称", "类型", "类别", "单位", "公开承诺"])
    for name in BRANCHES:
        ws.append([name, "组织", "基层党组织", name.removesuffix("党支部"), f"{name}承诺：服务师生"])
    for name, unit in MEMBERS:
        ws.append([name, "个人", "优秀共产党员", unit, "带头学习提高"])
    wb.save(path)


def click_and_wait(page, locator):
    locator.click()
    page.wait_for_load_state()


def build_campaign(page, base, tmp_path):
    page.get_by_label("标题").fill("2026 年度基层党组织满意度测评和优秀党员推荐")
    click_and_wait(page, page.get_by_role("button", name="创建"))
    page.wait_for_url(re.compile(r".*/admin/campaigns/\d+$"))
    cid = int(page.url.rsplit("/", 1)[1])
    for name, weight, criteria, eligible in GROUPS:
        form = page.locator("#add-group")
        form.get_by_label("群体名称").fill(name)
        form.get_by_label("权重").fill(weight)
        form.get_by_label("应参评人数").fill(eligible)
        form.get_by_label("评价标准").fill(criteria)
        click_and_wait(page, form.get_by_role("button", name="添加群体"))
    subjects_sheet(tmp_path / "对象.xlsx")
    page.locator("#import-subjects input[type=file]").set_input_files(str(tmp_path / "对象.xlsx"))
    click_and_wait(page, page.locator("#import-subjects").get_by_role("button", name="导入", exact=True))
    assert page.get_by_text("已导入 16 个被测评对象").is_visible()
    form = page.locator("#add-round")
    form.get_by_label("轮次名称").fill("师生测评")
    click_and_wait(page, form.get_by_role("button", name="添加轮次"))
    for kind, title, extra in (("rating", "基层党组织满意度测评", {"对象类别（留空为全部）": "基层党组织"}),
                               ("choose", "推荐优秀共产党员（限选 2 人）",
                                {"对象类别（留空为全部）": "优秀共产党员", "限选人数": "2", "名额": "2"}),
                               ("text", "意见建议", {})):
        form = page.locator("#add-section")
        if not form.is_visible():  # folded away once the round has a section
            page.locator("summary", has_text="添加题目").click()
        form.get_by_label("题型").select_option(kind)
        form.get_by_label("题目", exact=True).fill(title)
        for label, value in extra.items():
            form.get_by_label(label).fill(value)
        click_and_wait(page, form.get_by_role("button", name="添加题目"))
        assert page.get_by_text("已添加题目").is_visible(), title
    for action in ("发布公告", "开始投票"):
        click_and_wait(page, page.get_by_role("button", name=re.compile(action)))
    assert page.locator("h1 .badge").inner_text() == "投票中"
    return cid


def print_and_scan(page, served, tmp_path):
    form = page.locator("#issue-batch")
    form.get_by_label("参评群体").select_option(label="教师（40 人）")
    form.get_by_label("张数").fill("6")
    form.get_by_label("批次说明（会议）").fill("教职工大会")
    with page.expect_download() as download:
        form.get_by_role("button", name="生成并下载").click()
    pdf = (tmp_path / "slips.pdf")
    download.value.save_as(pdf)
    (tmp_path / "scan").mkdir()
    urls = decode_pdf(pdf.read_bytes(), tmp_path / "scan")
    prefix = f"HTTP://127.0.0.1:{served.port}/B/"
    assert len(urls) == 6 and all(u.startswith(prefix) for u in urls), urls
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert f"127.0.0.1:{served.port}/vote" in text and "127.0.0.1:8000" not in text
    answer = urllib.request.urlopen(urls[0], timeout=10)  # the address in the code answers, as a phone would
    assert answer.status == 200 and "基层党组织满意度测评" in answer.read().decode()
    return urls


def vote(phone, url, marks, chosen, comment):
    phone.goto(url)
    rating = phone.locator("section.q").filter(has_text="基层党组织满意度测评")
    for row, choice in zip(rating.locator("fieldset.row").all(), marks):
        row.get_by_role("radio", name=choice, exact=True).check()
    phone.get_by_text(chosen, exact=True).first.click()
    if comment:
        phone.locator("textarea").fill(comment)
    phone.get_by_role("button", name="提交选票").click()
    phone.get_by_role("button", name="确认提交").click()  # the page asks once more
    phone.get_by_text("投票成功").wait_for()


def test_a_whole_campaign_on_another_port(served, browser, make_user, database, shots, tmp_path):
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    phone = browser.new_context(viewport=PHONE, device_scale_factor=2, locale="zh-CN", is_mobile=True,
                                has_touch=True).new_page()
    for page in (desk, phone):
        page.on("dialog", lambda d: d.accept())
    user = make_user("organiser", username="zuzhibu")
    desk.goto(served.url + "/login")
    desk.get_by_label("用户名").fill(user["username"])
    desk.get_by_label("密码").fill(user["password"])
    click_and_wait(desk, desk.get_by_role("button", name="登录"))
    cid = build_campaign(desk, served.url, tmp_path)
    urls = print_and_scan(desk, served, tmp_path)

    comments = ["希望各支部多开展志愿服务。", "", "建议公开支部活动记录。", "", "=1+1"]
    for i, comment in enumerate(comments):
        marks = ["满意"] * 12 if i % 2 == 0 else ["基本满意"] * 11 + ["不满意"]
        vote(phone, urls[i], marks, "王丽华" if i < 4 else "李建国", comment)
    shots(phone, "60-walkthrough-receipt")
    phone.goto(urls[0])
    assert phone.get_by_text("此选票已经使用").is_visible()

    desk.goto(f"{served.url}/admin/campaigns/{cid}")
    click_and_wait(desk, desk.get_by_role("button", name=re.compile("结束投票")))
    desk.goto(f"{served.url}/admin/campaigns/{cid}/results")
    results = desk.locator("main").inner_text()
    assert "收回 5 张" in results and "按满意率排名（高者在前）" in results
    assert "希望各支部多开展志愿服务。" in results and "共 3 条" in results
    shots(desk, "61-walkthrough-results")
    with desk.expect_download() as download:
        desk.get_by_role("link", name="下载 Excel").click()
    with open(download.value.path(), "rb") as f:
        book = load_workbook(io.BytesIO(f.read()))
    notes = [row[3] for row in book["意见建议"].iter_rows(min_row=2, values_only=True)]
    assert notes == sorted(c for c in comments if c)

    desk.goto(f"{served.url}/admin/campaigns/{cid}")
    form = desk.locator("#publish")
    form.get_by_role("checkbox", name=re.compile("王丽华")).check()
    form.get_by_label("表彰称号 （各人未单独填写时使用）").fill("优秀共产党员")
    click_and_wait(desk, form.get_by_role("button", name=re.compile("公布并开始公示")))
    assert desk.get_by_text(re.compile("已公示：")).is_visible()

    phone.goto(f"{served.url}/c/{cid}/publicity")
    assert phone.locator("#publicity-status").inner_text() == "公示中"
    phone.get_by_label("意见内容").fill("王丽华同志的事迹材料中有一项需要核实。")
    phone.get_by_label("联系方式（选填）").fill("校内分机 8123")
    phone.get_by_role("button", name="提交意见").click()
    phone.get_by_text("您的意见已提交").wait_for()

    desk.goto(f"{served.url}/admin/campaigns/{cid}")
    assert "待处理 1 条" in desk.locator("#state").inner_text()
    card = desk.locator("#publicity .objection").first
    assert "校内分机 8123" in card.inner_text()
    card.get_by_label("处理结果").select_option("rejected")
    card.get_by_label("处理意见").fill("经核实，事迹材料属实，异议不成立。")
    click_and_wait(desk, card.get_by_role("button", name="记录处理结果"))
    assert "不成立" in desk.locator("#publicity").inner_text()

    # Five working days later: the window is moved into the past, as the calendar would.
    with psycopg2.connect(database) as c, c.cursor() as cur:
        cur.execute("UPDATE publications SET starts_on = starts_on - 40, ends_on = ends_on - 40 "
                    "WHERE campaign_id = %s", (cid,))
    c.close()
    desk.goto(f"{served.url}/admin/campaigns/{cid}")
    click_and_wait(desk, desk.locator("#confirm-list").get_by_role("button", name="确定最终名单"))
    assert desk.get_by_text("最终名单已确定：1 名").is_visible()
    click_and_wait(desk, desk.get_by_role("button", name="归档", exact=True))
    assert desk.locator("h1 .badge").inner_text() == "已归档"
    events = desk.locator("#events").inner_text()
    assert "zuzhibu：处理异议：不成立" in events and "section.added" not in events
    shots(desk, "62-walkthrough-archived")

    phone.goto(f"{served.url}/c/{cid}/publicity")
    assert phone.locator("#publicity-status").inner_text() == "已归档"
    assert phone.locator("textarea").count() == 0
    shots(phone, "63-walkthrough-publicity-archived")
