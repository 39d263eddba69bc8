"""Readers (articles in) and writers (records out)."""
from chronik.io.readers import ReadProblem, read_path, read_text_article

__all__ = ["ReadProblem", "read_path", "read_text_article"]
