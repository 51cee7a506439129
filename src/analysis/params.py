"""Report parameters: a pydantic model per report, read from YAML, validated before a kernel starts.

A params file names its `report` (which notebook) and gives that report's parameters plus a
`data:` block saying where the warehouse is. `--set key=value` overrides any key. Every
failure becomes a `ParamsError` that names the file, the key, the bad value and what is
accepted.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Hashable
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, cast, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from analysis.errors import ParamsError
from analysis.i18n import Lang
from analysis.i18n.currency import check_currency
from analysis.recipes import ArmsFromUnits, TableRecipe
from analysis.schema import TABLES
from analysis.weeks import check_week, week_monday, week_month

TableName = Literal[
    "orders",
    "customers",
    "touchpoints",
    "spend",
    "experiment_arms",
    "experiment_units",
    "metrics",
    "erasures",
    "page_views",
    "content",
    "content_daily",
    "comments",
    "lift_tests",
    "channel_spend",
    "daily_revenue",
    "known_drivers",
]


def table_key(name: str) -> TableName:
    """A table name as the key of `DataSource.tables`, `columns` and `recipes` (not checked:
    a name that is no table simply finds nothing there)."""
    return cast(TableName, name)


_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")  # used with fullmatch: no trailing newline
_PLAIN_NAME = re.compile(r"\w[\w.-]*")  # \w includes Chinese characters; used with fullmatch
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Control characters and bidi overrides: a title or name holding one could end a line or
reverse the text after it on the page."""
RESERVED_NAMES = {"index"}  # index.html is the month's list of reports


def _check_month(value: str) -> str:
    if not isinstance(value, str) or not _MONTH.fullmatch(value):
        raise ValueError(f"{value!r} is not a month; write YYYY-MM, such as 2026-10")
    return value


def _check_plain_name(value: str) -> str:
    if not _PLAIN_NAME.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a plain file name; use letters (any script), digits, '_', '-' "
            "or '.', starting with a letter or digit"
        )
    if value.lower() in RESERVED_NAMES:
        raise ValueError(f"{value!r} is reserved (index.html lists the month's reports)")
    return value


def _check_no_control(value: str) -> str:
    found = _CONTROL.search(value)
    if found:
        raise ValueError(
            f"{value!r} holds the control character U+{ord(found.group(0)):04X}; write the "
            "text on one line without control or direction-override characters"
        )
    return value


Month = Annotated[str, AfterValidator(_check_month)]
PlainText = Annotated[str, AfterValidator(_check_no_control)]
Currency = Annotated[str, AfterValidator(check_currency)]
PlainName = Annotated[str, AfterValidator(_check_plain_name)]


def month_bounds(month: str) -> tuple[date, date]:
    """First and last day of a YYYY-MM month."""
    year, mon = (int(part) for part in month.split("-"))
    return date(year, mon, 1), date(year, mon, calendar.monthrange(year, mon)[1])


def previous_month(month: str) -> str:
    """The YYYY-MM month before `month`."""
    year, mon = (int(part) for part in month.split("-"))
    return f"{year - 1}-12" if mon == 1 else f"{year}-{mon - 1:02d}"


SPARK_MASTER = re.compile(r"local(\[(\d+|\*)\])?|yarn|(spark|sc)://[\w.\-]+(:\d+)?\S*|k8s://\S+")
"""Spark masters `data.spark_master` accepts: local mode, a standalone cluster, Spark Connect."""

Encoding = Literal["utf-8", "utf-8-sig", "gb18030", "gbk", "big5", "latin-1", "cp1252", "utf-16"]
ENCODINGS: tuple[str, ...] = get_args(Encoding)


