"""Feedback between colleagues: given, asked for, and read; kept in the recipient's performance file."""
