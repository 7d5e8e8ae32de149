"""How the demo speaks: each line in the chosen language(s), agencies by their names."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from devkit.demo.labels import LangChoice, langs, sentence
from devkit.demo.story import AGENCIES
from hub.i18n import Lang


def agency_names() -> dict[str, tuple[str, str]]:
    """Each agency of the story: (Chinese name, English name)."""
    return {agency_id: (zh, en) for agency_id, zh, en, _ in AGENCIES}


class Console:
    """Prints in the chosen language(s): zh, en, or both (zh first, en indented below)."""

    def __init__(self, choice: LangChoice, out: TextIO | None = None) -> None:
        self.langs: tuple[Lang, ...] = tuple(langs(choice))
        self.out = out

    def line(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def each(self, render: Callable[[Lang], str], *, prefix: str = "", indent: int = 0) -> None:
        """One line per language; the second one indented under the first's text."""
        for i, lang in enumerate(self.langs):
            lead = prefix if i == 0 else " " * len(prefix)
            self.line(f"{' ' * indent}{lead}{render(lang)}")

    def say(self, key: str, *, prefix: str = "", **values: object) -> None:
        self.each(lambda lang: sentence(key, lang, **values), prefix=prefix)

    def heading(self, key: str, **values: object) -> None:
        self.line()
        self.line("== " + " · ".join(sentence(key, lang, **values) for lang in self.langs) + " ==")
