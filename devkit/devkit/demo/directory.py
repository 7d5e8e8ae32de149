"""The operator's directory file the story starts from: the Rule-of-Law Office and its officer."""

from __future__ import annotations

from devkit.demo.story import AGENCIES, OFFICERS, RULE_OF_LAW_OFFICE


def operator_directory_toml() -> str:
    """The operator's bootstrap file: the Rule-of-Law Office and its first officer."""
    lines: list[str] = []
    for agency_id, name_zh, name_en, role in AGENCIES:
        if agency_id == RULE_OF_LAW_OFFICE:
            lines += [
                "[[agencies]]",
                f'id = "{agency_id}"',
                f'name_zh = "{name_zh}"',
                f'name_en = "{name_en}"',
                f'role = "{role.value}"',
            ]
    for agency_id, officer_id, name, title in OFFICERS:
        if agency_id == RULE_OF_LAW_OFFICE:
            lines += [
                "[[officers]]",
                f'agency = "{agency_id}"',
                f'id = "{officer_id}"',
                f'name = "{name}"',
                f'title = "{title}"',
            ]
    return "\n".join(lines) + "\n"
