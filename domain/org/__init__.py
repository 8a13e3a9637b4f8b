"""The org: who is who and who manages whom, from an HR roster and from Slack's directory."""