class StrictModel(BaseModel):
    """Base for params models: unknown keys are errors; a number given for text is read as text."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class DataSource(StrictModel):
    """Where the warehouse is: a folder of files, a DuckDB file, or any ibis connection URL."""

    path: Path | None = Field(
        None, description="Folder of Parquet/CSV files (one per table) or a .duckdb file"
    )
    url: str | None = Field(None, description="ibis connection URL, e.g. postgres://…")
    engine: Literal["duckdb", "pyspark"] = Field(
        "duckdb", description="Engine that reads a folder of files"
    )
    spark_master: str | None = Field(
        None,
        description="pyspark only: where Spark runs: local[N] (default local[2]), "
        "spark://host:7077 (a standalone cluster) or sc://host:15002 (Spark Connect)",
    )
    database: str | None = Field(
        None,
        description="pyspark only: read the contract tables from this database of Spark's "
        "catalog (Hive, Delta or Iceberg as the session is configured) instead of a folder",
    )
    spark_conf: dict[str, str] = Field(
        default_factory=dict,
        description="pyspark only: extra Spark settings, e.g. spark.sql.catalog.* for Iceberg",
    )
    tables: dict[TableName, str] = Field(
        default_factory=dict, description="contract table → file or table name"
    )
    columns: dict[TableName, dict[str, str]] = Field(
        default_factory=dict, description="contract table → {contract column: source column}"
    )
    encoding: Encoding = "utf-8"
    delimiter: str = Field(",", min_length=1, max_length=1)
    timezone: str = Field(
        "Asia/Shanghai",
        description="the business time zone (IANA name): timestamps with an offset or stored "
        "as instants are converted into it; timestamps without one are read as its local time",
    )
    strict: bool = Field(True, description="Contract violations fail the run (else warn)")
    recipes: dict[TableName, TableRecipe] = Field(
        default_factory=dict,
        description="contract table → filter, constants, derived columns, value maps, formats",
    )
    arms: ArmsFromUnits = Field(
        default_factory=ArmsFromUnits,
        description="arms derived from experiment_units when there is no arms table",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{zone!r} is not a time zone name; write an IANA name such as Asia/Shanghai, "
                "Asia/Hong_Kong, Europe/London or UTC"
            ) from None
        return zone

    @model_validator(mode="after")
    def _one_location(self) -> DataSource:
        self._check_spark_keys()
        in_catalog = self.database is not None
        if in_catalog and (self.path is not None or self.url is not None):
            raise ValueError("give 'database' (a Spark catalog) or 'path' or 'url', not several")
        if not in_catalog and (self.path is None) == (self.url is None):
            raise ValueError(
                "give exactly one of 'path' (folder or .duckdb file), 'url', or "
                "'database' with engine: pyspark"
            )
        for table, mapping in self.columns.items():
            known = TABLES[table].column_names
            unknown = sorted(set(mapping) - set(known))
            if unknown:
                raise ValueError(
                    f"columns.{table}: {unknown} are not contract columns of {table}; "
                    f"accepted: {', '.join(known)}"
                )
        self._check_recipes()
        self._check_files_exist()
        return self

    def _check_spark_keys(self) -> None:
        if self.engine == "pyspark":
            master = self.spark_master
            if master is not None and not SPARK_MASTER.fullmatch(master):
                raise ValueError(
                    f"spark_master {master!r} is not a Spark master; accepted: local, "
                    "local[N], local[*], spark://host:port, sc://host:port, yarn or k8s://…"
                )
            return
        given = [
            key
            for key, value in (
                ("spark_master", self.spark_master),
                ("database", self.database),
                ("spark_conf", self.spark_conf),
            )
            if value
        ]
        if given:
            raise ValueError(f"{', '.join(given)} need(s) engine: pyspark (engine is duckdb)")

    def _check_recipes(self) -> None:
        """One source column feeds one contract column; recipes name contract columns."""
        for table, mapping in self.columns.items():
            sources = list(mapping.values())
            for source in dict.fromkeys(s for s in sources if sources.count(s) > 1):
                targets = [c for c, s in mapping.items() if s == source]
                raise ValueError(
                    f"columns.{table}: {', '.join(targets)} all point at your column "
                    f"{source!r}; map it to one of them and copy it into the other with "
                    f"recipes.{table}.derive.{targets[1]}: {{column: {source}}}"
                )
        for table, recipe in self.recipes.items():
            known = TABLES[table].column_names
            unknown = sorted(recipe.contract_columns() - set(known))
            if unknown:
                raise ValueError(
                    f"recipes.{table}: {unknown} are not contract columns of {table}; "
                    f"accepted: {', '.join(known)}"
                )
            built = [*recipe.constants, *recipe.derive]
            twice = sorted(
                {c for c in built if built.count(c) > 1 or c in self.columns.get(table, {})}
            )
            if twice:
                raise ValueError(
                    f"recipes.{table}: {twice} are built twice (in columns.{table}, constants "
                    "or derive); give each contract column one source"
                )
            if recipe.lines_to_orders is not None and table != "orders":
                raise ValueError(
                    f"recipes.{table}.lines_to_orders: only the orders table groups lines"
                )

    def _check_files_exist(self) -> None:
        if self.path is None:
            return
        if not self.path.exists():
            hint = "; build the demo warehouse with `make data`" if self.path.name == "demo" else ""
            raise ValueError(
                f"path {str(self.path)!r} does not exist (from {Path.cwd()}); give a folder "
                f"of Parquet/CSV files or a .duckdb file{hint}"
            )
        if self.path.is_dir():
            for table, file_name in self.tables.items():
                if not (self.path / file_name).exists():
                    raise ValueError(
                        f"tables.{table}: file {file_name!r} is not in {self.path}; "
                        f"files there: {', '.join(sorted(p.name for p in self.path.iterdir()))}"
                    )


class ReportParams(StrictModel):
    """Parameters every report takes; each report's model adds its own."""

    report_kind: ClassVar[str] = ""
    runs_last: ClassVar[bool] = False  # a batch runs it after every other report
    tables_needed: ClassVar[tuple[str, ...]] = ()
    tables_optional: ClassVar[tuple[str, ...]] = ()
    period_tables: ClassVar[tuple[str, ...]] = ()
    """The report's subject: at least one of these must have rows in `period`, else the run
    stops with a `NoDataError` before a kernel starts (never a report of zeros)."""

    report: str
    name: PlainName | None = Field(None, description="Output file name; default: the report")
    period: Month = Field(description="The month reported on, YYYY-MM")
    data: DataSource
    title: PlainText | None = Field(None, description="Report title; default: the report's own")
    lang: Lang = Field("en", description="language of the report: en | zh")
    currency: Currency = Field("CNY", description="ISO 4217 code of the money amounts")

    def data_window(self) -> tuple[date, date, str]:
        """The days a run must have data in (first, last) and how messages name them."""
        first, last = month_bounds(self.period)
        return first, last, self.period

    @property
    def output_name(self) -> str:
        """The file name of this run's outputs: `name`, else the report's name."""
        return self.name or self.report

    def notebook_parameters(self) -> dict[str, Any]:
        """The values papermill injects: JSON-safe, data path made absolute."""
        values = self.model_dump(mode="json")
        if self.data.path is not None:
            values["data"]["path"] = str(self.data.path.resolve())
        return values


