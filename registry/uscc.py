"""统一社会信用代码 (Unified Social Credit Code, USCC) per GB 32100-2015.

An 18-character code: 登记管理部门码 (1) + 机构类别码 (1) + 登记管理机关行政区划码 (6)
+ 主体标识码 (组织机构代码, 9) + 校验码 (1). Characters come from the 31-symbol alphabet
``0-9 A-Z`` without ``I O S V Z``; the check character is
``C18 = 31 − (Σ Ci·Wi mod 31)`` (31 → ``0``) with weights ``3^(i-1) mod 31``.
The embedded 主体标识码 has its own GB 11714 check character (position 17), tested by
``is_valid(code, strict=True)``.

Examples
--------
>>> is_valid("91350100M000100Y43")
True
>>> check_char("91350100M000100Y4")
'3'
>>> make("91350100M000100Y4")
'91350100M000100Y43'
>>> is_valid("91350100M000100Y44")
False
"""

from __future__ import annotations

__all__ = [
    "ALPHABET",
    "WEIGHTS",
    "USCCError",
    "check_char",
    "explain",
    "is_valid",
    "make",
    "normalise",
    "org_code_check_char",
]

#: The 31 code characters, in value order (0-30).
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}

#: Weights of positions 1-17 (3^(i-1) mod 31).
WEIGHTS: tuple[int, ...] = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# GB 11714 组织机构代码: 8 body chars (0-9, A-Z) + check char (0-9 or X).
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

#: 登记管理部门码 values used in GB 32100-2015 and its amendments.
_REGISTRARS = frozenset("123456789ANY")


class USCCError(ValueError):
    """Raised by :func:`check_char` / :func:`make` for malformed input (Chinese message)."""


def normalise(code: str) -> str:
    """Strip spaces and upper-case a code as typed by a user.

    Examples
    --------
    >>> normalise(" 91350100m000100y43 ")
    '91350100M000100Y43'
    """
    return "".join(str(code).split()).upper()


def check_char(first17: str) -> str:
    """Check character (position 18) of the first 17 characters.

    Raises
    ------
    USCCError
        If ``first17`` is not 17 characters of the USCC alphabet.

    Examples
    --------
    >>> check_char("91350100M000100Y4")
    '3'
    """
    body = normalise(first17)
    if len(body) != 17:
        raise USCCError(f"统一社会信用代码前17位长度应为17，实际为{len(body)}")
    bad = [c for c in body if c not in _VALUE]
    if bad:
        raise USCCError(f"统一社会信用代码含非法字符: {''.join(bad)}（不使用 I、O、S、V、Z）")
    total = sum(_VALUE[c] * w for c, w in zip(body, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def make(first17: str) -> str:
    """Append the check character to 17 characters, giving a valid 18-character code.

    Examples
    --------
    >>> code = make("91310107MA1G00000")
    >>> len(code), is_valid(code)
    (18, True)
    """
    body = normalise(first17)
    return body + check_char(body)


def org_code_check_char(body8: str) -> str:
    """GB 11714 check character of an 8-character 组织机构代码 body (``0``-``9`` or ``X``).

    Examples
    --------
    >>> org_code_check_char("M000100Y")
    '4'
    """
    body = normalise(body8)
    if len(body) != 8 or not all(c.isdigit() or "A" <= c <= "Z" for c in body):
        raise USCCError(f"组织机构代码本体应为8位数字或大写字母: {body8!r}")
    total = sum(
        (int(c) if c.isdigit() else ord(c) - ord("A") + 10) * w
        for c, w in zip(body, _ORG_WEIGHTS, strict=True)
    )
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def explain(code: str, strict: bool = False) -> str | None:
    """Why ``code`` is not a valid USCC (Chinese), or ``None`` when it is.

    Parameters
    ----------
    code : str
        The code (spaces and lower case are tolerated).
    strict : bool
        Also check the structure: 6-digit 行政区划码 and the GB 11714 check
        character of the embedded 组织机构代码.

    Examples
    --------
    >>> explain("91350100M000100Y40")
    '统一社会信用代码校验失败: 校验位应为 3，实际为 0'
    >>> explain("000000000000000000")
    '统一社会信用代码登记管理部门码无效: 0（全零等占位代码不是有效代码）'
    """
    c = normalise(code)
    if len(c) != 18:
        return f"统一社会信用代码长度应为18位，实际为{len(c)}位"
    bad = sorted({ch for ch in c if ch not in _VALUE})
    if bad:
        return f"统一社会信用代码含非法字符: {''.join(bad)}（不使用 I、O、S、V、Z）"
    # The registrar code is checked even when not strict: an all-zero code passes the
    # checksum (Σ = 0 → check character 0) but is a placeholder, never a real registration.
    if c[0] not in _REGISTRARS:
        return f"统一社会信用代码登记管理部门码无效: {c[0]}（全零等占位代码不是有效代码）"
    expected = check_char(c[:17])
    if c[17] != expected:
        return f"统一社会信用代码校验失败: 校验位应为 {expected}，实际为 {c[17]}"
    if strict:
        if not c[2:8].isdigit():
            return f"统一社会信用代码行政区划码应为6位数字: {c[2:8]}"
        org_expected = org_code_check_char(c[8:16])
        if c[16] != org_expected:
            return f"统一社会信用代码中组织机构代码校验失败: 应为 {org_expected}，实际为 {c[16]}"
    return None


def is_valid(code: object, strict: bool = False) -> bool:
    """Whether ``code`` is a valid 18-character USCC (check character per GB 32100-2015).

    Non-strings (``None``, NaN) are not valid. See :func:`explain` for ``strict``.

    Examples
    --------
    >>> is_valid("91350100M000100Y43"), is_valid("91350100M000100Y43", strict=True)
    (True, True)
    >>> is_valid(None)
    False
    """
    if not isinstance(code, str):
        return False
    return explain(code, strict=strict) is None
