"""opsbot: a Slack assistant for internet-operations teams, built on a plain-Python core."""