class DataHealthParams(ReportParams):
    """The data-health report: coverage, nulls, duplicates, contract warnings, month KPIs."""

    report_kind: ClassVar[str] = "data_health"
    tables_needed: ClassVar[tuple[str, ...]] = ("orders", "customers", "touchpoints", "spend")
    period_tables: ClassVar[tuple[str, ...]] = ("orders",)
    tables_optional: ClassVar[tuple[str, ...]] = (
        "experiment_arms",
        "experiment_units",
        "metrics",
        "erasures",
    )

    report: Literal["data_health"] = "data_health"


MetricName = Literal["ctr", "conversion", "revenue_per_unit", "revenue_per_click"]
PRESET_METRICS: tuple[str, ...] = get_args(MetricName)


class CustomMetric(StrictModel):
    """A metric by name from unit-level columns of experiment_units (not a contract column).

    proportion: a 0/1 column (share of units with 1); mean: a numeric column per unit;
    ratio: Σ column / Σ denominator over units (delta method). The label and unit are shown
    as given, in every language.
    """

    kind: Literal["proportion", "mean", "ratio"]
    column: str
    denominator: str | None = Field(None, description="ratio only: the denominator column")
    label: str
    unit: str = ""

    @model_validator(mode="after")
    def _denominator_for_ratio(self) -> CustomMetric:
        if (self.kind == "ratio") != (self.denominator is not None):
            raise ValueError(
                f"kind = {self.kind!r} with denominator = {self.denominator!r}; a ratio needs "
                "a denominator column and the other kinds take none"
            )
        return self


class ExperimentSpec(StrictModel):
    """One experiment to analyse: its metrics and, if not the arm marked is_control, its control."""

    id: str
    primary_metric: str = Field("ctr", description="a preset or a name under `metrics`")
    secondary_metrics: list[str] = Field(default_factory=list)
    guardrail_metrics: list[str] = Field(default_factory=list)
    control: str | None = Field(None, description="control variant; default: the is_control arm")


class BetaPrior(StrictModel):
    """Beta(a, b) prior on each arm's rate for the Bayesian view of proportion metrics."""

    a: float = Field(1.0, gt=0)
    b: float = Field(1.0, gt=0)


class PlannedTest(StrictModel):
    """Planning mode: units per arm needed to detect `mde_relative` on a `baseline` rate."""

    baseline: float = Field(gt=0, lt=1)
    mde_relative: float = Field(gt=0)
    control_share: float = Field(0.5, gt=0, lt=1)
    power: float = Field(0.8, gt=0, lt=1)


class AbTestParams(ReportParams):
    """The A/B test report: a verdict per experiment with its statistics."""

    report_kind: ClassVar[str] = "abtest"
    tables_needed: ClassVar[tuple[str, ...]] = ("experiment_arms",)
    tables_optional: ClassVar[tuple[str, ...]] = ("experiment_units", "erasures")

    report: Literal["abtest"] = "abtest"
    experiments: list[ExperimentSpec] | None = Field(
        None, description="experiments to analyse; default: every one found, primary metric CTR"
    )
    metrics: dict[str, CustomMetric] = Field(
        default_factory=dict, description="metrics by name from unit-level columns"
    )
    outlier_top_units: int = Field(
        10, ge=0, description="mean metrics: also test without each arm's N largest units"
    )
    winsorize_quantile: float | None = Field(
        None, gt=0.5, lt=1, description="mean metrics: also a test capped at this quantile"
    )
    alpha: float = Field(0.05, gt=0, lt=0.5)
    correction: Literal["holm", "bonferroni", "bh", "none"] = "holm"
    proportion_test: Literal["unpooled", "pooled"] = Field(
        "unpooled", description="z-test of proportions: unpooled Wald (default) or pooled"
    )
    relative_ci: Literal["log_ratio", "absolute_over_control"] = Field(
        "log_ratio", description="relative-lift CI: delta on log ratio, or absolute CI / control"
    )
    prior: BetaPrior = Field(default_factory=BetaPrior)
    mde_relative: float = Field(0.10, gt=0, description="smallest relative lift worth shipping")
    power: float = Field(0.8, gt=0, lt=1)
    cuped: bool = True
    sequential: bool = False
    srm_alpha: float = Field(0.001, gt=0, lt=1, description="SRM p below this: invalid")
    srm_warn_alpha: float = Field(
        0.01, gt=0, lt=1, description="SRM p below this: the verdict carries a caveat"
    )
    check_srm: bool = Field(True, description="false when planned shares are unknown")
    srm_known_issue: tuple[date, date] | None = Field(
        None,
        description="a period the platform documented as having assignment problems; the "
        "sample-ratio check by week compares the failing share inside and outside it",
    )
    industry_ctr: float | None = Field(None, gt=0, lt=1, description="industry mean CTR")
    industry_ctr_share: float = Field(0.5, gt=0, lt=1, description="replace arms under this share")
    planning: list[PlannedTest] = Field(default_factory=list)
    portfolio_examples: int = Field(10, ge=0, description="experiments shown in full when many")

    @model_validator(mode="after")
    def _metric_names(self) -> AbTestParams:
        known = {*PRESET_METRICS, *self.metrics}
        clash = sorted(set(self.metrics) & set(PRESET_METRICS))
        if clash:
            raise ValueError(f"metrics.{clash[0]} redefines a preset; choose another name")
        for position, spec in enumerate(self.experiments or []):
            names = [
                ("primary_metric", spec.primary_metric),
                *((f"secondary_metrics.{i}", n) for i, n in enumerate(spec.secondary_metrics)),
                *((f"guardrail_metrics.{i}", n) for i, n in enumerate(spec.guardrail_metrics)),
            ]
            for field, name in names:
                if name not in known:
                    raise ValueError(
                        f"experiments.{position}.{field}: metric {name!r} of experiment "
                        f"{spec.id} is neither a preset ({', '.join(PRESET_METRICS)}) nor "
                        "defined under `metrics`"
                    )
        return self

    @model_validator(mode="after")
    def _srm_tiers(self) -> AbTestParams:
        if self.srm_warn_alpha < self.srm_alpha:
            raise ValueError(
                f"srm_warn_alpha = {self.srm_warn_alpha} is below srm_alpha = {self.srm_alpha}; "
                "the warning tier must be at least the invalid threshold"
            )
        return self


