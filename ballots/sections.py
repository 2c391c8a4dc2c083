"""Ballot section types, their scales and the campaign rules, with their defaults (DOMAIN.md)."""
from __future__ import annotations

SECTION_TYPES = ("rating", "choose", "approve", "score", "text")
SECTION_LABELS = {
    "rating": "满意度测评（表格）",
    "choose": "推荐（限选）",
    "approve": "赞成 / 不赞成",
    "score": "量化打分",
    "text": "意见建议",
}

# points None: not scored and not in the denominator of rates (不了解).
SCALES = {
    "satisfaction": [
        {"label": "满意", "points": 100, "favourable": True},
        {"label": "基本满意", "points": 75, "favourable": True},
        {"label": "不满意", "points": 55, "favourable": False},
        {"label": "不了解", "points": None, "favourable": None},
    ],
    "member": [
        {"label": "优秀", "points": 100, "favourable": True},
        {"label": "合格", "points": 80, "favourable": True},
        {"label": "基本合格", "points": 60, "favourable": False},
        {"label": "不合格", "points": 0, "favourable": False},
    ],
}
SCALE_LABELS = {"satisfaction": "满意 / 基本满意 / 不满意 / 不了解", "member": "优秀 / 合格 / 基本合格 / 不合格"}

MAJORITY_THRESHOLDS = {"more_than_half": (1, 2), "two_thirds": (2, 3), "sixty_percent": (3, 5)}
MAJORITY_LABELS = {"more_than_half": "超过半数", "two_thirds": "三分之二以上", "sixty_percent": "60% 以上"}
MAJORITY_BASES = {"valid": "有效票", "cast": "收回票", "eligible": "应参评人数"}
QUORUM_BASES = {"issued": "发出票数", "eligible": "应参评人数"}
WEIGHT_BASES = {"returned": "按实际收回选票的群体归一", "all": "按全部群体归一"}

DEFAULT_RULES = {
    "weight_base": "returned",
    "quorum": {"share": 0.6667, "base": "issued"},
    "majority": {"threshold": "more_than_half", "base": "valid"},
    "pass_line": 0.8,
    "laggard_share": 0.3333,
    "small_group_k": 5,
    "publicity_days": 5,
    # 两推三评: the weight of each source in a subject's composite (ballots = 师生测评).
    "sources": {"ballots": 1.0, "organisation": 0.0, "leaders": 0.0},
    # With more entries than this for one subject and source, the highest and the lowest are
    # dropped before averaging (as for score sections); None: never.
    "sources_trim_above": 5,
    # Where the campaign's people count time: pages, exports and the 公示's "today" use it.
    "time_zone": "Asia/Shanghai",
}


# How a rating or approve section ranks its rows (横向论先后): by 满意率 (highest first), by
# 综合得分 (highest first) or by 不满意率 (lowest first). The offices' custom: a satisfaction
# survey ranks by its rate, a member evaluation (优秀/合格/…) by its points.
RANK_KEYS = ("rate", "mean", "unfavourable")


def rank_key(section_type: str, config: dict) -> str:
    if config.get("rank_by"):
        return config["rank_by"]
    if section_type == "approve":
        return "rate"
    if config.get("options"):
        return "mean"  # a scale of one's own: its points say what is better
    return "rate" if config.get("scale", "satisfaction") == "satisfaction" else "mean"


def rank_label(section_type: str, key: str) -> str:
    """What the ranking is by, as the table's heading says it."""
    rate = "赞成率" if section_type == "approve" else "满意率"
    return {"rate": f"按{rate}排名（高者在前）", "mean": "按综合得分排名（高者在前）",
            "unfavourable": "按不满意率排名（低者在前）"}[key]


def scale_options(config: dict) -> list[dict]:
    return config.get("options") or SCALES[config.get("scale", "satisfaction")]
