"""hugosnip: run the Python snippets a Hugo site embeds, check them, store their results."""

__version__ = "0.1.0"
