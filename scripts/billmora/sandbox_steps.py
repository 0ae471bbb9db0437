"""The recording's steps outside the API, taken on a billkit sandbox through
its admin API's state document (GET and PUT /state of `billkit sandbox
serve`), for scripts/billmora-conformance (--sandbox-admin) and
scripts/billmora/sandbox-hook:

- a payment: the invoice's payments grow (the sandbox computes amount_due
  from them as Billmora does);
- the tickets' common created_at: the earliest of theirs, set on all;
- maintenance on or off;
- a collided ticket create: the sandbox is told to collide on the next
  ticket create, and the request is to be sent.

Python 3 standard library only.
"""

import decimal
import json
import os
import urllib.request

STATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "state.json")


def _get(admin):
    with urllib.request.urlopen(admin.rstrip("/") + "/state", timeout=30) as r:
        return json.load(r)


def _put(admin, document):
    put = urllib.request.Request(admin.rstrip("/") + "/state",
                                 data=json.dumps(document).encode("utf-8"), method="PUT",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(put, timeout=30):
        pass


def seed(admin):
    """Loads state.json as the sandbox's Billmora state."""
    document = _get(admin)
    with open(STATE, encoding="utf-8") as f:
        document["billmora"] = json.load(f)
    _put(admin, document)


def take(admin, step):
    """Takes one step; whether the request it stands before is to be sent."""
    document = _get(admin)
    state = document["billmora"]
    send = False
    if "payment" in step:
        invoice = state["tables"]["Invoice"][str(step["payment"]["invoice"])]
        paid = decimal.Decimal(invoice.get("_paid") or "0")
        for amount in step["payment"]["amounts"]:
            paid += decimal.Decimal(amount)
        invoice["_paid"] = str(paid.quantize(decimal.Decimal("0.01")))
    if "tickets_created_at" in step:
        tickets = [state["tables"]["Ticket"][str(t)] for t in step["tickets_created_at"]["ids"]]
        earliest = min(t["created_at"] for t in tickets)
        for ticket in tickets:
            ticket["created_at"] = earliest
    if "maintenance" in step:
        state["maintenance"] = step["maintenance"]
    if "collide_ticket_create" in step:
        state["ticket_collisions"] = state.get("ticket_collisions", 0) + 1
        send = True
    _put(admin, document)
    return send
