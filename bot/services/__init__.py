"""Use cases over small store interfaces: what every front end (Slack, the CLI) calls."""
