"""Clusters recover the demo's planted behaviour types, deterministically."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
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


def planted_customers(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """n customers of four planted types in log RFM space, the smallest 2% of the base."""
    rng = np.random.default_rng(seed)
    centres = np.array([[1.0, 0.5, 3.0], [4.0, 0.7, 4.0], [2.0, 2.5, 3.5], [5.0, 2.0, 6.0]])
    kinds = rng.choice(4, size=n, p=[0.48, 0.30, 0.20, 0.02])
    logged = centres[kinds] + rng.normal(0, 0.35, size=(n, 3))
    values = np.expm1(np.maximum(logged, 0.0))
    frame = pd.DataFrame(values, columns=list(clusters.FEATURES))
    frame["monetary_total"] = frame["monetary_mean"] * frame["frequency"]
    return frame, kinds


def test_many_customers_are_fitted_on_a_sample_and_all_assigned() -> None:
    """Above FIT_SAMPLE the centroids come from a seeded sample; every customer gets the
    cluster the whole-base fit gives it (bar a handful at the borders)."""
    rfm, kinds = planted_customers(3 * clusters.FIT_SAMPLE, seed=11)
    found = clusters.cluster_customers(rfm, k_range=(4, 4), random_state=7)
    assert found.labels.notna().all()
    assert len(found.labels) == len(rfm)
    assert sum(p.customers for p in found.profiles) == len(rfm)
    assert adjusted_rand_score(kinds, found.labels) >= 0.98  # the 2% type is found too

    x = clusters.features(rfm)
    whole = KMeans(n_clusters=4, n_init=4, random_state=7).fit_predict(x)
    assert adjusted_rand_score(whole, found.labels) >= 0.995
    again = clusters.cluster_customers(rfm, k_range=(4, 4), random_state=7)
    assert again.labels.equals(found.labels)


def test_up_to_fit_sample_customers_are_fitted_whole() -> None:
    x = np.zeros((clusters.FIT_SAMPLE, 3))
    assert clusters.fitting_sample(x, 7) is None
    sample = clusters.fitting_sample(np.zeros((clusters.FIT_SAMPLE + 1, 3)), 7)
    assert sample is not None and len(sample) == clusters.FIT_SAMPLE
