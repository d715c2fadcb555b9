"""newsclean: turn folders of scraped news text into clean, deduplicated canonical articles."""

__version__ = "0.1.0"
