"""``python -m reach`` runs the CLI."""

from .cli import main

main()
