"""Revenge: a media streaming gateway on the Twisted reactor."""

__version__ = "0.1.0"
