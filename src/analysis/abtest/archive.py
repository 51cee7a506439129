"""Turn the Upworthy Research Archive into contract-shaped experiment arms.

The archive (Matias et al., Scientific Data 2021) holds one row per headline "package"
with impressions and clicks: platform aggregates, as WeChat or ad platforms export. It has
no variant name, no control and no planned share, so the conversion adds them:
- variant: the package's 1-based position within its test, in archive order ("P1", "P2", …);
- label: the headline text, as written (may hold quotes, entities or markup: shown as text);
- is_control: false for every package (Upworthy had no designated control);
- planned_share: 1 / packages in the test (Upworthy split traffic equally);
- units, clicks: impressions and clicks;
- declared_winner (extra column): the archive's `winner` flag, Upworthy's own verdict;
- test_week (extra column): the archive's `test_week`, YYYYWW, kept so the portfolio can
  show the sample-ratio check over time.

Run: python -m analysis.abtest.archive <upworthy_exploratory.parquet> <out folder>
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd


def upworthy_arms(archive: pd.DataFrame) -> pd.DataFrame:
    """The archive's packages as experiment_arms rows (plus `declared_winner`)."""
    position = archive.groupby("clickability_test_id", sort=False).cumcount() + 1
    packages = archive.groupby("clickability_test_id", sort=False)["headline"].transform("size")
    return pd.DataFrame(
        {
            "experiment_id": archive["clickability_test_id"].astype(str),
            "variant": "P" + position.astype(str),
            "label": archive["headline"].astype(str),
            "is_control": False,
            "planned_share": 1.0 / packages,
            "units": archive["impressions"].astype("int64"),
            "clicks": archive["clicks"].astype("int64"),
            "declared_winner": archive["winner"].astype(bool),
            "test_week": archive["test_week"].astype("int64"),
        }
    )


def main(source: Path, out: Path) -> None:
    """Write `experiment_arms.parquet` into `out` from the archive file `source`."""
    out.mkdir(parents=True, exist_ok=True)
    upworthy_arms(pd.read_parquet(source)).to_parquet(out / "experiment_arms.parquet", index=False)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
