"""Double opt-in: promotional and partner mail goes only to an address its owner has
confirmed by a link mailed to it; mail about the account goes either way."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from mailers.worker import Worker
from models.accounts import Account
from models.api_keys import ApiScope
from models.outbox import MailKind, MailState, OutboundEmail, Promotion
from models.purposes import Purpose
from models.retention import RequestLog
from models.tokens import LinkSigner
from settings import Settings
from tests import factories
from tests.conftest import client_for

REGISTER = """
mutation($email: String!) {
  register(input: {name: "Ada", email: $email, password: "a long enough password",
    role: CUSTOMER, consents: {promotionalEmails: true, partnerPromotions: true,
    contactSharing: false, targetedAds: false}}) {
    __typename ... on AuthPayload { token account { emailConfirmed emailConfirmedAt } }
  }
}
"""
ME = "{ me { email emailConfirmed emailConfirmedAt } }"
CONFIRM = """
mutation($token: String!) {
  confirmAddress(token: $token) {
    __typename ... on AddressConfirmed { email confirmedAt } ... on InvalidToken { message }
  }
}
"""
RESEND = """
mutation {
  resendAddressConfirmation {
    __typename
    ... on AddressConfirmationSent { email }
    ... on AddressConfirmed { email confirmedAt }
    ... on RateLimited { retryAfterSeconds }
  }
}
"""
PROMOTE = """
mutation($input: PromotionInput!) {
  sendPromotion(input: $input) { __typename ... on PromotionQueued { recipients } }
}
"""
LINK = re.compile(r"/account/confirm-address/(\S+)")


def signer(settings: Settings) -> LinkSigner:
    return LinkSigner(settings.secret_key.get_secret_value())


async def registered(api, email: str = "ada@example.com") -> str:
    """Registers through the API, consenting to both kinds of promotion; the token."""
    result = (await api.data(REGISTER, {"email": email}))["register"]
    assert result["account"] == {"emailConfirmed": False, "emailConfirmedAt": None}
    return result["token"]


def link_in(mail) -> str:
    return LINK.search(mail.get_body(("plain",)).get_content()).group(1)


async def promote(api, staff, **extra) -> int:
    answer = await api.data(
        PROMOTE, {"input": {"subject": "Deals", "body": "Half price", **extra}}, token=staff.token
    )
    return answer["sendPromotion"]["recipients"]


async def test_an_unconfirmed_address_gets_account_mail_but_no_promotion_until_confirmed(
    api, mail_settings, inbox
):
    # given a new account that consents to both kinds of promotion, and staff
    token = await registered(api)
    clerk = await factories.staff()
    # when staff send our own and a partner's promotion before the address is confirmed
    assert await promote(api, clerk) == 0
    assert await promote(api, clerk, onBehalfOfPartner="Strings Inc") == 0
    await Worker(mail_settings).drain()
    # then only the welcome arrived (through SMTP), carrying the confirmation link
    [welcome] = inbox.to("ada@example.com")
    assert welcome["Subject"] == "Welcome to Backline"
    assert welcome["List-Unsubscribe"] is None
    # when the link is used
    confirmed = (await api.data(CONFIRM, {"token": link_in(welcome)}))["confirmAddress"]
    # then the address is confirmed, as `me` shows
    assert (confirmed["__typename"], confirmed["email"]) == ("AddressConfirmed", "ada@example.com")
    me = (await api.data(ME, token=token))["me"]
    assert me["emailConfirmed"] is True and me["emailConfirmedAt"] == confirmed["confirmedAt"]
    # and the next promotions, ours and the partner's, arrive
    assert await promote(api, clerk) == 1
    assert await promote(api, clerk, onBehalfOfPartner="Strings Inc") == 1
    await Worker(mail_settings).drain()
    assert [m["Subject"] for m in inbox.to("ada@example.com")][1:] == ["Deals", "Deals"]


async def test_a_promotion_queued_for_an_unconfirmed_address_is_dropped(mail_settings, inbox):
    # given promotions queued before the address had to be confirmed (as for accounts
    # that existed when double opt-in came), one of each kind, and one to a confirmed
    # address
    clerk = await factories.staff()
    both = (Purpose.PROMOTIONAL_EMAILS, Purpose.PARTNER_PROMOTIONS)
    ada = await factories.customer(email="ada@example.com", granted=both, confirmed=False)
    bob = await factories.customer(email="bob@example.com", granted=both)
    now = datetime.now(UTC)
    for purpose, partner in ((Purpose.PROMOTIONAL_EMAILS, None), (Purpose.PARTNER_PROMOTIONS, "S")):
        promotion = await Promotion.create(
            subject="Deals", body="Half price", partner=partner, created_by_id=clerk.account.id
        )
        for person in (ada, bob):
            await OutboundEmail.create(
                kind=MailKind.PROMOTION,
                purpose=purpose,
                promotion_id=promotion.id,
                recipient_id=person.account.id,
                next_attempt_at=now,
            )
    # when the worker runs
    tally = await Worker(mail_settings).drain()
    # then the unconfirmed address gets neither, and says why; the confirmed one gets both
    assert (tally.sent, tally.dropped) == (2, 2)
    assert inbox.to("ada@example.com") == [] and len(inbox.to("bob@example.com")) == 2
    dropped = await OutboundEmail.filter(recipient_id=ada.account.id)
    assert {(row.state, row.last_error) for row in dropped} == {
        (MailState.DROPPED, "the address is not confirmed")
    }


async def test_mail_about_the_account_still_reaches_an_unconfirmed_address(
    api, mail_settings, inbox
):
    # given a performer and a customer whose addresses are not confirmed
    band = await factories.performer(
        email="band@example.com", granted=(Purpose.CONTACT_SHARING,), confirmed=False
    )
    ada = await factories.customer(
        email="ada@example.com", granted=(Purpose.CONTACT_SHARING,), confirmed=False
    )
    # when an inquiry, a testimonial and a password reset each cause a mail
    await factories.inquiry(ada, await factories.listing(band))
    await api.data(
        'mutation { submitTestimonial(input: {quote: "Great", eventType: "Party", '
        'city: "Austin", state: "TX"}) { __typename } }',
        token=ada.token,
    )
    await api.data('mutation { requestPasswordReset(email: "ada@example.com") { __typename } }')
    tally = await Worker(mail_settings).drain()
    # then every one of them arrives
    assert (tally.sent, tally.dropped) == (3, 0)
    assert [m["Subject"] for m in inbox.to("band@example.com")] == [
        "New booking inquiry: Wedding band"
    ]
    assert sorted(m["Subject"] for m in inbox.to("ada@example.com")) == [
        "May we publish your testimonial?",
        "Reset your Backline password",
    ]


async def test_a_confirmation_link_works_once(api, mail_settings, inbox):
    await registered(api)
    await Worker(mail_settings).drain()
    token = link_in(inbox.to("ada@example.com")[0])
    assert (await api.data(CONFIRM, {"token": token}))["confirmAddress"]["__typename"] == (
        "AddressConfirmed"
    )
    again = (await api.data(CONFIRM, {"token": token}))["confirmAddress"]
    assert again["__typename"] == "InvalidToken"


async def test_a_link_of_an_account_cancelled_since_confirms_nothing(api, mail_settings, inbox):
    token = await registered(api)
    await Worker(mail_settings).drain()
    await api.data("mutation { cancelAccount { __typename } }", token=token)
    answer = await api.data(CONFIRM, {"token": link_in(inbox.to("ada@example.com")[0])})
    assert answer["confirmAddress"]["__typename"] == "InvalidToken"
    assert (await Account.get(email="ada@example.com")).email_confirmed_at is None


async def test_forged_expired_and_other_kinds_of_links_confirm_nothing(
    api, mail_settings, inbox, settings
):
    # given a genuine link to Ada's address, and Bob, also unconfirmed
    await registered(api)
    await registered(api, "bob@example.com")
    await Worker(mail_settings).drain()
    genuine = link_in(inbox.to("ada@example.com")[0])
    ada_id, nonce, expires = signer(settings).unsign("address-confirmation", genuine, 3)
    bob = await Account.get(email="bob@example.com")
    past = int(datetime.now(UTC).timestamp()) - 1
    links = signer(settings)
    refused = [
        # expired a second ago
        links.sign("address-confirmation", [ada_id, nonce, past]),
        # Ada's round under Bob's account, and Bob's under Ada's
        links.sign("address-confirmation", [bob.id, nonce, expires]),
        links.sign("address-confirmation", [ada_id, bob.email_confirmation_nonce, expires]),
        # the same payload as a reset or email-change link, or signed with another secret
        links.sign("password-reset", [ada_id, nonce, expires]),
        links.sign("email-change", [ada_id, nonce, expires]),
        LinkSigner("some-other-secret-key-some-other-secret").sign(
            "address-confirmation", [ada_id, nonce, expires]
        ),
        genuine[:-3] + ("abc" if not genuine.endswith("abc") else "xyz"),
        "",
        "garbage",
        "y" * 10_000,
    ]
    # when each is used, then each is refused and neither address is confirmed
    for token in refused:
        answer = (await api.data(CONFIRM, {"token": token}))["confirmAddress"]
        assert answer["__typename"] == "InvalidToken", token
    confirmed = await Account.filter(email_confirmed_at__not_isnull=True).count()
    assert confirmed == 0
    # and the genuine link confirms Ada's address only
    await api.data(CONFIRM, {"token": genuine})
    states = dict(await Account.all().values_list("email", "email_confirmed_at"))
    assert states["ada@example.com"] is not None and states["bob@example.com"] is None


async def test_the_signed_in_person_gets_a_new_link_which_works(api, mail_settings, inbox):
    # given a person who lost the welcome mail
    token = await registered(api)
    await Worker(mail_settings).drain()
    # when they ask for the link again
    sent = (await api.data(RESEND, token=token))["resendAddressConfirmation"]
    await Worker(mail_settings).drain()
    # then a confirmation mail arrives with a link that confirms the address
    assert sent == {"__typename": "AddressConfirmationSent", "email": "ada@example.com"}
    mail = inbox.to("ada@example.com")[-1]
    assert mail["Subject"] == "Confirm your email address"
    assert mail["List-Unsubscribe"] is None
    await api.data(CONFIRM, {"token": link_in(mail)})
    assert (await api.data(ME, token=token))["me"]["emailConfirmed"] is True
    # and asking again once confirmed sends nothing
    again = (await api.data(RESEND, token=token))["resendAddressConfirmation"]
    assert again["__typename"] == "AddressConfirmed"
    assert await OutboundEmail.filter(kind=MailKind.ADDRESS_CONFIRMATION).count() == 1


async def test_an_account_from_before_double_opt_in_gets_its_first_link_on_asking(
    api, mail_settings, inbox
):
    # given an account with no confirmation round open (as every one the migration found)
    ada = await factories.customer(email="ada@example.com", confirmed=False)
    assert ada.account.email_confirmation_nonce is None
    # when the person asks for a link and uses it
    await api.data(RESEND, token=ada.token)
    await Worker(mail_settings).drain()
    await api.data(CONFIRM, {"token": link_in(inbox.to("ada@example.com")[0])})
    # then the address is confirmed
    assert (await Account.get(id=ada.account.id)).email_confirmed_at is not None


async def test_asking_again_is_rate_limited_per_account(settings):
    limited = Settings(
        **settings.model_dump(exclude={"rate_limit_address_confirmation_per_account"}),
        rate_limit_address_confirmation_per_account="2/hour",
    )
    ada = await factories.customer(confirmed=False)
    bob = await factories.customer(confirmed=False)
    async for api in client_for(limited):
        answers = [
            (await api.data(RESEND, token=ada.token))["resendAddressConfirmation"] for _ in range(3)
        ]
        other = (await api.data(RESEND, token=bob.token))["resendAddressConfirmation"]
    assert [a["__typename"] for a in answers] == [
        "AddressConfirmationSent",
        "AddressConfirmationSent",
        "RateLimited",
    ]
    assert answers[2]["retryAfterSeconds"] > 0
    assert other["__typename"] == "AddressConfirmationSent"
    assert await OutboundEmail.filter(recipient_id=ada.account.id).count() == 2


async def test_only_the_signed_in_person_asks_for_a_link(api):
    ada = await factories.customer(confirmed=False)
    key = await factories.api_key(ada, ApiScope.CONTACTS_READ)
    for token in (key, None):
        answer = (await api.data(RESEND, token=token))["resendAddressConfirmation"]
        assert answer["__typename"] == "NotAuthorized"
    assert not await OutboundEmail.exists()


async def test_a_confirmation_mail_is_not_sent_once_the_address_is_confirmed(
    api, mail_settings, inbox
):
    # given a link asked for again, then the welcome's link used before the worker ran
    token = await registered(api)
    await Worker(mail_settings).drain()
    await api.data(RESEND, token=token)
    await api.data(CONFIRM, {"token": link_in(inbox.to("ada@example.com")[0])})
    # when the worker runs, then the now pointless mail is dropped
    tally = await Worker(mail_settings).drain()
    assert (tally.sent, tally.dropped) == (0, 1)


async def test_a_confirmed_change_of_address_confirms_the_new_address(api, mail_settings, inbox):
    # given an unconfirmed account that consents to promotions
    ada = await factories.customer(
        email="ada@example.com", granted=(Purpose.PROMOTIONAL_EMAILS,), confirmed=False
    )
    clerk = await factories.staff()
    # when the person changes address with the link mailed to the new one
    await api.data(
        'mutation { updateProfile(input: {email: "ada.new@example.com"}) { __typename } }',
        token=ada.token,
    )
    await Worker(mail_settings).drain()
    text = inbox.to("ada.new@example.com")[0].get_body(("plain",)).get_content()
    token = re.search(r"/account/confirm-email/(\S+)", text).group(1)
    await api.data(
        "mutation($t: String!) { confirmEmailChange(token: $t) { __typename } }", {"t": token}
    )
    # then the new address is confirmed, and promotions reach it
    me = (await api.data(ME, token=ada.token))["me"]
    assert (me["email"], me["emailConfirmed"]) == ("ada.new@example.com", True)
    assert me["emailConfirmedAt"] is not None
    assert await promote(api, clerk) == 1


async def test_the_confirmation_page_asks_then_confirms(api, mail_settings, inbox):
    # given the link from the welcome mail
    await registered(api)
    await Worker(mail_settings).drain()
    token = link_in(inbox.to("ada@example.com")[0])
    await RequestLog.all().delete()
    path = f"/account/confirm-address/{token}"
    # when it is opened (a link scanner would), then it only asks
    page = await api.http.get(path)
    assert page.status_code == 200 and 'method="post"' in page.text
    assert (await Account.get(email="ada@example.com")).email_confirmed_at is None
    # when the button is pressed, then the address is confirmed
    done = await api.http.post(path)
    assert done.status_code == 200 and "ada@example.com is confirmed" in done.text
    assert (await Account.get(email="ada@example.com")).email_confirmed_at is not None
    # and a second press finds the link used
    assert (await api.http.post(path)).status_code == 400
    # and the request log holds the route, never the token
    rows = await RequestLog.all()
    assert {row.path for row in rows} == {"/account/confirm-address/{token}"}
    assert token not in str([row.__dict__ for row in rows])


async def test_me_shows_whether_the_address_is_confirmed(api):
    unconfirmed = await factories.customer(email="ada@example.com", confirmed=False)
    confirmed = await factories.customer(email="bob@example.com")
    assert (await api.data(ME, token=unconfirmed.token))["me"] == {
        "email": "ada@example.com",
        "emailConfirmed": False,
        "emailConfirmedAt": None,
    }
    me = (await api.data(ME, token=confirmed.token))["me"]
    assert me["emailConfirmed"] is True and me["emailConfirmedAt"] is not None
