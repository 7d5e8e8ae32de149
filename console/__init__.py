"""The web console: CaseHub read by people, through the hub and its views."""
