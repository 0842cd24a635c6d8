"""Installing the app into a workspace: Bolt's OAuth flow on ``/slack/install`` and ``/slack/oauth_redirect``.

``/slack/install`` redirects to Slack's consent page with a fresh state (kept in the state database
and in a cookie, so any replica can finish the install); Slack sends the installer back to
``/slack/oauth_redirect`` with a code, which Bolt exchanges (``oauth.v2.access`` on
``PARLEY_SLACK_API_URL``) for the workspace's bot token, stored encrypted. A link that is stale,
reused, forged or cancelled ends on a short page saying which and how to start again.
"""

from __future__ import annotations

import html
import logging

from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.response import BoltResponse

from bot.service import Parley
from bot.slack.installations import installation_store, state_store

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"

_AGAIN = f'<a href="{INSTALL_PATH}">Start again</a>.'
_WHY = {
    "invalid_state": "This install link has expired (links last 10 minutes) or was already used.",
    "invalid_browser": "This install link was finished in another browser than the one that started it, "
                       "or the browser did not keep its cookie.",
    "access_denied": "The installation was cancelled in Slack.",
    "missing_code": "Slack's answer carried no authorization code.",
    "invalid_code": "Slack did not accept the authorization code; it may have been used already.",
    "storage_error": "Parley could not save the installation. Try again; if it keeps failing, tell the app's owner.",
}


def oauth_settings(parley: Parley) -> OAuthSettings:
    """Bolt's OAuth settings: the client credentials and scopes, our stores, and the failure page."""
    settings = parley.settings
    return OAuthSettings(
        client_id=settings.slack_client_id, client_secret=settings.slack_client_secret.get_secret_value(),
        scopes=[scope.strip() for scope in settings.slack_scopes.split(",") if scope.strip()],
        install_path=INSTALL_PATH, redirect_uri_path=REDIRECT_PATH,
        install_page_rendering_enabled=False,  # straight to Slack's consent page
        installation_store=installation_store(parley), state_store=state_store(parley),
        installation_store_bot_only=True,  # Parley asks for bot scopes only
        callback_options=CallbackOptions(success=_installed, failure=_refused), logger=log)


def _installed(args: SuccessArgs) -> BoltResponse:
    """Bolt's own success page (it opens Slack on the new workspace); the install is logged."""
    installation = args.installation
    log.info("installed in a workspace", extra={"team": installation.team_id, "user": installation.user_id})
    return args.default.success(args)


def _refused(args: FailureArgs) -> BoltResponse:
    """A plain page with the reason and a link back to the start; Bolt's status code."""
    why = _WHY.get(args.reason, "Slack refused the installation.")
    log.info("install refused", extra={"reason": args.reason[:64], "status": args.suggested_status_code})
    body = (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>Parley was not installed</title></head>"
            f"<body><h1>Parley was not installed</h1><p>{html.escape(why)} {_AGAIN}</p>"
            f"<p><small>reason: {html.escape(args.reason[:64])}</small></p></body></html>")
    return BoltResponse(status=args.suggested_status_code, body=body, headers={
        "Content-Type": "text/html; charset=utf-8",
        "Set-Cookie": args.settings.state_utils.build_set_cookie_for_deletion()})
