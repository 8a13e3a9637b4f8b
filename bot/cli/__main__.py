"""`python -m bot.cli`: the `checkins` command."""

from bot.cli import main

main()
