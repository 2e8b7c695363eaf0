"""Playback: sessions, manifests, the segment buffer and cache, and quality adaptation."""
