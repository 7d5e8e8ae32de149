"""CaseHub: the event-sourced case-information sharing hub."""
