"""Offline evaluation: golden sets, metrics, reports and CI gates."""
