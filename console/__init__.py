"""The web console (issue #17): reads the hub and the views, never writes the event store."""
