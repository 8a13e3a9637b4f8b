"""The performance file: every exchange kept in order, read by whom it may be with each look recorded
(entries); exported whole (export); erased, and kept no longer than the retention window (privacy)."""
