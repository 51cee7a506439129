"""The one exception family: every error a user can cause is an `AnalysisError`.

Messages name the file, table, column or parameter, the bad value and what is accepted,
so that the message alone tells the user what to change.
"""

from __future__ import annotations


class AnalysisError(Exception):
    """Base of every error this package raises on purpose."""


class ParamsError(AnalysisError):
    """A params file or `--set` override is invalid (raised before any kernel starts), or a
    report's settings do not fit its data (an experiment named in params has no arms)."""


class InputError(AnalysisError):
    """A statistics, model or decision function was given values it cannot use: NaN or
    negative counts, arrays of different lengths, an interval level outside (0, 1), too few
    units to compare. Raised by library code called from a report or a notebook; the message
    names the argument, the bad value and what is accepted."""


class DataSourceError(AnalysisError):
    """The warehouse cannot be opened: a missing path, an unknown file type, a bad URL."""


class DataContractError(AnalysisError):
    """Tables break the data contract (see `analysis.contract`)."""

    def __init__(self, message: str, violations: tuple = ()) -> None:
        super().__init__(message)
        self.violations = violations


class NoDataError(AnalysisError):
    """The period asked for has no rows in the table a report is built on (an empty export,
    or a period outside the data): a named condition, never a report of zeros."""

    def __init__(self, message: str, table: str = "", period: str = "") -> None:
        super().__init__(message)
        self.table = table
        self.period = period


class ReportError(AnalysisError):
    """A report notebook failed while running or could not be converted."""
