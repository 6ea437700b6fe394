"""The weekly inspection (每周五巡检): five checks with thresholds and the rows behind them,
metric definitions side by side (口径), the lead flow, and the scheduled, mailed report."""
