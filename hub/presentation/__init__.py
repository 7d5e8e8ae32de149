"""How the hub's record reads to its people: one presentation layer for every reader-facing output.

The CLI tables, the case file (HTML and PDF) and the web console say the same words for the same
fact because they all go through here:

- ``clock``: times in local time (Asia/Shanghai) with the zone shown, dates as calendar days;
- ``names``: agencies by their directory names, cases as ``owning-agency/case-number``;
- ``words``: every status and flag in words, in Chinese and English (labels from ``hub.i18n``,
  the glossary of DOMAIN.md);
- ``table``: plain-text tables that stay aligned with Chinese (double-width) characters;
- ``assessment_report``: the annual assessment's scorecard as JSON, CSV or HTML.

Nothing here reads a store or Kafka: callers hand in views and names, this layer returns text.
"""
