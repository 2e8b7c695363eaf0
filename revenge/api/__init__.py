"""The HTTP face of Revenge: Klein routes for players, plain resources for the hot paths."""
