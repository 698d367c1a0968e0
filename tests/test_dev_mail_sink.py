"""`python3 dev.py serve --mail` prints the mail the worker sends, through a local sink."""

from __future__ import annotations

import os
import smtplib
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

from tests.smtp import free_port

ROOT = Path(__file__).resolve().parent.parent


def test_the_mail_sink_prints_who_a_mail_is_for_its_subject_and_its_text():
    port = free_port()
    sink = subprocess.Popen(
        [sys.executable, str(ROOT / "dev.py"), "mail-sink"],
        env=os.environ | {"DEV_MAIL_SINK_PORT": str(port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                client = smtplib.SMTP("127.0.0.1", port, timeout=10)
                break
            except OSError:
                assert sink.poll() is None, sink.stdout.read()
                assert time.monotonic() < deadline, "the sink did not listen within 60 s"
                time.sleep(0.1)
        message = EmailMessage()
        message["From"], message["To"] = "no-reply@backline.example", "Zoë <zoë@example.com>"
        message["Subject"] = "Welcome to Backline"
        message.set_content("Hello Zoë,\n\nYour account is ready.\n")
        message.add_alternative("<p>Hello Zoë</p>", subtype="html")
        with client:
            client.send_message(message)
    finally:
        sink.terminate()
        output, _ = sink.communicate(timeout=30)
    assert "mail to Zoë <zoë@example.com>" in output, output
    assert "subject: Welcome to Backline" in output
    assert "Hello Zoë,\n\nYour account is ready." in output
    assert "<p>" not in output
