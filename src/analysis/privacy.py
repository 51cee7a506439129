"""Personal data out of everything shown: free text masked, identifiers masked where they look
personal. One module, two policies (脱敏, the handbook's data-protection rule).

Free text (`mask_text`, comments before they are shown or stored):
- mobile numbers (11 digits starting 1[3-9], with or without spaces/dashes, +86 optional):
  138****1234 (first three and last four digits kept, as platforms show them);
- any other run of 7+ digits (landlines, ID-card and order numbers): all but the last two
  digits starred;
- e-mail addresses: the local part becomes its first character and ***: l***@example.com;
- WeChat IDs after a cue word (微信, 微信号, VX, WX, V信, 加V, WeChat, wxid): ***;
- names after a cue (我叫, 我是, 姓名, 联系人, 收件人, 名字, @): the surname kept, the rest
  starred (张**); a surname with a title (王先生) names no one and is kept.
The text is otherwise unchanged; escaping for HTML is the display layer's job.

Identifiers (`mask_key`, sample keys in contract messages, warnings and the batch index): an
export may use an e-mail, phone or WeChat id as the id, so such a value is masked the same
way (w***@example.cn, 138****8000, wxid_***). A longer run of digits (an 18-digit order
number) is an id, not a phone, and is shown as is.
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


PERSONAL_SHAPED = re.compile(
    r"[^@\s/]+@[^@\s/]+\.[^@\s/]+"  # an e-mail address
    r"|(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}(?!\d)"  # a mainland mobile number
    r"|(?i:wxid_)[A-Za-z0-9_-]+"  # a WeChat id
)


def mask_key(key: str) -> str:
    """`key` with e-mail- or phone-shaped parts masked (w***@example.cn, 138****8000)."""
    return PERSONAL_SHAPED.sub(_masked, key)


def _masked(match: re.Match[str]) -> str:
    value = match.group(0)
    if value[:5].lower() == "wxid_":
        return f"{value[:5]}***"
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    digits = re.sub(r"\D", "", value)
    return f"{digits[-11:][:3]}****{digits[-4:]}"