MAX_CLUSTERS = 20
"""k-means segments a CRM team can still name and act on; each k is one more fit, so the
search stays a few seconds (k_max = 10^6 ran for more than 15 minutes)."""
MAX_HISTORY_DAYS = 3650
"""Ten years: the longest window or horizon a report reads or projects; beyond it dates
overflow and no marketing export reaches."""
Seed = Annotated[int, Field(ge=0, lt=2**32, description="seed of every random step")]
"""numpy's seeds are 0 … 2^32 − 1."""


class ClassRules(StrictModel):
    """The handbook's class thresholds (its example values are the defaults)."""

    high_value_orders_per_month: float = Field(2.0, gt=0)
    high_value_spend_per_month: float = Field(1000.0, ge=0)
    potential_orders_per_month: float = Field(1.0, gt=0)
    potential_spend_per_month: float = Field(500.0, ge=0)
    churn_after_days: int = Field(90, gt=0, le=MAX_HISTORY_DAYS)
    high_value_min_tenure_days: int = Field(
        30,
        ge=0,
        le=MAX_HISTORY_DAYS,
        description="days from the first purchase in the window to as_of, at least",
    )


class RfmParams(ReportParams):
    """The RFM report: classes, R×F segments, clusters, lifetime value and migration."""

    report_kind: ClassVar[str] = "rfm"
    tables_needed: ClassVar[tuple[str, ...]] = ("orders",)
    tables_optional: ClassVar[tuple[str, ...]] = ("customers", "erasures")
    period_tables: ClassVar[tuple[str, ...]] = ("orders",)

    report: Literal["rfm"] = "rfm"
    as_of: date | None = Field(
        None, description="default: the last day with orders in the period (else its last day)"
    )
    lookback_days: int = Field(365, gt=0, le=MAX_HISTORY_DAYS)
    rules: ClassRules = Field(default_factory=ClassRules)
    k_min: int = Field(2, ge=2, le=MAX_CLUSTERS)
    k_max: int = Field(8, ge=2, le=MAX_CLUSTERS)
    random_state: Seed = 7
    clv_horizon_days: int = Field(180, gt=0, le=MAX_HISTORY_DAYS)
    gross_margin: float = Field(0.3, ge=0, le=1)
    monthly_discount_rate: float = Field(0.01, ge=0)
    summary_unit: Literal["days", "weeks"] = Field("weeks", description="BG/NBD time unit")

    @model_validator(mode="after")
    def _k_range(self) -> RfmParams:
        if self.k_min > self.k_max:
            raise ValueError(f"k_min = {self.k_min} exceeds k_max = {self.k_max}")
        return self

    @property
    def as_of_date(self) -> date:
        """as_of, or the last day of the period (the report moves it to the last data day)."""
        return self.as_of or month_bounds(self.period)[1]


AttributionModel = Literal[
    "first_touch", "last_touch", "linear", "time_decay", "position_based", "markov", "shapley"
]
ATTRIBUTION_MODELS: tuple[AttributionModel, ...] = get_args(AttributionModel)


class RoiThresholds(StrictModel):
    """The handbook's ROI lines: < watch inefficient, < keep watch/cut, > expand grow."""

    watch: float = Field(1.2, gt=0, description="below: inefficient placement")
    keep: float = Field(2.0, gt=0, description="below: cut in the deepening phase")
    expand: float = Field(3.0, gt=0, description="above: expand")

    @model_validator(mode="after")
    def _increasing(self) -> RoiThresholds:
        if not self.watch < self.keep < self.expand:
            raise ValueError(
                f"need watch < keep < expand, got {self.watch}, {self.keep}, {self.expand}"
            )
        return self


class BudgetRules(StrictModel):
    """Next month's budget: its total, how far each channel may move, the test share."""

    total: float | None = Field(None, gt=0, description="default: this month's total spend")
    max_increase: float = Field(0.3, ge=0, description="largest relative rise per channel")
    max_decrease: float = Field(0.5, ge=0, le=1, description="largest relative cut per channel")
    channel_limits: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="per channel [max_decrease, max_increase] overrides"
    )
    test_share: float = Field(0.2, ge=0, lt=1, description="kept for tests of new channels")
    deepening_phase: bool = Field(True, description="cut channels under the keep threshold too")
    curve_days: int = Field(90, ge=14, le=730, description="days of history for response curves")
    min_curve_days: int = Field(14, ge=7, description="fewest days with spend to fit a curve")


