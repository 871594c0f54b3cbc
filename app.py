"""Tanya Trafficking web chat: `python app.py` (or `make run`). Settings from TANYA_* variables."""

from tanya_trafficking.config import Settings
from tanya_trafficking.web.server import launch

if __name__ == "__main__":
    launch(Settings.from_env())
