"""The web console: a read-only window on the hub and its views (issue #17)."""
