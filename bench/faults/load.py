"""A load of reads and writes against the API server (httpx, async), recording each
answer, and which writes the API confirmed, so that they can be looked for afterwards.

Each loop registers an account, then alternates a profile update (a write) with a read
of `me` (through authentication, which reads the session) and a page of the directory.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

REGISTER = """mutation Register($input: RegisterInput!) { register(input: $input) {
  __typename ... on AuthPayload { token account { id } } } }"""
UPDATE_PROFILE = """mutation Update($input: UpdateProfileInput!) { updateProfile(input: $input) {
  __typename ... on Account { name } } }"""
ME = "query Me { me { id name } }"
DIRECTORY = "query Directory { listings(first: 5) { edges { node { id } } } }"
ACCOUNT_EVERY = 10
CONSENTS = {
    "promotionalEmails": False,
    "partnerPromotions": False,
    "contactSharing": False,
    "targetedAds": False,
}


@dataclass
class Answer:
    at: float
    kind: str
    outcome: str  # "ok", "503 SERVICE_UNAVAILABLE", or what went wrong
    write: bool = False
    agent: str = ""  # the request's own User-Agent: its request-log line names it


@dataclass
class Load:
    url: str
    loops: int = 8
    user_agent: str = "faults-load"
    answers: list[Answer] = field(default_factory=list)
    registered: dict[str, str] = field(default_factory=dict)  # email -> name confirmed last
    # email -> names sent after the last confirmed one (applied or not: the answer was lost)
    unconfirmed: dict[str, set[str]] = field(default_factory=dict)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    close_connections: bool = False
    sent: int = 0

    async def run(self) -> None:
        limits = httpx.Limits(max_connections=self.loops, max_keepalive_connections=self.loops)
        async with httpx.AsyncClient(
            base_url=self.url, limits=limits, timeout=httpx.Timeout(30.0)
        ) as client:
            await asyncio.gather(*(self._loop(client, n) for n in range(self.loops)))

    async def _post(
        self,
        client: httpx.AsyncClient,
        kind: str,
        query: str,
        variables: dict,
        token: str | None = None,
        write: bool = False,
    ) -> dict | None:
        self.sent += 1
        agent = f"{self.user_agent}/{kind}/{self.sent}"
        headers = {"User-Agent": agent}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if self.close_connections:
            headers["Connection"] = "close"
        try:
            response = await client.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
        except httpx.HTTPError as error:
            outcome = f"transport {type(error).__name__}"
            self.answers.append(Answer(time.monotonic(), kind, outcome, write, agent))
            return None
        self.answers.append(Answer(time.monotonic(), kind, classify(response), write, agent))
        if response.status_code != 200:
            return None
        body = response.json()
        return None if body.get("errors") else body.get("data")

    async def _loop(self, client: httpx.AsyncClient, loop: int) -> None:
        token: str | None = None
        email = ""
        n = 0
        while not self.stop.is_set():
            n += 1
            if n % ACCOUNT_EVERY == 0:
                token = None  # a new account now and then: more registrations, more mail
            if token is None:
                email = f"load{loop}-{n}@example.com"
                name = f"Load {loop}-{n}"
                data = await self._post(
                    client,
                    "register",
                    REGISTER,
                    {
                        "input": {
                            "name": name,
                            "email": email,
                            "password": "a long enough password",
                            "role": "CUSTOMER",
                            "consents": CONSENTS,
                        }
                    },
                    write=True,
                )
                if data and data["register"]["__typename"] == "AuthPayload":
                    token = data["register"]["token"]
                    self.registered[email] = name
                    self.unconfirmed[email] = set()
                elif data:
                    self.answers[-1].outcome = f"register: {data['register']['__typename']}"
                continue
            if n % 2:
                name = f"Renamed {loop}-{n}"
                self.unconfirmed[email].add(name)
                data = await self._post(
                    client,
                    "updateProfile",
                    UPDATE_PROFILE,
                    {"input": {"name": name}},
                    token,
                    write=True,
                )
                if data and data["updateProfile"].get("name") == name:
                    self.registered[email] = name
                    self.unconfirmed[email] = set()
                elif data:
                    typename = data["updateProfile"]["__typename"]
                    self.answers[-1].outcome = f"updateProfile: {typename}"
            else:
                await self._post(client, "me", ME, {}, token)
                await self._post(client, "directory", DIRECTORY, {})


def classify(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"{response.status_code} not JSON"
    errors = body.get("errors") or []
    codes = [(error.get("extensions") or {}).get("code") for error in errors]
    if response.status_code == 200 and not errors:
        return "ok"
    if response.status_code == 503 and codes == ["SERVICE_UNAVAILABLE"]:
        return "503 SERVICE_UNAVAILABLE"
    return f"{response.status_code} {','.join(str(code) for code in codes) or 'no code'}"


def outcomes(answers: list[Answer]) -> Counter[str]:
    return Counter(answer.outcome for answer in answers)
