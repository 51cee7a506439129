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
        TableSpec(
            "erasures",
            (
                Column("customer_id", "string"),
                Column("requested_at", "timestamp"),
            ),
            time_column="requested_at",
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
