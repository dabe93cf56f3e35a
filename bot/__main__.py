"""`python -m bot` runs the same command line as `opsbot`."""

from bot.cli import main

raise SystemExit(main())
