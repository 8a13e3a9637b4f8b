"""1:1s: a series' rhythm, the agenda both sides keep, notes and action items."""
