"""Backline: the app factory and the command line.

python main.py serve [--host H] [--port P] [--workers N]
python main.py migrate
python main.py seed-demo
python main.py worker [--once]
python main.py webhook-worker [--once]
python main.py purge
python main.py reencrypt
python main.py create-staff --email E --name N --password-stdin

The app factory is web/app.py and the commands are cli.py; this file only names them.
"""

from __future__ import annotations

from cli import main
from web.app import create_app

__all__ = ["create_app", "main"]

if __name__ == "__main__":
    main()