class MmmSettingsParams(StrictModel):
    """The marketing-mix model behind incremental ROI (see `analysis.attribution.mmm`)."""

    history_days: int = Field(365, ge=56, le=1100, description="days of spend and revenue fitted")
    level: float = Field(0.9, gt=0.5, lt=1, description="coverage of the intervals")
    draws: int = Field(2000, ge=200, le=20000, description="posterior draws for the intervals")
    prior_roi_mean: float = Field(1.83, description="prior mean of a channel's ROI (Meridian's)")
    prior_roi_sd: float = Field(2.05, gt=0, description="prior sd of a channel's ROI")
    events: list[tuple[date, date]] = Field(
        default_factory=list, description="known demand events [start, end] in the baseline"
    )
    step: Literal["auto", "day", "week"] = Field(
        "auto", description="rows a day or a week; auto reads it from the dates"
    )
    controls: Literal["organic_touches", "none"] = Field(
        "organic_touches",
        description="organic_touches: each channel without spend enters the baseline with its "
        "daily touches (journeys only); none: trend, weekday and events alone",
    )


class AttributionParams(ReportParams):
    """The channel ROI report: multi-touch attribution, ROI by channel, budget moves."""

    report_kind: ClassVar[str] = "attribution"
    report: Literal["attribution"] = "attribution"
    inputs: Literal["journeys", "aggregates"] = Field(
        "journeys",
        description="journeys: touchpoints, orders and spend; aggregates: only daily spend per "
        "channel (channel_spend) and daily revenue (daily_revenue), incremental ROI alone",
    )
    roi_source: Literal["incremental", "attributed"] = Field(
        "incremental",
        description="status, quadrant, CAC and budget from the marketing-mix model's "
        "incremental ROI, or from the decision model's attributed ROI",
    )
    mmm: MmmSettingsParams = Field(default_factory=MmmSettingsParams)

    @property
    def tables_needed(self) -> tuple[str, ...]:  # type: ignore[override]
        """Touchpoints and orders, or the two aggregate tables with `inputs: aggregates`."""
        if self.inputs == "aggregates":
            return ("channel_spend", "daily_revenue")
        return ("touchpoints", "orders")

    @property
    def period_tables(self) -> tuple[str, ...]:  # type: ignore[override]
        """The table that dates the period: orders, or daily revenue on aggregates."""
        return ("daily_revenue",) if self.inputs == "aggregates" else ("orders",)

    @property
    def tables_optional(self) -> tuple[str, ...]:  # type: ignore[override]
        """Tables read when present: lift tests and known drivers; also spend, customers and
        erasures on journeys."""
        if self.inputs == "aggregates":
            return ("lift_tests", "known_drivers")
        return ("spend", "customers", "erasures", "lift_tests", "known_drivers")

    lookback_days: int = Field(30, gt=0, le=365, description="touches this far before an order")
    collapse_repeats: bool = Field(True, description="A > A > B counts as A > B")
    half_life_days: float = Field(7.0, gt=0, description="time-decay half-life")
    position_weights: tuple[float, float, float] = Field(
        (0.4, 0.2, 0.4), description="position-based first / middle / last"
    )
    models: list[AttributionModel] = Field(default_factory=lambda: list(ATTRIBUTION_MODELS))
    decision_model: AttributionModel = Field(
        "markov", description="the model whose ROI sets status, quadrant and budget"
    )
    markov_order: int = Field(1, ge=1, le=4)
    max_exact_shapley_channels: int = Field(12, ge=1, le=16)
    thresholds: RoiThresholds = Field(default_factory=RoiThresholds)
    gross_margin: float = Field(0.3, gt=0, le=1)
    budget: BudgetRules = Field(default_factory=BudgetRules)
    ltv: Literal["clv", "mean_revenue"] = Field(
        "clv", description="LTV from BG/NBD + Gamma-Gamma, or mean revenue per customer"
    )
    clv_horizon_days: int = Field(365, gt=0, le=MAX_HISTORY_DAYS)
    monthly_discount_rate: float = Field(0.01, ge=0)
    top_paths: int = Field(10, ge=1, le=100)
    random_state: Seed = 7

    @model_validator(mode="after")
    def _consistent(self) -> AttributionParams:
        if abs(sum(self.position_weights) - 1) > 1e-9 or min(self.position_weights) < 0:
            raise ValueError(
                f"position_weights = {list(self.position_weights)}: need three weights >= 0 "
                "that sum to 1 (first, middle, last), e.g. [0.4, 0.2, 0.4]"
            )
        if self.decision_model not in self.models:
            raise ValueError(
                f"decision_model = {self.decision_model!r} is not among models = "
                f"{self.models}; add it to models"
            )
        if "last_touch" not in self.models:
            raise ValueError(
                "models must include 'last_touch': the report compares every model with it"
            )
        return self


AnomalyMetric = Literal[
    "spend",
    "impressions",
    "clicks",
    "ctr",
    "cpc",
    "cpm",
    "visits",
    "orders",
    "revenue",
    "conversion_rate",
    "series",
]
ANOMALY_METRICS: tuple[AnomalyMetric, ...] = get_args(AnomalyMetric)
AnomalyLevel = Literal["total", "channel", "campaign", "keyword"]


