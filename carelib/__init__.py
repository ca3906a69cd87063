"""carelib: care for customers one by one, at scale."""

__version__ = "0.1.0"
