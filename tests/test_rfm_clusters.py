"""Clusters recover the demo's planted behaviour types, deterministically."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
from sklearn.metrics import adjusted_rand_score

from analysis.params import DataSource
from analysis.rfm import clusters, queries
from analysis.warehouse import open_warehouse


def test_clusters_recover_the_planted_behaviour_types(demo_dir: Path) -> None:
    rfm = queries.rfm_table(open_warehouse(DataSource(path=demo_dir)), date(2026, 10, 31), 365)
    rfm = rfm.set_index("customer_id")
    found = clusters.cluster_customers(rfm, k_range=(2, 8), random_state=7)
    truth = pd.read_parquet(demo_dir / "truth_customers.parquet").set_index("customer_id")
    planted = truth.loc[found.labels.index, "behaviour_type"]
    ari = adjusted_rand_score(planted, found.labels)
    print(f"adjusted Rand index against the planted types: {ari:.3f} (k = {found.k})")
    assert ari >= 0.6
    assert found.silhouette == max(found.silhouette_by_k.values())
    assert sum(p.customers for p in found.profiles) == len(rfm)
    again = clusters.cluster_customers(rfm, k_range=(2, 8), random_state=7)
    assert again.labels.equals(found.labels)