class AnomalyRules(StrictModel):
    """The handbook's alert rules (its figures are the defaults) and their volume guards.

    Field names are those of `analysis.anomaly.rules.RuleSettings`, which documents each.
    """

    cpc_jump: float = Field(0.30, gt=0, description="CPC ≥ +30% vs the trailing 7-day mean")
    cpc_window: int = Field(7, ge=1)
    cpc_min_clicks: float = Field(50, ge=0, description="fewest clicks that day")
    cpc_min_window_clicks: float = Field(200, ge=0, description="fewest in the trailing window")
    cpc_deadline_hours: float = Field(24, gt=0, description="investigate within this")
    traffic_drop: float = Field(0.20, gt=0, lt=1, description="visits ≤ −20% vs last week")
    traffic_min_visits: float = Field(500, ge=0)
    conversion_drop: float = Field(0.05, gt=0, lt=1, description="conversion rate ≤ −5% w/w")
    conversion_min_conversions: float = Field(100, ge=0)
    conversion_max_p_value: float | None = Field(0.05, gt=0, le=1)
    industry_ctr: float | None = Field(None, gt=0, lt=1, description="benchmark CTR; off if none")
    ctr_fraction: float = Field(0.5, gt=0, lt=1, description="alert under this share of it")
    ctr_min_impressions: float = Field(2000, ge=0)


class AnomalyParams(ReportParams):
    """The anomaly report: few, explained, ranked alerts on daily marketing metrics."""

    report_kind: ClassVar[str] = "anomalies"
    tables_needed: ClassVar[tuple[str, ...]] = ()
    tables_optional: ClassVar[tuple[str, ...]] = (
        "spend",
        "touchpoints",
        "orders",
        "metrics",
        "erasures",
    )
    period_tables: ClassVar[tuple[str, ...]] = ("spend", "touchpoints", "orders", "metrics")

    report: Literal["anomalies"] = "anomalies"
    metrics: list[AnomalyMetric] = Field(default_factory=lambda: list(ANOMALY_METRICS))
    levels: list[AnomalyLevel] = Field(default_factory=lambda: list(get_args(AnomalyLevel)))
    frequency: str = Field(
        "D",
        pattern=r"^(auto|\d*(min|h|D))$",
        description="step: D, h, <n>h or <n>min dividing a day, or auto (the metrics table's)",
    )
    history_days: int = Field(112, ge=14, le=1100, description="history before the period")
    scored_from: date | None = Field(None, description="first day scored; default period start")
    threshold: float | None = Field(None, gt=0, description="score threshold; default detector's")
    min_deviation: float = Field(
        0.20, ge=0, lt=1, description="incidents must move at least this much (20%)"
    )
    rules: AnomalyRules = Field(default_factory=AnomalyRules)
    top_incidents: int = Field(5, ge=1, le=50, description="incidents charted in detail")
    nab_windows: Path | None = Field(
        None, description="NAB combined_windows.json: score the detections against its labels"
    )

    @model_validator(mode="after")
    def _windows_exist(self) -> AnomalyParams:
        if self.nab_windows is not None and not self.nab_windows.is_file():
            raise ValueError(f"nab_windows = {str(self.nab_windows)!r}: no such file")
        return self

    def notebook_parameters(self) -> dict[str, Any]:
        """The base parameters, with the NAB windows file as an absolute path."""
        values = super().notebook_parameters()
        if self.nab_windows is not None:
            values["nab_windows"] = str(self.nab_windows.resolve())
        return values


class KpiTargets(StrictModel):
    """The month's SMART targets; defaults are the handbook's example figures.

    site_conversion: orders / visits; paid_conversion: orders the shop credited to a paid
    channel / visits from paid channels; repurchase: buyers with 2+ orders in the month /
    buyers; channel_roi: paid channels' attributed revenue / spend (attribution report,
    decision model); sem_lead_cost: the SEM channel's CAC (attribution report);
    free_traffic_share: visits from channels without spend / all visits.
    """

    site_conversion: float = Field(0.025, gt=0, lt=1)
    paid_conversion: float = Field(0.03, gt=0, lt=1)
    repurchase: float = Field(0.20, gt=0, lt=1)
    channel_roi: float = Field(1.2, gt=0)
    sem_lead_cost: float = Field(200.0, gt=0, description="yuan per new customer, at most")
    free_traffic_share: float = Field(0.50, gt=0, lt=1)


class SummaryParams(ReportParams):
    """The monthly summary: KPI scorecard, budget execution and the month's decisions.

    It reads the results JSON the month's other reports wrote into `reports_dir` (default:
    the folder the summary itself is written to) and recomputes none of them.
    """

    report_kind: ClassVar[str] = "monthly_summary"
    tables_needed: ClassVar[tuple[str, ...]] = ("orders", "touchpoints", "spend")
    period_tables: ClassVar[tuple[str, ...]] = ("orders",)
    runs_last: ClassVar[bool] = True

    targets: KpiTargets = Field(default_factory=KpiTargets)
    at_risk_margin: float = Field(
        0.10, ge=0, lt=1, description="a KPI this close to its target (relative) is 'at risk'"
    )
    sem_channel: str = Field("百度SEM", description="the channel whose CAC is the SEM lead cost")
    budget_plan: dict[str, float] = Field(
        default_factory=dict, description="planned spend of the month per channel, yuan"
    )
    sources: list[str] = Field(
        default_factory=lambda: ["data_health", "abtest", "rfm", "attribution", "anomalies"],
        description="the output names of the reports the summary reads",
    )
    reports_dir: Path | None = Field(None, description="where those reports' JSON files are")
    run_id: str | None = Field(
        None,
        description="set by a batch: only that run's records count; an older one is 'stale'",
    )
    max_decisions: int = Field(10, ge=1, le=30)

    @field_validator("budget_plan")
    @classmethod
    def _plan_is_positive(cls, plan: dict[str, float]) -> dict[str, float]:
        negative = {channel: value for channel, value in plan.items() if value < 0}
        if negative:
            raise ValueError(f"planned spend must be ≥ 0 yuan; got {negative}")
        return plan

    def notebook_parameters(self) -> dict[str, Any]:
        """The base parameters, with the reports folder as an absolute path."""
        values = super().notebook_parameters()
        if self.reports_dir is not None:
            values["reports_dir"] = str(self.reports_dir.resolve())
        return values


