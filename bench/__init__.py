"""CaseHub benchmarks (``python -m bench``, ``make bench``): figures against same-run baselines.

Every figure is measured next to a baseline measured in the same run on the same machine
(machines are noisy; a ratio says more than an absolute number). See ``BENCHMARKS.md``.
"""
