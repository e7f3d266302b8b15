"""The service's public URL, for links written into descriptions (VoID, the
SPARQL service description): the ``public_url`` setting, else the request's
scheme and Host once the Host is checked to be a host name."""

from __future__ import annotations

import re

from flask import current_app, request

from kg.model.errors import BadRequest

# A Host header written into links: a DNS name or IPv4 address, or an IPv6
# address in brackets, with an optional port.
VALID_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
                        r"|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?")

def site_url() -> str:
    """The public URL of the service, ending with a slash: ``public_url``,
    else the request's scheme and Host (400 when Host is not a host name)."""
    url = current_app.config.get("PUBLIC_URL")
    if not url:
        host = request.host
        if not VALID_HOST.fullmatch(host):
            raise BadRequest("The Host header is not a valid host name; the service cannot make links from it.")
        url = request.url_root  # the checked host, and the mount prefix if any
    return url if url.endswith("/") else url + "/"
