"""The Slack front end: thin Bolt listeners over the plain-Python answer pipeline."""
