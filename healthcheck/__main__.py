"""`python -m healthcheck` runs the command line."""

from healthcheck.cli import main

main()
