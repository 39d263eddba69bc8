"""Places: gazetteer look-up, place mentions in a Doc, and datelines."""
from chronik.places.finder import find_places, parse_dateline
from chronik.places.gazetteer import Gazetteer

__all__ = ["Gazetteer", "find_places", "parse_dateline"]
