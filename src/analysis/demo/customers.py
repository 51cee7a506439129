"""Customers: latent behaviour type, active window, first-seen time and fake contact details."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analysis.demo.arrow import digit_strings, pick, timestamps, with_nulls
from analysis.demo.world import (
    DAY,
    HORIZON,
    LAPSE_MONTHS,
    LAPSED,
    MONTH,
    NEW,
    NEW_WITHIN_DAYS,
    TYPE_SHARE,
)

CITIES = (
    "上海",
    "北京",
    "广州",
    "深圳",
    "杭州",
    "成都",
    "重庆",
    "武汉",
    "南京",
    "西安",
    "苏州",
    "长沙",
    "天津",
    "郑州",
    "青岛",
    "厦门",
)
CITY_WEIGHTS = np.array([14, 13, 9, 9, 8, 7, 6, 5, 5, 5, 4, 4, 3, 3, 3, 2], dtype=np.float64)
SURNAMES = (
    "wang",
    "li",
    "zhang",
    "liu",
    "chen",
    "yang",
    "huang",
    "zhao",
    "wu",
    "zhou",
    "xu",
    "sun",
    "ma",
    "zhu",
    "hu",
    "guo",
    "he",
    "lin",
    "luo",
    "gao",
)
GIVEN_NAMES = (
    "wei",
    "fang",
    "na",
    "min",
    "jing",
    "li",
    "qiang",
    "lei",
    "jun",
    "yang",
    "yong",
    "yan",
    "jie",
    "tao",
    "ming",
    "chao",
    "xiu",
    "hua",
    "ying",
    "hui",
)
MAIL_DOMAINS = ("@163.com", "@qq.com", "@example.cn")
MOBILE_PREFIXES = np.array([13, 15, 17, 18, 19], dtype=np.int64)
NULL_CITY, NULL_CONTACT = 0.05, 0.10
EMAIL_SPACE, PHONE_SPACE = 10**8, 10**9


@dataclass(frozen=True)
class Identity:
    """Seeded bijections from a customer's number to unique email and phone digits."""

    email_mult: int
    email_shift: int
    phone_mult: int
    phone_shift: int

    @classmethod
    def draw(cls, rng: np.random.Generator) -> Identity:
        """Random multipliers and shifts of the two bijections."""
        return cls(
            _unit_mod_10(rng, EMAIL_SPACE),
            int(rng.integers(EMAIL_SPACE)),
            _unit_mod_10(rng, PHONE_SPACE),
            int(rng.integers(PHONE_SPACE)),
        )


def _unit_mod_10(rng: np.random.Generator, space: int) -> int:
    """A multiplier coprime to 10**k, so `(a * i + b) % space` never repeats."""
    candidate = int(rng.integers(space // 10, space))
    while candidate % 2 == 0 or candidate % 5 == 0:
        candidate += 1
    return candidate


@dataclass(frozen=True)
class CustomerChunk:
    """A block of consecutive customers and the latent facts their behaviour is drawn from."""

    start: int  # global number of the first customer (0-based)
    ids: pa.Array
    behaviour: np.ndarray  # index into BEHAVIOUR_TYPES
    window_start: np.ndarray  # seconds since period start; activity happens in the window
    window_end: np.ndarray
    first_seen: np.ndarray  # seconds since period start (negative: before the period)

    @property
    def size(self) -> int:
        """Number of customers."""
        return len(self.behaviour)


def customer_ids(numbers: np.ndarray, width: int) -> pa.Array:
    """'C0000001'-style ids for 0-based customer numbers."""
    return digit_strings(np.asarray(numbers) + 1, width, "C")


def draw_customers(rng: np.random.Generator, start: int, size: int, id_width: int) -> CustomerChunk:
    """Behaviour types and active windows for customers start .. start+size-1."""
    behaviour = rng.choice(len(TYPE_SHARE), size=size, p=TYPE_SHARE).astype(np.int8)
    window_start = np.zeros(size)
    window_end = np.full(size, float(HORIZON))
    lapsed, new = behaviour == LAPSED, behaviour == NEW
    window_end[lapsed] = HORIZON - rng.uniform(*LAPSE_MONTHS, size=int(lapsed.sum())) * MONTH
    window_start[new] = HORIZON - rng.uniform(*NEW_WITHIN_DAYS, size=int(new.sum())) * DAY
    before = -rng.uniform(30 * DAY, 900 * DAY, size=size)
    first_seen = np.floor(np.where(new, window_start, before)).astype(np.int64)
    window_start = np.maximum(window_start, first_seen)
    ids = customer_ids(np.arange(start, start + size), id_width)
    return CustomerChunk(start, ids, behaviour, window_start, window_end, first_seen)


def customer_table(rng: np.random.Generator, chunk: CustomerChunk, identity: Identity) -> pa.Table:
    """The contract's customers rows for a chunk (city, email and phone are fake but realistic)."""
    n = chunk.size
    city = pick(list(CITIES), rng.choice(len(CITIES), size=n, p=CITY_WEIGHTS / CITY_WEIGHTS.sum()))
    return pa.table(
        {
            "customer_id": chunk.ids,
            "first_seen": timestamps(chunk.first_seen),
            "city": with_nulls(city, rng.random(n) < NULL_CITY),
            "email": with_nulls(_emails(rng, chunk, identity), rng.random(n) < NULL_CONTACT),
            "phone": with_nulls(_phones(rng, chunk, identity), rng.random(n) < NULL_CONTACT),
        }
    )


def _numbers(chunk: CustomerChunk) -> np.ndarray:
    return np.arange(chunk.start, chunk.start + chunk.size, dtype=np.int64)


def _emails(rng: np.random.Generator, chunk: CustomerChunk, identity: Identity) -> pa.Array:
    n = chunk.size
    digits = (identity.email_mult * _numbers(chunk) + identity.email_shift) % EMAIL_SPACE
    parts = [
        pick(list(SURNAMES), rng.integers(len(SURNAMES), size=n)),
        pick(list(GIVEN_NAMES), rng.integers(len(GIVEN_NAMES), size=n)),
        pa.array(digits).cast(pa.string()),
        pick(list(MAIL_DOMAINS), rng.integers(len(MAIL_DOMAINS), size=n)),
    ]
    return pc.binary_join_element_wise(*parts, "")


def _phones(rng: np.random.Generator, chunk: CustomerChunk, identity: Identity) -> pa.Array:
    suffix = (identity.phone_mult * _numbers(chunk) + identity.phone_shift) % PHONE_SPACE
    prefix = MOBILE_PREFIXES[rng.integers(len(MOBILE_PREFIXES), size=chunk.size)]
    return digit_strings(prefix * PHONE_SPACE + suffix, 11)
