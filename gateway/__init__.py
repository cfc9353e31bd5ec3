"""Crisis Gateway: finds the crises in an Amazon seller's support inbox and keeps their clocks."""

__version__ = "0.1.0"
