"""The demo story: the article's six mechanisms told as one year of events.

``story`` is the story as data; ``clock`` (``StoryClock``), ``directory`` (the operator's
bootstrap file) and ``replay`` (``run_story``, in memory) serve tests and the demo alike;
``run``, ``summary`` and ``isolation`` are ``casehub demo`` (``cli``): the story told end to end
through Kafka on a simulated clock.
"""
