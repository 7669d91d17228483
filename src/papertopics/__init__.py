"""papertopics: listings of machine-learning papers turned into a themed map of the literature."""

__version__ = "0.1.0"
