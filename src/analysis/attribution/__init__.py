"""Channel ROI report: multi-touch attribution, ROI against the thresholds, budget moves."""
