"""The data contract's tables and columns: names, kinds and which columns are personal.

Rules that go beyond a column's kind (uniqueness, ranges, cross-table checks) live in
`analysis.contract`; this module is only the vocabulary both the contract and the demo
generator share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnKind = Literal["string", "timestamp", "date", "float", "int", "bool"]


@dataclass(frozen=True)
class Column:
    """One contract column: its name, kind, whether nulls are allowed, whether personal."""

    name: str
    kind: ColumnKind
    nullable: bool = False
    personal: bool = False


@dataclass(frozen=True)
class TableSpec:
    """One contract table: its columns, its key and the column holding its time."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    time_column: str | None = None
    customer_column: str | None = None  # the column erasure requests are matched on

    @property
    def column_names(self) -> tuple[str, ...]:
        """Every contract column of the table, in contract order."""
        return tuple(c.name for c in self.columns)

    @property
    def public_columns(self) -> tuple[str, ...]:
        """Columns an analysis may select: everything but personal data."""
        return tuple(c.name for c in self.columns if not c.personal)

    def column(self, name: str) -> Column:
        """The contract column called `name`."""
        return next(c for c in self.columns if c.name == name)


TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "orders",
            (
                Column("order_id", "string"),
                Column("customer_id", "string"),
                Column("order_ts", "timestamp"),
                Column("revenue", "float"),
                Column("channel", "string", nullable=True),
            ),
            key=("order_id",),
            time_column="order_ts",
            customer_column="customer_id",
        ),
        TableSpec(
            "customers",
            (
                Column("customer_id", "string"),
                Column("first_seen", "timestamp"),
                Column("city", "string", nullable=True),
                Column("email", "string", nullable=True, personal=True),
                Column("phone", "string", nullable=True, personal=True),
            ),
            key=("customer_id",),
            time_column="first_seen",
            customer_column="customer_id",
        ),
        TableSpec(
            "touchpoints",
            (
                Column("user_id", "string"),
                Column("ts", "timestamp"),
                Column("channel", "string"),
                Column("campaign", "string", nullable=True),
            ),
            time_column="ts",
            customer_column="user_id",
        ),
        TableSpec(
            "spend",
            (
                Column("date", "date"),
                Column("channel", "string"),
                Column("campaign", "string"),
                Column("keyword", "string", nullable=True),
                Column("spend", "float"),
                Column("impressions", "int"),
                Column("clicks", "int"),
            ),
            time_column="date",
        ),
        TableSpec(
            "experiment_arms",
            (
                Column("experiment_id", "string"),
                Column("variant", "string"),
                Column("label", "string"),
                Column("is_control", "bool"),
                Column("planned_share", "float"),
                Column("units", "int", nullable=True),
                Column("clicks", "int", nullable=True),
            ),
            key=("experiment_id", "variant"),
        ),
        TableSpec(
            "experiment_units",
            (
                Column("experiment_id", "string"),
                Column("unit_id", "string"),
                Column("variant", "string"),
                Column("exposed_at", "timestamp", nullable=True),
                Column("clicked", "int"),
                Column("converted", "int"),
                Column("revenue", "float"),
                Column("pre_revenue", "float", nullable=True),
            ),
            key=("experiment_id", "unit_id"),
            time_column="exposed_at",
            customer_column="unit_id",
        ),
        TableSpec(
            "metrics",
            (
                Column("ts", "timestamp"),
                Column("series", "string"),
                Column("value", "float"),
            ),
            key=("series", "ts"),
            time_column="ts",
        ),
        TableSpec(  # optional: holdout / geo tests of a channel's incremental revenue
            "lift_tests",
            (
                Column("channel", "string"),
                Column("start", "date"),
                Column("end", "date"),
                Column("incremental_revenue", "float"),
                Column("std_error", "float"),
            ),
            key=("channel", "start", "end"),
            time_column="end",
        ),
        TableSpec(  # aggregates only: a platform's daily spend per channel
            "channel_spend",
            (
                Column("date", "date"),
                Column("channel", "string"),
                Column("spend", "float"),
            ),
            key=("date", "channel"),
            time_column="date",
        ),
        TableSpec(  # aggregates only: the shop's daily revenue
            "daily_revenue",
            (
                Column("date", "date"),
                Column("revenue", "float"),
            ),
            key=("date",),
            time_column="date",
        ),
        TableSpec(  # optional: other known drivers of revenue (price, promotions, weather)
            "known_drivers",
            (
                Column("date", "date"),
                Column("driver", "string"),
                Column("value", "float"),
            ),
            key=("date", "driver"),
            time_column="date",
        ),
        TableSpec(
            "erasures",
            (
                Column("customer_id", "string"),
                Column("requested_at", "timestamp"),
            ),
            time_column="requested_at",
        ),
        # the weekly data report's tables (all optional for the monthly reports)
        TableSpec(
            "page_views",
            (
                Column("user_id", "string", nullable=True),  # null for a visitor not logged in
                Column("session_id", "string"),
                Column("ts", "timestamp"),
                Column("page_type", "string"),  # home, list, product, review, cart, checkout…
                Column("channel", "string", nullable=True),
            ),
            time_column="ts",
            customer_column="user_id",
        ),
        TableSpec(
            "content",
            (
                Column("content_id", "string"),
                Column("channel", "string"),
                Column("published_at", "timestamp"),
                Column("title", "string"),
                Column("format", "string"),  # article, short_video, note, live
            ),
            key=("content_id",),
            time_column="published_at",
        ),
        TableSpec(
            "content_daily",
            (
                Column("content_id", "string"),
                Column("date", "date"),
                Column("reads", "int"),  # reads of an article or note, plays of a video
                Column("completions", "int"),
                Column("likes", "int"),
                Column("shares", "int"),
                Column("comments", "int"),
                Column("followers_gained", "int"),
            ),
            key=("content_id", "date"),
            time_column="date",
        ),
        TableSpec(
            "comments",
            (
                Column("content_id", "string", nullable=True),
                Column("channel", "string"),
                Column("ts", "timestamp"),
                Column("text", "string"),  # free text: masked before it is shown or stored
                Column("user_id", "string", nullable=True),  # the commenter, when known
            ),
            time_column="ts",
            customer_column="user_id",
        ),
    )
}

CHANNELS: tuple[str, ...] = (
    "百度SEM",
    "抖音",
    "小红书",
    "微信公众号",
    "企业微信社群",
    "邮件",
    "知乎",
)
"""The team's channels, in the order every report lists and colours them."""
