"""Development server: `python run.py` (PORT, default 8080). `make run` uses gunicorn."""

import os

from app import create_app

app = create_app()

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8080")))
