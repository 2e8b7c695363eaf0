"""Prometheus metrics and structured ``twisted.logger`` events."""
