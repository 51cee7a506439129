"""Mask personal data in free text (comments) before it is shown on a page or stored.

What is masked, and how (脱敏, the handbook's data-protection rule):
- mobile numbers (11 digits starting 1[3-9], with or without spaces/dashes, +86 optional):
  138****1234 (first three and last four digits kept, as platforms show them);
- any other run of 7+ digits (landlines, ID-card and order numbers): all but the last two
  digits starred;
- e-mail addresses: the local part becomes its first character and ***: l***@example.com;
- WeChat IDs after a cue word (微信, 微信号, VX, WX, V信, 加V, WeChat, wxid): ***;
- names after a cue (我叫, 我是, 姓名, 联系人, 收件人, 名字, @): the surname kept, the rest
  starred (张**); a surname with a title (王先生) names no one and is kept.
The text is otherwise unchanged; escaping for HTML is the display layer's job.
"""

from __future__ import annotations

import re

_MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")
_DIGITS = re.compile(r"(?<!\d)\d(?:[\s-]?\d){6,}(?!\d)")
_EMAIL = re.compile(r"([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_WECHAT = re.compile(
    r"((?:微信号?|[vVwW][xX]|[vV]信|加[vV]|wechat|WeChat|wxid)\s*[:：]?\s*)([A-Za-z][-_A-Za-z0-9]{4,19})"
)
_NAME_AFTER = re.compile(
    r"((?:我叫|我是|姓名|联系人|收件人|名字|@)\s*[:：]?\s*)([\u4e00-\u9fff])([\u4e00-\u9fff]{1,2})"
)
_NOT_NAMES = ("一个", "一名", "老客", "新客", "顾客", "用户", "学生", "宝妈")


def mask_text(text: str | None) -> str | None:
    """`text` with phone numbers, e-mails, WeChat IDs and names masked (None stays None)."""
    if text is None:
        return None
    masked = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    masked = _WECHAT.sub(lambda m: f"{m.group(1)}***", masked)
    masked = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", masked)
    masked = _DIGITS.sub(_mask_digits, masked)
    return _NAME_AFTER.sub(_mask_name_after, masked)


def _mask_digits(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "*" * (len(digits) - 2) + digits[-2:]


def _mask_name_after(match: re.Match[str]) -> str:
    cue, surname, rest = match.groups()
    if (surname + rest)[:2] in _NOT_NAMES:
        return match.group(0)
    return f"{cue}{surname}{'*' * len(rest)}"
