"""The media library: roots, stable ids, probing, and the in-memory index over the store."""
