"""The version of the site: the one place it is written (setup.cfg reads it from here)."""

__version__ = "1.0.0"
