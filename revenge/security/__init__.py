"""Secrets, signed stream URLs and (later) users and API tokens."""
