"""Where Chinese text may break across lines, and filling lines at those places.

There is no word segmenter among the dependencies, so the rule is a small one:
- a line breaks at a word boundary: after a space or closing punctuation (，、。：；！？）》」』”’｜),
  before opening punctuation (（《「『“‘), between Latin letters or digits and Chinese
  ("2026 | 年度"), and inside Chinese only where a word of `VOCABULARY` (evaluation terms:
  年度｜先进｜基层｜党组织…) or 的 ends and another such word or one of 和 与 及 暨 或 并 begins;
- Chinese characters the vocabulary does not know stay together, so neither 民主测评 nor a unit's
  name the list has never heard of is split;
- no line is a single Chinese character carried over: such a piece joins a neighbour.
`fit` (titles) breaks only at word boundaries and shrinks the type when they do not suffice;
`wrap` (running text) may also break between two Chinese characters outside a known word, never
leaving one alone; a piece wider than the whole line is cut wherever it must, as a last resort.
"""
from __future__ import annotations

from itertools import accumulate

from .pdf import printable, song_width

NEVER, CHAR, WORD = 0, 1, 2

_SPACES = " \u3000"
_CLOSE = "，、。：；！？）》」』”’】〕｜…)]}"
_OPEN = "（《「『“‘【〔([{"
_CONJ = "和与及暨或并"  # a line may break before them; they never end one
_PREFIX = _CONJ + "第"  # a lone one of these joins the piece after it, any other the piece before

VOCABULARY = frozenset("""
年度 本年度 学年 学期 上半年 下半年 季度 年终 第一轮 第二轮 第三轮 初评 复评 终评
民主测评 民主评议 民主推荐 民主生活会 组织生活会 测评 评议 评选 推荐 推选 考核 考评 评价 评比 评优
表彰 选举 投票 调查 问卷 述职 述廉 满意度 满意 公示 公开 意见 建议 活动 工作 综合 情况
先进 基层 党组织 党支部 支部 党总支 总支 党委 党员 共产党员 预备党员 优秀 党务工作者 工作者
干部 中层干部 领导班子 领导干部 班子 领导 校领导 院领导 教职工 教师 学生 师生 职工 员工 教工
离退休 退休 机关 后勤 处室 部门 单位 个人 集体 代表 党员代表 职工代表 群众 专家 辅导员 班主任
研究生 本科生 学院 医学院 大学 学校 中学 小学 附属 医院 附属医院 委员会 研究院 研究所 中心 学部
教研室 实验室 标兵 模范 先进个人 先进集体 五个好 五带头 五比五看 两推三评 两个公开
以及 和谐 共和国 及时 及格 与会 并且 或者 目的 的确
""".split())
_LONGEST = max(map(len, VOCABULARY))


def _kind(ch: str) -> str:
    if ch in _SPACES:
        return "space"
    if ch in _OPEN:
        return "open"
    if ch in _CLOSE:
        return "close"
    return "latin" if ch < "\x7f" else "cjk"


def _segments(run: str):
    """(tag, text) for a run of Chinese: forward maximum matching against the vocabulary."""
    i = 0
    while i < len(run):
        for n in range(min(_LONGEST, len(run) - i), 1, -1):
            if run[i:i + n] in VOCABULARY:
                yield "word", run[i:i + n]
                i += n
                break
        else:
            ch = run[i]
            yield ("conj" if ch in _CONJ else "de" if ch == "的" else "char"), ch
            i += 1


def _between(a: str, b: str) -> int:
    """How a line may break between two characters of these kinds (Chinese beside Chinese is
    settled by the vocabulary; Latin beside Latin is a word, a number or a URL)."""
    if b in ("space", "close") or a == "open":
        return NEVER
    if a in ("space", "close") or b == "open" or {a, b} == {"latin", "cjk"}:
        return WORD
    return NEVER


def _cjk_levels(text: str, kinds: list[str], levels: list[int]) -> None:
    i = 0
    while i < len(text):
        if kinds[i] != "cjk":
            i += 1
            continue
        j = i
        while j < len(text) and kinds[j] == "cjk":
            j += 1
        at, prev = i, None
        for tag, seg in _segments(text[i:j]):
            if prev is not None:
                levels[at] = WORD if prev in ("word", "de") and tag in ("word", "conj") else CHAR
            at, prev = at + len(seg), tag
        i = j


def _join_lone_characters(text: str, kinds: list[str], counts: list[int], levels: list[int]) -> None:
    """A piece between word boundaries that holds one Chinese character and nothing Latin
    joins the piece after it (第, 和 …) or before it, so no line is that character alone."""
    cuts = [i for i in range(1, len(text)) if levels[i] == WORD]
    bounds = [0] + cuts + [len(text)]
    for a, b in zip(bounds, bounds[1:]):
        if counts[b] - counts[a] != 1 or "latin" in kinds[a:b] or a and levels[a] != WORD:  # or joined already
            continue
        lone = next(text[k] for k in range(a, b) if kinds[k] == "cjk")
        if (lone in _PREFIX or a == 0) and b < len(text):
            levels[b] = NEVER
        elif a:
            levels[a] = NEVER


