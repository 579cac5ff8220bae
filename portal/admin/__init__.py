"""admin domain."""
