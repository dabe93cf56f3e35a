"""Plain-Python domain: answering, and later checklists and reminders. No Slack, Chroma or scheduler here."""
