"""Signing in as a browser does, for the accounts tests: the admin's sign-in form sent from an
address, and a spray of wrong passwords from many."""

import datetime as dt

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

LOGIN = "/admin/login/"
ADMIN = "/admin/"
VERIFY = "/admin/2fa/verify/"
SETUP = "/admin/2fa/setup/"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def is_verified(client: Client) -> bool:
    return DEVICE_ID_SESSION_KEY in client.session


def post_login(client: Client, username: str, password: str, ip: str = "10.0.0.1", **meta):
    """The admin's sign-in form, sent from `ip`; `meta` adds request headers (HTTP_...)."""
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": ADMIN},
        **{"REMOTE_ADDR": ip, **meta},
    )


def post_login_from(address: str, username: str, password: str, *, behind_proxy: bool = False):
    """A sign-in from a new browser at `address`: its REMOTE_ADDR, or behind one trusted proxy
    the entry that proxy appended to X-Forwarded-For (after one the client wrote itself)."""
    if behind_proxy:
        forwarded = f"10.9.9.9, {address}"
        return post_login(Client(), username, password, "127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    return post_login(Client(), username, password, address)


def spray(username: str, count: int, *, behind_proxy: bool = False, first: int = 1) -> list[int]:
    """One wrong password for `username` from each of `count` addresses; the status codes."""
    return [
        post_login_from(
            f"2001:db8::{n:x}", username, f"guess {n}", behind_proxy=behind_proxy
        ).status_code
        for n in range(first, first + count)
    ]
