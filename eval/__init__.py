"""Evaluations: labelled datasets and runners. `python -m eval <suite>` prints the suite's metrics."""
