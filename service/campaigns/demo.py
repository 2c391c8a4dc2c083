"""Demo data for a fresh installation: one admin (password printed once) and one campaign.

The campaign follows the reference plan (DOMAIN.md): 五比五看 groups, branches judged
on 五个好, members on 五带头, a 师生推荐 round and a 师生测评 round.
"""
from __future__ import annotations

import os
import secrets

import psycopg2.extras

from service.accounts import operations as accounts
from service.accounts.auth import ROLES, Principal
from service.campaigns import operations as campaigns
from service.campaigns.schemas import CampaignIn, GroupIn, RoundIn, SectionIn, SubjectIn

GROUPS = [
    ("教师", 0.3, "比教学看师德、比科研看成果", 120),
    ("学生", 0.2, "比理想看责任、比学习看成绩", 300),
    ("机关", 0.2, "比形象看素质、比效率看落实", 60),
    ("后勤职工", 0.15, "比服务看满意、比文明看管理", 40),
    ("离退休教工", 0.15, "比参与看认识、比帮扶看和谐", 30),
]
BRANCHES = [
    ("临床医学系党支部", "基层党组织", "临床医学系", "每月开展一次志愿义诊，帮扶困难学生十名。"),
    ("护理系党支部", "基层党组织", "护理系", "建设护理技能示范课堂，党员教师全部结对带教。"),
    ("机关第一党支部", "基层党组织", "党委办公室", "公开办事流程，师生事项三个工作日内答复。"),
    ("后勤党支部", "基层党组织", "后勤处", "食堂与宿舍报修二十四小时内响应。"),
]
MEMBERS = [
    ("王丽华", "教职工优秀党员", "临床医学系", "带头开展教学改革，指导学生技能竞赛。"),
    ("李建国", "教职工优秀党员", "护理系", "带头服务群众，每周两次答疑辅导。"),
    ("张敏", "学生优秀党员", "护理系", "带头学习，帮扶同班学业困难同学。"),
    ("刘洋", "学生优秀党员", "临床医学系", "组织社区健康宣讲十场。"),
    ("陈晓东", "优秀党务工作者", "党委组织部", "规范支部台账，推进党务公开。"),
    ("赵静", "教职工优秀党员", "药学系", "承担教学名师工作室建设。"),
]


def ensure_demo(conn, echo) -> bool:
    """Create the demo admin and campaign when there is no user yet; return whether it did."""
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        if not accounts.first_start(cur):
            conn.rollback()
            return False
        password = os.environ.get("PINGYI_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        admin = accounts.create_user(cur, None, {"username": "admin", "password": password,
                                                 "role": "admin", "display_name": "管理员"})
        actor = Principal("user", admin["id"], "admin", ROLES["admin"], "admin")
        create_campaign(cur, actor)
    conn.commit()
    echo("=" * 60)
    echo("Demo admin created. Sign in at /login with")
    echo("  username: admin")
    echo(f"  password: {password}")
    echo("This password is shown only once.")
    echo("=" * 60)
    return True


def create_campaign(cur, actor) -> int:
    camp = campaigns.create_campaign(cur, actor, CampaignIn().load({
        "title": "2026 年度先进基层党组织和优秀共产党员评选",
        "description": "按照“两推三评两个公开”的程序，评选先进基层党组织和优秀共产党员。"
                       "基层党组织以“五个好”为主要内容考评，党员以“五带头”为主要内容考评。",
    }))
    cid = camp["id"]
    for pos, (name, weight, criteria, eligible) in enumerate(GROUPS):
        campaigns.add_part(cur, actor, "voter_groups", cid, GroupIn().load(
            {"name": name, "weight": weight, "criteria": criteria, "eligible": eligible, "position": pos}))
    for pos, (name, cat, unit, text) in enumerate(BRANCHES):
        campaigns.add_part(cur, actor, "subjects", cid, SubjectIn().load(
            {"name": name, "kind": "organisation", "category": cat, "unit": unit, "commitment": text,
             "position": pos}))
    for pos, (name, cat, unit, text) in enumerate(MEMBERS, start=len(BRANCHES)):
        campaigns.add_part(cur, actor, "subjects", cid, SubjectIn().load(
            {"name": name, "kind": "person", "category": cat, "unit": unit, "commitment": text,
             "position": pos}))
    rec = campaigns.add_part(cur, actor, "rounds", cid, RoundIn().load(
        {"title": "师生推荐", "kind": "recommendation", "position": 0}))
    campaigns.add_part(cur, actor, "sections", cid, SectionIn().load({
        "round_id": rec["id"], "type": "choose", "title": "推荐教职工优秀党员（限选 2 人）",
        "config": {"max_choices": 2, "quota": 2, "write_ins": True, "category": "教职工优秀党员"}}))
    ev = campaigns.add_part(cur, actor, "rounds", cid, RoundIn().load(
        {"title": "师生测评", "kind": "evaluation", "position": 1}))
    campaigns.add_part(cur, actor, "sections", cid, SectionIn().load({
        "round_id": ev["id"], "type": "rating", "title": "基层党组织满意度测评（五个好）",
        "config": {"scale": "satisfaction", "category": "基层党组织"}, "position": 0}))
    campaigns.add_part(cur, actor, "sections", cid, SectionIn().load({
        "round_id": ev["id"], "type": "rating", "title": "党员测评（五带头）",
        "config": {"scale": "member", "category": "学生优秀党员",
                   "caps": [{"option": "优秀", "max_share": 0.3333}]}, "position": 1}))
    campaigns.add_part(cur, actor, "sections", cid, SectionIn().load({
        "round_id": ev["id"], "type": "text", "title": "意见建议", "config": {"max_length": 500},
        "position": 2}))
    # Announced (公开 #1), so the public home page shows it on the first visit; a new campaign
    # of one's own starts as a draft.
    campaigns.transition(cur, actor, cid, "announced")
    return cid
