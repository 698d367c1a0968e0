"""Service providers get no more than their service needs (docs/privacy.md, "Service
providers"): what the mail relay receives, checked on a real SMTP server."""

from __future__ import annotations

from mailers.worker import Worker
from models.purposes import Purpose
from tests import factories

# What a message needs: its envelope headers, MIME structure, and the one-click
# unsubscribe of RFC 8058 on promotional mail.
NEEDED_HEADERS = {
    "from",
    "to",
    "subject",
    "message-id",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "list-unsubscribe",
    "list-unsubscribe-post",
}

PROMOTE = """
mutation { sendPromotion(input: {subject: "Spring gigs", body: "Book early."})
  { __typename } }
"""


def header_names(message) -> set[str]:
    names = {name.lower() for name in message.keys()}
    for part in message.iter_parts():
        names |= {name.lower() for name in part.keys()}
    return names


async def test_the_mail_relay_gets_only_the_address_name_and_message(api, mail_settings, inbox):
    # given a person with a phone number, listings and consent to promotions
    ada = await factories.customer(
        name="Ada", phone="+1 512 555 0100", granted=(Purpose.PROMOTIONAL_EMAILS,)
    )
    await factories.listing(ada, title="Ada's private listing title")
    clerk = await factories.staff()
    assert (await api.data(PROMOTE, token=clerk.token))["sendPromotion"]["__typename"] == (
        "PromotionQueued"
    )
    # when the worker hands the mail to the relay
    await Worker(mail_settings).drain()
    # then the relay saw one recipient, and headers a message needs, nothing else
    [promotion] = inbox.to(ada.account.email)
    assert inbox.rcpt_tried == [ada.account.email]
    assert header_names(promotion) <= NEEDED_HEADERS
    raw = promotion.as_string()
    assert "555 0100" not in raw and "private listing" not in raw
