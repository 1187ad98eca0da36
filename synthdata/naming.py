"""Synthetic Chinese names, addresses and credit codes for the sample registry.

Everything here is drawn from a caller-supplied ``numpy.random.Generator`` so the
output depends only on the seed. Names are plausible, not real: any match with a
real firm or person is a coincidence.
"""

from __future__ import annotations

import numpy as np

from registry import uscc

# Real road names of 真如镇街道 and its edges (used in addresses).
ROADS: tuple[str, ...] = (
    "真北路",
    "铜川路",
    "曹杨路",
    "兰溪路",
    "大渡河路",
    "梅川路",
    "真光路",
    "桃浦路",
    "南石路",
    "北石路",
    "绥德路",
    "真华路",
    "真南路",
    "清涧路",
    "高陵路",
    "武宁路",
    "曹安公路",
    "万镇路",
    "芝川路",
    "交通路",
    "杏山路",
    "管弄路",
    "中宁路",
    "静宁路",
    "西乡路",
)

SURNAMES: tuple[str, ...] = tuple(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_CHARS: tuple[str, ...] = tuple(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文红玉兰志忠海波宁浩凯鹏辉晨琳颖雪梅晓东佳慧俊峰鑫斌宇欣婷倩飞亮健新春荣林德振庆国良"
)
# Two-character 字号 for firm names.
TRADE_CHARS: tuple[str, ...] = tuple(
    "恒鑫隆盛泰安祥瑞兴达宏嘉华通润丰源和信诚利汇金宝德康顺永昌广富荣锦泓卓越创联新世启明宇航博远"
)
GOODS: tuple[str, ...] = (
    "贸易",
    "商贸",
    "实业",
    "科技",
    "信息技术",
    "物流",
    "电子",
    "机电",
    "五金",
    "服饰",
    "食品",
    "餐饮管理",
    "物业管理",
    "建材",
    "印务",
    "网络科技",
    "文化传播",
    "企业管理",
)
LEADER_TITLES: tuple[str, ...] = (
    "街道党工委书记",
    "街道办事处主任",
    "分管副主任",
    "平安办主任",
    "应急管理办副主任",
)


def person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """Draw ``n`` synthetic two- or three-character personal names.

    Examples
    --------
    >>> import numpy as np
    >>> names = person_names(np.random.default_rng(1), 3)
    >>> all(2 <= len(x) <= 3 for x in names)
    True
    """
    sur = rng.choice(np.array(SURNAMES, dtype=object), n)
    g1 = rng.choice(np.array(GIVEN_CHARS, dtype=object), n)
    g2 = rng.choice(np.array(GIVEN_CHARS, dtype=object), n)
    two = rng.random(n) < 0.35
    return sur + g1 + np.where(two, "", g2).astype(object)


def trade_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """Draw ``n`` two-character 字号 (e.g. ``恒泰``) with distinct characters.

    Examples
    --------
    >>> import numpy as np
    >>> t = trade_names(np.random.default_rng(0), 4)
    >>> all(len(x) == 2 for x in t)
    True
    """
    chars = np.array(TRADE_CHARS, dtype=object)
    a = rng.choice(chars, n)
    b = rng.choice(chars, n)
    b = np.where(a == b, rng.choice(chars, n), b)
    return a + b


def addresses(rng: np.random.Generator, roads: np.ndarray) -> np.ndarray:
    """House-number addresses ``上海市普陀区<road><n>号`` (or ``<n>弄<m>号``) on given roads.

    Examples
    --------
    >>> import numpy as np
    >>> a = addresses(np.random.default_rng(0), np.array(["真北路"], dtype=object))
    >>> a[0].startswith("上海市普陀区真北路")
    True
    """
    n = len(roads)
    num = rng.integers(1, 1200, n).astype(str).astype(object)
    sub = rng.integers(1, 60, n).astype(str).astype(object)
    lane = rng.random(n) < 0.4
    head = "上海市普陀区" + np.asarray(roads, dtype=object) + num
    return head + np.where(lane, "弄" + sub + "号", "号")


def make_uscc(rng: np.random.Generator, n: int, region: str = "310107") -> np.ndarray:
    """Draw ``n`` valid 统一社会信用代码 (GB 32100-2015) for 普陀区 firms, vectorised.

    Registration authority 9 (工商), class 1 (企业), region ``310107``, a random
    9-character 主体标识码 and the check character computed with the alphabet and weights
    of :mod:`registry.uscc` (same result as ``registry.uscc.make``).

    Examples
    --------
    >>> import numpy as np
    >>> from registry.uscc import is_valid
    >>> codes = make_uscc(np.random.default_rng(0), 5)
    >>> all(is_valid(c) for c in codes)
    True
    """
    alphabet = np.array(list(uscc.ALPHABET), dtype=object)
    head = np.array([uscc.ALPHABET.index(c) for c in "91" + region])
    body = rng.integers(0, len(alphabet), size=(n, 9))
    digits = np.concatenate([np.broadcast_to(head, (n, head.size)), body], axis=1)
    total = digits @ np.asarray(uscc.WEIGHTS)
    check = (31 - total % 31) % 31
    chars = alphabet[np.concatenate([digits, check[:, None]], axis=1)]
    out = chars[:, 0].copy()
    for j in range(1, chars.shape[1]):
        out += chars[:, j]
    return out