def _guard_char_breaks(counts: list[int], levels: list[int]) -> None:
    """A break between characters leaves at least two on each side, up to the next word boundary."""
    start = 0
    for i in range(1, len(levels) + 1):
        if i == len(levels) or levels[i] == WORD:
            for k in range(start + 1, i):
                if levels[k] == CHAR and min(counts[k] - counts[start], counts[i] - counts[k]) < 2:
                    levels[k] = NEVER
            start = i


def break_levels(text: str) -> list[int]:
    """levels[i]: how freely a line may break before text[i] (NEVER, CHAR or WORD)."""
    kinds = [_kind(ch) for ch in text]
    levels = [NEVER] + [_between(a, b) for a, b in zip(kinds, kinds[1:])]
    counts = [0, *accumulate(k == "cjk" for k in kinds)]  # Chinese characters before each position
    _cjk_levels(text, kinds, levels)
    _join_lone_characters(text, kinds, counts, levels)
    _guard_char_breaks(counts, levels)
    return levels


class _Text:
    """A text prepared once (break levels, running widths) for laying out at several sizes."""

    def __init__(self, text: str, measure=None):
        self.text = printable(text)
        self.levels = break_levels(self.text)
        measure = measure or (lambda c: song_width(c, 1000))
        self.sums = [0, *accumulate(measure(c) for c in self.text)]  # in 1/1000 em

    def width(self, a: int, b: int, size: float) -> float:
        while b > a and self.text[b - 1] in _SPACES:
            b -= 1
        return (self.sums[b] - self.sums[a]) * size / 1000

    def spans(self, size: float, width: float, least: int, cut: bool = True) -> list[tuple[int, int]] | None:
        """Greedy lines, breaking only where levels ≥ `least`. A piece wider than a line is
        cut (between characters if it can be, else anywhere) or, without `cut`, gives None."""
        text, spans, start = self.text, [], 0
        while start < len(text):
            end = start + 1
            while end < len(text) and self.width(start, end + 1, size) <= width:
                end += 1
            at = end if end == len(text) else self._last_break(start, end, least)
            if at is None:
                if not cut:
                    return None
                at = self._last_break(start, end, CHAR) or self._anywhere(start, end)
            spans.append((start, at))
            start = at
            while start < len(text) and text[start] in _SPACES:
                start += 1
        return spans

    def _last_break(self, start: int, end: int, least: int) -> int | None:
        return next((p for p in range(end, start, -1) if self.levels[p] >= least and not self._lone(start, p)), None)

    def _lone(self, a: int, b: int) -> bool:
        """Whether text[a:b] is one Chinese character, give or take spaces and punctuation."""
        letters = [c for c in self.text[a:b] if _kind(c) in ("cjk", "latin")]
        return len(letters) == 1 and _kind(letters[0]) == "cjk"

    def _anywhere(self, start: int, end: int) -> int:
        """The last resort: as much as fits, but not one character short of the next break."""
        after = next((p for p in range(end + 1, len(self.text)) if self.levels[p] >= CHAR), len(self.text))
        return end - 1 if after - end == 1 and end - start > 2 else end

    def lines(self, spans, size: float, width: float, max_lines: int | None) -> list[str]:
        if max_lines and len(spans) > max_lines:
            spans = spans[:max_lines - 1] + [(spans[max_lines - 1][0], len(self.text))]
            a, b = spans[-1]
            while b > a and self.width(a, b, size) + size > width:  # room for the ellipsis
                b -= 1
            return [self.text[s:e].rstrip(_SPACES) for s, e in spans[:-1]] + [self.text[a:b].rstrip(_SPACES) + "…"]
        return [self.text[s:e].rstrip(_SPACES) for s, e in spans]


def wrap(text: str, size: float, width: float, max_lines: int | None = None, measure=None) -> list[str]:
    """Running text in lines no wider than `width`; past `max_lines` the last ends in "…".
    `measure(ch)`: a character's advance in 1/1000 em (default: STSong-Light's)."""
    t = _Text(text, measure)
    return t.lines(t.spans(size, width, CHAR), size, width, max_lines)


def fit(text: str, size: float, width: float, max_lines: int, smallest: float) -> tuple[float, list[str]]:
    """A title in at most `max_lines` lines broken at word boundaries, in the largest size from
    `size` down to `smallest` (half a point at a time) at which it fits; failing that, at
    `smallest`, the last line ends in "…" (and a piece wider than a line is cut)."""
    t = _Text(text)
    s = size
    while s >= smallest:
        spans = t.spans(s, width, WORD, cut=False)
        if spans is not None and len(spans) <= max_lines:
            return s, t.lines(spans, s, width, None)
        s -= 0.5
    return smallest, t.lines(t.spans(smallest, width, WORD), smallest, width, max_lines)
