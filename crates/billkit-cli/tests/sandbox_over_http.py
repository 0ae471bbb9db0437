#!/usr/bin/env python3
"""Drives `billkit sandbox serve` over HTTP only, as a test in another
language would: seed -> faults -> journal -> clock and due billing ->
checkout -> restart with state -> kill -9 and restart.

Usage: sandbox_over_http.py PATH_TO_BILLKIT_BINARY

Python 3 standard library only. Exits 0 when every check holds, and
non-zero with a message naming the first mismatch otherwise.
"""

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

# Secrets sent on purpose, which the journal must never show.
PASSWORD_CANARY = "canary-Password-7f3a9c"
SERVE_TIMEOUT = 60


class Mismatch(Exception):
    """A check that did not hold."""


def check(condition, message):
    if not condition:
        raise Mismatch(message)


def request(method, url, body=None, headers=None, form=None):
    """One HTTP request; returns (status, headers, text). Never raises on
    an HTTP error status, so a 503 is an answer like any other."""
    data = None
    headers = dict(headers or {})
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as answer:
            return answer.status, answer.headers, answer.read().decode()
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers, answer.read().decode()


def json_of(status, text, what, expected=200):
    check(
        status == expected,
        f"{what}: expected status {expected}, got {status}: {text[:300]}",
    )
    try:
        return json.loads(text)
    except ValueError:
        raise Mismatch(f"{what}: the answer is not JSON: {text[:300]}")


