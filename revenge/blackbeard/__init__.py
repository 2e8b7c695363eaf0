"""Blackbeard: the transcoder contract, the HTTP client that speaks it, and the interface."""
