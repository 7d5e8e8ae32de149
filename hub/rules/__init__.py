"""Rules of time: legal clocks (``clocks``) on China's working-day calendar (``calendar``).

``calendar`` knows which days are worked (official holidays and make-up working days from the
``holidays`` package, overridable per year by files, see ``arrangements``); ``clocks`` counts
periods the Civil Code way on top of it. Domain code imports from the modules directly.
"""
