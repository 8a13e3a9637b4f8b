"""The Home tab: what a person (or a manager, an HR admin) reads there: goals, open items, the file."""
