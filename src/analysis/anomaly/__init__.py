"""Anomaly report: explained, ranked alerts on daily (or hourly) marketing metrics."""
