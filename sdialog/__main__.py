"""``python -m sdialog`` runs the command line."""

from sdialog.cli import app

if __name__ == "__main__":
    app()