Week = Annotated[str, AfterValidator(check_week)]


class WeeklyParams(ReportParams):
    """The weekly data report (数据周报): traffic, funnel, incidents, content, reputation.

    `period` is the month the week belongs to (the month of its Thursday); it is filled from
    `week` when not given. Outputs are named `weekly-<week>` unless `name` is given.
    """

    report_kind: ClassVar[str] = "weekly"
    tables_needed: ClassVar[tuple[str, ...]] = ("page_views",)
    period_tables: ClassVar[tuple[str, ...]] = ("page_views",)
    tables_optional: ClassVar[tuple[str, ...]] = (
        "content",
        "content_daily",
        "comments",
        "touchpoints",
        "orders",
        "spend",
        "erasures",
    )

    def data_window(self) -> tuple[date, date, str]:
        """The week's seven days: a week without rows is no data, whatever its month holds."""
        monday = week_monday(self.week)
        return monday, monday + timedelta(days=6), self.week

    report: Literal["weekly"] = "weekly"
    week: Week = Field(description="ISO week reported on, YYYY-Www such as 2026-W43")
    history_weeks: int = Field(8, ge=2, le=53, description="weeks shown for trends, this one last")
    funnel_steps: list[str] = Field(
        default_factory=lambda: ["home", "list", "product", "review", "cart", "checkout", "paid"],
        min_length=2,
        description="page types of the funnel in order; the last one is an order",
    )
    paid_channels: list[str] = Field(
        default_factory=lambda: ["百度SEM", "抖音", "小红书", "微信公众号", "知乎"],
        description="channels whose traffic is bought",
    )
    private_channels: list[str] = Field(
        default_factory=lambda: ["企业微信社群", "邮件"],
        description="private-domain (私域) channels; every other channel is free traffic",
    )
    alpha: float = Field(0.05, gt=0, lt=1, description="family-wise error of the funnel tests")
    completion_targets: dict[str, float] = Field(
        default_factory=lambda: {"抖音": 0.30},
        description="video completion-rate target per channel (handbook: Douyin ≥ 30%)",
    )
    brand_names: list[str] = Field(
        default_factory=lambda: ["澜肌"],
        min_length=1,
        description="the brand's names as people write them (default: the demo brand)",
    )
    complaint_words: list[str] = Field(default_factory=lambda: ["投诉", "差评"], min_length=1)
    alert_min_comments: int = Field(5, ge=1, description="fewest complaints for an alert")
    alert_max_p_value: float = Field(0.01, gt=0, lt=1, description="Poisson tail vs past weeks")
    negative_below: float = Field(0.4, gt=0, lt=1, description="sentiment score of a negative")
    positive_above: float = Field(0.6, gt=0, lt=1, description="sentiment score of a positive")
    examples: int = Field(5, ge=0, le=20, description="masked example complaints shown")
    incidents: bool = Field(True, description="take the week's incidents from the detector")

    @model_validator(mode="before")
    @classmethod
    def _period_from_week(cls, values: Any) -> Any:
        if isinstance(values, dict) and values.get("period") is None and "week" in values:
            try:
                return {**values, "period": week_month(check_week(values["week"]))}
            except ValueError:
                return values  # the week's own validator says what is wrong
        return values

    @model_validator(mode="after")
    def _week_in_period(self) -> WeeklyParams:
        if week_month(self.week) != self.period:
            raise ValueError(
                f"week {self.week} belongs to {week_month(self.week)} (the month of its "
                f"Thursday), not to period {self.period}; give that period or another week"
            )
        if not self.negative_below <= self.positive_above:
            raise ValueError("negative_below must not exceed positive_above")
        return self

    @property
    def output_name(self) -> str:
        """`name`, else weekly-<week> (a month holds several weekly reports)."""
        return self.name or f"{self.report}-{self.week}"


REPORTS: dict[str, type[ReportParams]] = {
    DataHealthParams.report_kind: DataHealthParams,
    AbTestParams.report_kind: AbTestParams,
    RfmParams.report_kind: RfmParams,
    AttributionParams.report_kind: AttributionParams,
    AnomalyParams.report_kind: AnomalyParams,
    SummaryParams.report_kind: SummaryParams,
    WeeklyParams.report_kind: WeeklyParams,
}
"""Every report the runner knows: report name → its params model (and notebook name)."""


class BatchEntry(StrictModel):
    """One report of a monthly batch: the report plus any parameters of its own."""

    model_config = ConfigDict(extra="allow", frozen=True)

    report: str


class BatchParams(StrictModel):
    """A month's batch: shared `data`, `period` and `lang`, and the list of reports."""

    period: Month
    data: DataSource
    lang: Lang = "en"
    currency: Currency = "CNY"
    reports: list[BatchEntry] = Field(min_length=1)


