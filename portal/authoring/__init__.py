"""authoring domain."""
