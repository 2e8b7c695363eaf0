"""Serving original files: RFC 9110 ranges and preconditions, producers, zero-copy."""