# ---------------------------------------------------------------- loading and errors


class ParamsLoader(yaml.SafeLoader):
    """The safe loader, with two changes for params files.

    A key given twice in one mapping is an error (YAML would keep the last silently), and
    dates stay text, so that the params model validates them and names the key
    (`as_of: 2026-02-30` is an invalid `as_of`, not a crash inside the YAML reader).
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        """A mapping; a key repeated in one block is an error naming the key and both lines."""
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, Hashable):
                break  # a list as a key: the safe loader's own error says so
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key!r} appears twice in one block (lines {seen[key]} and {line}); "
                    "keep one",
                    key_node.start_mark,
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


ParamsLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml_text(text: str) -> Any:
    """Parse params YAML text (duplicate keys refused, dates kept as text)."""
    return yaml.load(text, Loader=ParamsLoader)  # ParamsLoader is a SafeLoader


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a params YAML file with the safe loader; it must hold a mapping."""
    if not path.is_file():
        raise ParamsError(f"params file {path} does not exist; give the path of a .yaml file")
    try:
        content = load_yaml_text(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ParamsError(f"{path}: not UTF-8 text at byte {exc.start}; save it as UTF-8") from exc
    if not isinstance(content, dict):
        raise ParamsError(f"{path}: expected a mapping of keys to values, got {content!r}")
    return content


def apply_overrides(values: dict[str, Any], overrides: list[str], source: str) -> dict[str, Any]:
    """Apply `key=value` overrides (dotted keys reach into blocks; values parsed as YAML)."""
    merged = _deep_copy(values)
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise ParamsError(f"{source}: --set {item!r} is not key=value (e.g. period=2026-09)")
        try:
            value = load_yaml_text(raw) if raw else ""
        except yaml.YAMLError:
            value = raw
        target = merged
        parts = key.split(".")
        for part in parts[:-1]:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                raise ParamsError(f"{source}: --set {key}: '{part}' is not a block of keys")
        target[parts[-1]] = value
    return merged


def _deep_copy(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, dict) else v for k, v in values.items()}


def validate_report(values: dict[str, Any], source: str) -> ReportParams:
    """Validate one report's parameters with its model, or raise a `ParamsError`."""
    report = values.get("report")
    if report not in REPORTS:
        raise ParamsError(
            f"{source}: key 'report': {report!r} is not a report; "
            f"accepted: {', '.join(sorted(REPORTS))}"
        )
    model = REPORTS[report]
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise ParamsError(describe_validation_error(exc, model, source)) from None


def validate_batch(values: dict[str, Any], source: str) -> list[ReportParams]:
    """Validate a batch file and every report in it (shared keys merged into each)."""
    try:
        batch = BatchParams.model_validate(values)
    except ValidationError as exc:
        raise ParamsError(describe_validation_error(exc, BatchParams, source)) from None
    shared = {
        "period": batch.period,
        "data": values["data"],
        "lang": batch.lang,
        "currency": batch.currency,
    }
    reports = []
    for index, entry in enumerate(values["reports"]):
        where = f"{source} reports[{index}]"
        base = _entry_base(entry, where)
        own = {k: v for k, v in entry.items() if k != "params"}
        reports.append(validate_report({**base, **shared, **own}, where))
    names = [r.output_name for r in reports]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ParamsError(
            f"{source}: report names {duplicated} appear twice; give each a distinct 'name'"
        )
    return reports


def _entry_base(entry: dict[str, Any], where: str) -> dict[str, Any]:
    """A batch entry's `params: <file>`: that report file's keys, under the batch's own."""
    if "params" not in entry:
        return {}
    path = Path(str(entry["params"]))
    if not path.is_file():
        raise ParamsError(f"{where}: key 'params': file {path} does not exist")
    return read_yaml(path)


def load_report_params(path: Path, overrides: list[str] | None = None) -> ReportParams:
    """Read, override and validate a single report's params file."""
    values = apply_overrides(read_yaml(path), overrides or [], str(path))
    return validate_report(values, str(path))


def load_batch_params(path: Path, overrides: list[str] | None = None) -> list[ReportParams]:
    """Read, override and validate a monthly batch file."""
    values = apply_overrides(read_yaml(path), overrides or [], str(path))
    return validate_batch(values, str(path))


def describe_validation_error(exc: ValidationError, model: type[BaseModel], source: str) -> str:
    """Turn pydantic's errors into lines naming the key, the bad value and what is accepted."""
    lines = [f"{source}: {exc.error_count()} invalid parameter(s):"]
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        if error["type"] == "extra_forbidden":
            accepted = _accepted_keys(model, error["loc"][:-1])
            lines.append(f"  - unknown key '{key}'; accepted keys here: {accepted}")
            continue
        got = error.get("input")
        shown = "" if error["type"] == "missing" else f" (got {got!r})"
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"  - key '{key}': {message}{shown}")
    return "\n".join(lines)


def _accepted_keys(model: type[BaseModel], loc: tuple) -> str:
    current: Any = model
    for part in loc:
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            break
        annotation = field.annotation
        current = next(
            (
                a
                for a in getattr(annotation, "__args__", (annotation,))
                if hasattr(a, "model_fields")
            ),
            annotation,
        )
    fields = getattr(current, "model_fields", {})
    return ", ".join(fields) if fields else "(see the report's params model)"