class Server:
    """One `billkit sandbox serve --json` process."""

    def __init__(self, binary, state):
        self.process = subprocess.Popen(
            [
                binary, "sandbox", "serve", "--json", "--state", state,
                "--billpro-port", "0", "--billmora-port", "0",
                "--billy-port", "0", "--admin-port", "0",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline()
        if not line:
            _, err = self.process.communicate(timeout=SERVE_TIMEOUT)
            raise Mismatch(f"serve printed nothing; stderr: {err}")
        self.info = json.loads(line)
        self.admin = self.info["admin"]["url"]

    # -- the three APIs, with the printed credentials ---------------------

    def billpro(self, method, path, body=None):
        info = self.info["billpro"]
        sep = "&" if "?" in path else "?"
        url = f"{info['base_url']}{path}{sep}profile_id={info['profile_id']}"
        return request(method, url, body=body,
                       headers={"Authorization": f"Bearer {info['token']}"})

    def billmora(self, method, path, body=None):
        info = self.info["billmora"]
        return request(method, info["base_url"] + path, body=body, headers={
            "Authorization": f"Bearer {info['token']}",
            "Accept": "application/json",
        })

    def billy(self, method, path, form=None):
        info = self.info["billy"]
        basic = base64.b64encode(f"{info['api_key']}:".encode()).decode()
        return request(method, info["base_url"] + path, form=form,
                       headers={"Authorization": f"Basic {basic}"})

    def admin_call(self, method, path, body=None, expected=200):
        status, _, text = request(method, self.admin + path, body=body)
        return json_of(status, text, f"admin {method} {path}", expected)

    # -- stopping ----------------------------------------------------------

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        out, err = self.process.communicate(timeout=SERVE_TIMEOUT)
        check(self.process.returncode == 0,
              f"serve exited {self.process.returncode} on SIGTERM; stderr: {err}")
        check(out == "", f"serve printed more than its JSON line on stdout: {out!r}")

    def kill(self):
        self.process.kill()
        self.process.communicate(timeout=SERVE_TIMEOUT)


def seed(server):
    """Creates a record through each API; returns their ids."""
    status, _, text = server.billpro("POST", "/customers", {
        "customer": {"first_name": "Dana", "last_name": "Borys",
                     "email": "dana@example.com"}})
    customer = json_of(status, text, "BillPro customer create", 201)
    status, _, text = server.billpro("POST", "/orders/create_single_order", {
        "order": {"currency": "GBP", "customer_id": customer["id"],
                  "invoice_id": "INV-HTTP-1",
                  "order_products": [{"product_id": 2}]}})
    order = json_of(status, text, "BillPro order create", 201)
    check(order["status"] == "pending", f"a new order is pending, got {order['status']}")

    status, _, text = server.billmora("POST", "/users", {
        "first_name": "Ola", "last_name": "Nowak", "email": "ola@example.com",
        "password": PASSWORD_CANARY})
    user = json_of(status, text, "Billmora user create", 201)["data"]

    status, _, text = server.billy("POST", "/v1/customers", form={})
    billy_customer = json_of(status, text, "Billy customer create")
    status, _, text = server.billy("POST", "/v1/plans", form={
        "plan_type": "debit", "frequency": "monthly", "amount": "500"})
    plan = json_of(status, text, "Billy plan create")
    status, _, text = server.billy("POST", "/v1/subscriptions", form={
        "customer_guid": billy_customer["guid"], "plan_guid": plan["guid"],
        "funding_instrument_uri": "/v1/cards/CC-canary-card"})
    subscription = json_of(status, text, "Billy subscription create")
    return {
        "billpro_customer": customer["id"],
        "billpro_order": order["id"],
        "billmora_user": user["id"],
        "billy_plan": plan["guid"],
        "billy_subscription": subscription["guid"],
    }


def billy_invoice_count(server, subscription):
    status, _, text = server.billy("GET", f"/v1/subscriptions/{subscription}/invoices")
    return len(json_of(status, text, "Billy subscription invoices")["items"])


def faults_hit(server):
    """A fault armed through the admin API answers 503 once, then the
    request goes through."""
    armed = server.admin_call("POST", "/faults/billy", {
        "kind": "fail", "n": 1, "status": 503, "method": "GET", "path": "/v1/plans"})
    check(armed["pending"] == 1, f"one fault armed, got {armed}")
    status, _, _ = server.billy("GET", "/v1/plans")
    check(status == 503, f"the armed fault answers 503, got {status}")
    status, _, text = server.billy("GET", "/v1/plans")
    json_of(status, text, "Billy plans after the fault")
    check(server.admin_call("GET", "/faults/billy")["pending"] == 0,
          "the fault is spent after one hit")


def journal_shows_requests_not_secrets(server):
    journal = server.admin_call("GET", "/journal/billy")
    plans = [(e["status"], e["fault"]) for e in journal["entries"]
             if e["method"] == "GET" and e["path"] == "/v1/plans"]
    check(plans == [(503, "fail"), (200, None)],
          f"the journal shows the faulted GET then the good one, got {plans}")
    later = server.admin_call("GET", f"/journal/billy?since={journal['last_seq']}")
    check(later["entries"] == [], f"nothing after the last seq, got {later['entries']}")
    secrets = [
        server.info["billy"]["api_key"],
        base64.b64encode(f"{server.info['billy']['api_key']}:".encode()).decode(),
        server.info["billpro"]["token"],
        server.info["billmora"]["token"],
        PASSWORD_CANARY,
        "CC-canary-card",
    ]
    for api in ("billpro", "billmora", "billy"):
        text = json.dumps(server.admin_call("GET", f"/journal/{api}"))
        check(len(json.loads(text)["entries"]) > 0, f"the {api} journal is empty")
        for secret in secrets:
            check(secret not in text, f"the {api} journal shows a secret: {secret[:6]}...")
        check("[REDACTED]" in text, f"the {api} journal redacts nothing")


def admin_refuses_bad_input(server):
    answer = server.admin_call("POST", "/faults/billy", {"kind": "explode"}, expected=400)
    check("unknown fault kind" in answer["error"], f"a bad kind is named: {answer}")
    answer = server.admin_call("POST", "/clock/advance", {"weeks": 1}, expected=400)
    check("weeks" in answer["error"], f"an unknown field is named: {answer}")
    answer = server.admin_call("GET", "/no/such/route", expected=404)
    check("no admin route" in answer["error"], f"an unknown route says so: {answer}")


def clock_drives_billing(server, ids):
    before = billy_invoice_count(server, ids["billy_subscription"])
    check(before == 1, f"a new monthly subscription has one invoice, got {before}")
    clock = server.admin_call("POST", "/clock/advance", {"days": 32})
    check(clock["offset_ms"] >= 32 * 86400 * 1000, f"the clock moved 32 days: {clock}")
    report = server.admin_call("POST", "/billing/run-due")
    check(report["billy_invoices_filed"] == 1, f"one Billy invoice filed: {report}")
    after = billy_invoice_count(server, ids["billy_subscription"])
    check(after == 2, f"the subscription was billed again: {after} invoices")


def checkout_completes(server, ids):
    order = ids["billpro_order"]
    server.admin_call("POST", f"/billpro/checkouts/{order}/complete")
    status, _, text = server.billpro("GET", f"/orders/{order}")
    check(json_of(status, text, "BillPro order")["status"] == "complete",
          "the paid order is complete")
    again = server.admin_call("POST", f"/billpro/checkouts/{order}/complete", expected=409)
    check("no pending" in again["error"], f"a paid order cannot be paid again: {again}")


def records_still_there(server, ids, billy_invoices):
    status, _, text = server.billpro("GET", f"/customers/{ids['billpro_customer']}")
    check(json_of(status, text, "BillPro customer after restart")["email"] == "dana@example.com",
          "the BillPro customer survived")
    status, _, text = server.billpro("GET", f"/orders/{ids['billpro_order']}")
    check(json_of(status, text, "BillPro order after restart")["status"] == "complete",
          "the completed order survived")
    status, _, text = server.billmora("GET", f"/users/{ids['billmora_user']}")
    check(json_of(status, text, "Billmora user after restart")["data"]["email"] == "ola@example.com",
          "the Billmora user survived")
    status, _, text = server.billy("GET", f"/v1/plans/{ids['billy_plan']}")
    json_of(status, text, "Billy plan after restart")
    count = billy_invoice_count(server, ids["billy_subscription"])
    check(count == billy_invoices, f"Billy has {billy_invoices} invoices after restart, got {count}")
    clock = server.admin_call("GET", "/clock")
    check(clock["offset_ms"] >= 32 * 86400 * 1000, f"the clock offset survived: {clock}")


def refuses_foreign_state(binary, directory):
    path = os.path.join(directory, "foreign.json")
    with open(path, "w") as f:
        f.write('{"orders": []}')
    run = subprocess.run(
        [binary, "sandbox", "serve", "--check", "--state", path, "--billpro-port", "0",
         "--billmora-port", "0", "--billy-port", "0", "--admin-port", "0"],
        capture_output=True, text=True, timeout=SERVE_TIMEOUT)
    check(run.returncode == 3, f"a foreign state file exits 3, got {run.returncode}")
    check("not a billkit sandbox state" in run.stderr, f"and says why: {run.stderr}")
    with open(path) as f:
        check(f.read() == '{"orders": []}', "the foreign file is left untouched")


def names_a_port_in_use(binary):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    try:
        run = subprocess.run(
            [binary, "sandbox", "serve", "--check", "--billpro-port", "0",
             "--billmora-port", "0", "--billy-port", str(port), "--admin-port", "0"],
            capture_output=True, text=True, timeout=SERVE_TIMEOUT)
    finally:
        taken.close()
    check(run.returncode == 3, f"a port in use exits 3, got {run.returncode}")
    check(f"Billy: cannot listen on 127.0.0.1:{port}: port {port} is in use" in run.stderr,
          f"and names the API and port: {run.stderr}")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: sandbox_over_http.py PATH_TO_BILLKIT_BINARY")
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as directory:
        state = os.path.join(directory, "sandbox-state.json")
        server = Server(binary, state)
        try:
            ids = seed(server)
            faults_hit(server)
            journal_shows_requests_not_secrets(server)
            admin_refuses_bad_input(server)
            clock_drives_billing(server, ids)
            checkout_completes(server, ids)
        finally:
            if server.process.poll() is None:
                server.stop()
        with open(state) as f:
            document = json.load(f)
        check(document.get("format") == "billkit-sandbox-state" and document.get("version") == 1,
              "the state file is a versioned sandbox state")

        # A clean restart from the state file.
        server = Server(binary, state)
        try:
            records_still_there(server, ids, billy_invoices=2)
            # A change answered just before a kill -9 is in the file.
            status, _, text = server.billpro("POST", "/customers", {
                "customer": {"first_name": "Kai", "last_name": "Last",
                             "email": "kai@example.com"}})
            late = json_of(status, text, "BillPro customer before kill", 201)
        finally:
            server.kill()

        server = Server(binary, state)
        try:
            records_still_there(server, ids, billy_invoices=2)
            status, _, text = server.billpro("GET", f"/customers/{late['id']}")
            check(json_of(status, text, "customer made before kill -9")["email"] == "kai@example.com",
                  "the change answered before kill -9 survived")
        finally:
            server.stop()

        refuses_foreign_state(binary, directory)
        names_a_port_in_use(binary)
    print("sandbox over HTTP: every check held")


if __name__ == "__main__":
    try:
        main()
    except Mismatch as e:
        sys.exit(f"sandbox over HTTP: MISMATCH: {e}")
