"""The web console: reads the hub and the views for people; never writes the event store."""
