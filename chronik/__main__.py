"""`python -m chronik` runs the command line."""
from chronik.cli import main

main()
