"""统一社会信用代码 check characters (GB 32100-2015)."""

from __future__ import annotations

import pytest

from registry import uscc

# Widely published example code; valid by both the GB 32100 and the embedded GB 11714 check.
KNOWN_VALID = "91350100M000100Y43"


def test_known_valid_code():
    assert uscc.is_valid(KNOWN_VALID)
    assert uscc.is_valid(KNOWN_VALID, strict=True)
    assert uscc.check_char(KNOWN_VALID[:17]) == "3"


def test_check_char_by_hand():
    # Σ value×weight for "91350100M000100Y4" computed independently:
    # 9·1 + 1·3 + 3·9 + 5·27 + 0 + 1·26 + 0 + 0 + 21·20 + 0 + 0 + 0 + 1·8 + 0 + 0 + 30·30 + 4·28
    total = 9 + 3 + 27 + 135 + 26 + 420 + 8 + 900 + 112
    assert uscc.ALPHABET[(31 - total % 31) % 31] == uscc.check_char(KNOWN_VALID[:17])


def test_lower_case_and_spaces_are_tolerated():
    assert uscc.is_valid(" 91350100m000100y43 ")


@pytest.mark.parametrize(
    "bad",
    [
        "91350100M000100Y44",  # wrong check char
        "91350100M000100Y4",  # 17 chars
        "91350100M000100Y433",  # 19 chars
        "91350100M0001O0Y43",  # letter O is not in the alphabet
        "81350100M000100Y43",  # one changed digit breaks the check
        "",
    ],
)
def test_corrupted_codes_are_rejected(bad):
    assert not uscc.is_valid(bad)
    assert uscc.explain(bad) is not None


def test_every_single_substitution_is_detected():
    # A mod-31 weighted check catches every single-character substitution.
    for i in range(18):
        for ch in uscc.ALPHABET:
            if ch == KNOWN_VALID[i]:
                continue
            mutated = KNOWN_VALID[:i] + ch + KNOWN_VALID[i + 1 :]
            assert not uscc.is_valid(mutated), mutated


def test_make_round_trip_and_errors():
    code = uscc.make("91310107MA1G5B8K0")
    assert len(code) == 18 and uscc.is_valid(code)
    with pytest.raises(uscc.USCCError, match="非法字符"):
        uscc.check_char("91310107MA1G5B8KI")
    with pytest.raises(uscc.USCCError, match="长度"):
        uscc.check_char("123")


def test_explain_messages_are_chinese():
    assert "校验失败" in uscc.explain("91350100M000100Y40")
    assert "长度" in uscc.explain("123")
    assert uscc.explain(KNOWN_VALID) is None


def test_strict_checks_embedded_org_code():
    # Same body with a different org-code check char, then a recomputed USCC check char:
    fake = uscc.make("91350100M000100Y5")
    assert uscc.is_valid(fake)
    assert not uscc.is_valid(fake, strict=True)
    assert "组织机构代码" in uscc.explain(fake, strict=True)


def test_non_strings_are_invalid():
    assert not uscc.is_valid(None)
    assert not uscc.is_valid(float("nan"))
