"""The scripted Billy scenario: every endpoint, every error shape.

Runs against one base URL and returns a transcript: one entry per request
with the status, the headers that matter and the body. `mask()` turns a
transcript into something two servers can be compared on (ids and times
masked consistently); `fixtures()` picks the answers that are saved as
test fixtures. Python 3 standard library only.
"""

import base64
import datetime
import hashlib
import json
import re
import urllib.error
import urllib.parse
import urllib.request

CARD = "/v1/marketplaces/TEST-MP6lD3dBpta7OAXJsN766qA/cards/CCBXYdbpYDwX68hv69UH1eS"
# The real server is run with a scripted payment processor instead of
# Balanced (no network): customers get MOCK_CUSTOMER_URI, a funding
# instrument URI containing INVALID is refused (`InvalidFundingInstrument`,
# "Scripted: invalid funding instrument URI"), a charge to one containing
# FAIL or DECLINED raises "Scripted processor failure for URI", every
# other charge succeeds as MOCK_DEBIT_TX_URI / MOCK_CREDIT_TX_URI /
# MOCK_REFUND_TX_URI. The sandbox does the same.
FAILING_CARD = "/v1/marketplaces/TEST-MP6lD3dBpta7OAXJsN766qA/cards/CCDECLINED"
INVALID_CARD = "/v1/marketplaces/TEST-MP6lD3dBpta7OAXJsN766qA/cards/CCINVALID"
PROCESSOR_KEY = "ef13dce2093b11e388de026ba7d31e6f"

# Headers compared between servers (lower case).
HEADERS = ("content-type", "connection")


class Runner:
    def __init__(self, base):
        self.base = base.rstrip("/")
        self.transcript = []
        self.fixture_names = {}
        self.walks = {}

    def call(self, name, method, path, key=None, form=None, query=None,
             accept="application/json", content_type=None, body=None,
             fixture=None):
        url = self.base + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None
        headers = {"Accept": accept}
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if body is not None:
            data = body.encode()
        if content_type:
            headers["Content-Type"] = content_type
        if key is not None:
            token = base64.b64encode((key + ":").encode()).decode()
            headers["Authorization"] = "Basic " + token
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, hdrs, raw = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            status, hdrs, raw = e.code, e.headers, e.read()
        text = raw.decode("utf-8", "replace")
        entry = {
            "name": name,
            "request": {
                "method": method,
                "path": path,
                "query": query or {},
                "form": dict(form) if form is not None else None,
            },
            "status": status,
            "headers": {h: hdrs.get(h) for h in HEADERS if hdrs.get(h) is not None},
            "raw": text,
        }
        try:
            entry["json"] = json.loads(text)
        except ValueError:
            entry["json"] = None
        self.transcript.append(entry)
        if fixture:
            self.fixture_names[fixture] = entry
        return entry["json"] if entry["json"] is not None else {}

    def walk(self, name, path, key, limit, collapses=False, fixture=None, most=12,
             query=None):
        """Reads a list as a client walks it: offsets 0, limit, 2 * limit...
        until an empty page, at most `most` pages so a server that ignores
        the offset cannot run the scenario forever. Records the GUIDs of each
        page in `walks[name]`, with how the scenario expects Billy to collapse
        its pages (`collapses`: False, "short" or "equal", see
        `walk_problems`), so a server or a scenario that no longer shows the
        case it is there for is told, not silently compared."""
        pages = []
        for n in range(most):
            offset = n * limit
            page = self.call("%s_offset_%d" % (name, offset), "GET", path, key=key,
                             query=dict(query or {}, offset=str(offset), limit=str(limit)),
                             fixture=fixture % offset if fixture else None)
            items = page.get("items") if isinstance(page.get("items"), list) else []
            pages.append([i.get("guid") if isinstance(i, dict) else None for i in items])
            if not items:
                break
        self.walks[name] = (limit, pages, collapses)
        return pages


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def run(base):
    """Runs the scenario against `base`; returns the Runner."""
    r = Runner(base)
    now = datetime.datetime.utcnow().replace(microsecond=0)
    later = iso(now + datetime.timedelta(days=30))
    past = iso(now - datetime.timedelta(days=1))

    # ---- companies and keys ----
    company = r.call("company_create", "POST", "/v1/companies",
                     form={"processor_key": PROCESSOR_KEY}, fixture="company_create.json")
    key = company.get("api_key", "")
    cp = company.get("guid", "CPnone")
    r.call("company_create_without_key", "POST", "/v1/companies", form={},
           fixture="error_400_required.txt")
    r.call("company_get", "GET", "/v1/companies/" + cp, key=key, fixture="company_get.json")
    r.call("company_index_is_not_a_route", "GET", "/v1/companies", key=key)
    r.call("no_key", "GET", "/v1/customers", fixture="error_403_no_key.txt")
    r.call("wrong_key", "GET", "/v1/plans", key="wrong-key", fixture="error_403_bad_key.txt")

    # ---- customers ----
    cu = r.call("customer_create", "POST", "/v1/customers", key=key,
                form={"processor_uri": "/v1/customers/CUCChwFzuMRlBGgoBwjRgqr"},
                fixture="customer_create.json")["guid"]
    cu2 = r.call("customer_create_bare", "POST", "/v1/customers", key=key, form={},
                 fixture="customer_create_bare.json")["guid"]
    r.call("customer_get", "GET", "/v1/customers/" + cu, key=key, fixture="customer_get.json")
    r.call("customer_list", "GET", "/v1/customers", key=key)
    r.call("customer_list_by_processor_uri", "GET", "/v1/customers", key=key,
           query={"processor_uri": "/v1/customers/CUCChwFzuMRlBGgoBwjRgqr"},
           fixture="customer_list.json")
    r.call("customer_unknown", "GET", "/v1/customers/CUxxx", key=key)

    # ---- plans ----
    pl = r.call("plan_create", "POST", "/v1/plans", key=key,
                form={"plan_type": "debit", "frequency": "monthly", "amount": "500"},
                fixture="plan_create.json")["guid"]
    r.call("plan_create_form_errors", "POST", "/v1/plans", key=key,
           form={"plan_type": "barter", "frequency": "monthly"}, fixture="error_400_form.txt")
    r.call("plan_create_form_errors_html", "POST", "/v1/plans", key=key,
           form={"plan_type": "barter", "frequency": "monthly"}, accept="*/*",
           fixture="error_400_form.html")
    r.call("plan_create_below_minimum", "POST", "/v1/plans", key=key,
           form={"plan_type": "debit", "frequency": "monthly", "amount": "10", "interval": "0"})
    r.call("plan_create_json_body_is_ignored", "POST", "/v1/plans", key=key,
           body='{"plan_type": "debit", "frequency": "monthly", "amount": 500}',
           content_type="application/json")
    r.call("plan_get", "GET", "/v1/plans/" + pl, key=key, fixture="plan_get.json")
    r.call("plan_unknown", "GET", "/v1/plans/PLxxx", key=key, fixture="error_404_plan.txt")
    pl2 = r.call("plan_create_credit", "POST", "/v1/plans", key=key,
                 form={"plan_type": "credit", "frequency": "weekly", "amount": "50",
                       "interval": "2"})["guid"]
    r.call("plan_delete", "DELETE", "/v1/plans/" + pl2, key=key, fixture="plan_delete.json")
    r.call("plan_delete_again", "DELETE", "/v1/plans/" + pl2, key=key,
           fixture="error_400_already_deleted.txt")
    r.call("plan_list", "GET", "/v1/plans", key=key, fixture="plan_list.json")

    # ---- subscriptions ----
    su = r.call("subscription_create", "POST", "/v1/subscriptions", key=key,
                form={"plan_guid": pl, "customer_guid": cu, "funding_instrument_uri": CARD},
                fixture="subscription_create.json")["guid"]
    r.call("subscription_get", "GET", "/v1/subscriptions/" + su, key=key,
           fixture="subscription_get.json")
    su_future = r.call("subscription_future", "POST", "/v1/subscriptions", key=key,
                       form={"plan_guid": pl, "customer_guid": cu, "amount": "450",
                             "started_at": later, "appears_on_statement_as": "FooBar Hosting"},
                       fixture="subscription_future.json").get("guid", "SUnone")
    r.call("subscription_in_the_past", "POST", "/v1/subscriptions", key=key,
           form={"plan_guid": pl, "customer_guid": cu, "started_at": past})
    r.call("subscription_bad_statement", "POST", "/v1/subscriptions", key=key,
           form={"plan_guid": pl, "customer_guid": cu, "amount": "10",
                 "appears_on_statement_as": "Nineteen characters*"})
    r.call("subscription_unknown_records", "POST", "/v1/subscriptions", key=key,
           form={"plan_guid": "PLxxx", "customer_guid": "CUxxx"})
    r.call("subscription_to_deleted_plan", "POST", "/v1/subscriptions", key=key,
           form={"plan_guid": pl2, "customer_guid": cu})
    r.call("subscription_list", "GET", "/v1/subscriptions", key=key,
           fixture="subscription_list.json")
    sub_invoices = r.call("subscription_invoices", "GET", "/v1/subscriptions/%s/invoices" % su,
                          key=key, fixture="invoice_list_subscription.json")
    iv_sub = (sub_invoices.get("items") or [{}])[0].get("guid", "IVnone")
    r.call("invoice_subscription", "GET", "/v1/invoices/" + iv_sub, key=key,
           fixture="invoice_subscription.json")
    sub_txs = r.call("subscription_transactions", "GET", "/v1/subscriptions/%s/transactions" % su,
                     key=key, fixture="subscription_transactions.json")
    tx_sub = (sub_txs.get("items") or [{}])[0].get("guid", "TXnone")
    r.call("subscription_cancel", "POST", "/v1/subscriptions/%s/cancel" % su, key=key,
           fixture="subscription_cancel.json")
    r.call("subscription_cancel_again", "POST", "/v1/subscriptions/%s/cancel" % su, key=key,
           fixture="error_400_text.txt")
    r.call("subscription_future_invoices", "GET",
           "/v1/subscriptions/%s/invoices" % su_future, key=key)
    r.call("subscription_delete_is_not_a_route", "DELETE", "/v1/subscriptions/" + su, key=key)

    # ---- invoices ----
    seed_form = {
        "customer_guid": cu, "amount": "1000", "appears_on_statement_as": "FooBar Hosting",
        "item_name1": "Hosting Service A", "item_amount1": "1000",
        "adjustment_amount1": "-100", "adjustment_reason1": "Coupon discount",
    }
    iv = r.call("invoice_create", "POST", "/v1/invoices", key=key, form=seed_form,
                fixture="invoice_create.json")["guid"]
    r.call("invoice_get", "GET", "/v1/invoices/" + iv, key=key, fixture="invoice_get.json")
    r.call("invoice_refund_staged", "POST", "/v1/invoices/%s/refund" % iv, key=key,
           form={"amount": "100"}, fixture="error_400_invalid_operation.json")
    r.call("invoice_update", "PUT", "/v1/invoices/" + iv, key=key,
           form={"funding_instrument_uri": CARD}, fixture="invoice_update.json")
    r.call("invoice_update_settled", "PUT", "/v1/invoices/" + iv, key=key,
           form={"funding_instrument_uri": CARD})
    r.call("invoice_update_without_uri", "PUT", "/v1/invoices/" + iv, key=key, form={})
    r.call("invoice_refund", "POST", "/v1/invoices/%s/refund" % iv, key=key,
           form={"amount": "300"}, fixture="invoice_refund.json")
    r.call("invoice_refund_too_much", "POST", "/v1/invoices/%s/refund" % iv, key=key,
           form={"amount": "601"})
    r.call("invoice_refund_negative", "POST", "/v1/invoices/%s/refund" % iv, key=key,
           form={"amount": "-1"})
    r.call("invoice_cancel_settled", "POST", "/v1/invoices/%s/cancel" % iv, key=key)
    r.call("invoice_transactions", "GET", "/v1/invoices/%s/transactions" % iv, key=key,
           fixture="invoice_transactions.json")

    ext_form = {"customer_guid": cu, "amount": "1000", "external_id": "order-42",
                "item_name1": "Hosting Service A", "item_amount1": "1000",
                "item_type1": "Hosting", "item_quantity1": "2", "item_volume1": "3",
                "item_unit1": "months", "title": "Setup"}
    iv_ext = r.call("invoice_create_external_id", "POST", "/v1/invoices", key=key,
                    form=ext_form)["guid"]
    r.call("invoice_duplicate_external_id", "POST", "/v1/invoices", key=key,
           form=ext_form, fixture="error_409_duplicate_external_id.json")
    r.call("invoice_list_external_id", "GET", "/v1/invoices", key=key,
           query={"external_id": "order-42"}, fixture="invoice_list_external_id.json")
    r.call("invoice_cancel", "POST", "/v1/invoices/%s/cancel" % iv_ext, key=key,
           fixture="invoice_cancel.json")
    r.call("invoice_cancel_again", "POST", "/v1/invoices/%s/cancel" % iv_ext, key=key)

    iv_fail = r.call("invoice_failing_card", "POST", "/v1/invoices", key=key,
                     form={"customer_guid": cu, "amount": "1000",
                           "funding_instrument_uri": FAILING_CARD,
                           "appears_on_statement_as": "FooBar Hosting"})["guid"]
    txs = r.call("invoice_failing_card_transactions", "GET",
                 "/v1/invoices/%s/transactions" % iv_fail, key=key)
    tx_fail = (txs.get("items") or [{}])[0].get("guid", "TXnone")
    r.call("transaction_failed", "GET", "/v1/transactions/" + tx_fail, key=key,
           fixture="transaction_failed.json")
    r.call("invoice_failing_card_cancel", "POST", "/v1/invoices/%s/cancel" % iv_fail, key=key)
    r.call("invoice_failing_card_after_cancel", "GET", "/v1/transactions/" + tx_fail, key=key)

    iv_zero = r.call("invoice_zero", "POST", "/v1/invoices", key=key,
                     form={"customer_guid": cu, "amount": "0",
                           "funding_instrument_uri": CARD})["guid"]
    r.call("invoice_zero_transactions", "GET", "/v1/invoices/%s/transactions" % iv_zero,
           key=key)
    iv_neg = r.call("invoice_negative_effective_amount", "POST", "/v1/invoices", key=key,
                    form={"customer_guid": cu, "amount": "100", "funding_instrument_uri": CARD,
                          "adjustment_amount1": "-300", "adjustment_reason1": "Too generous"},
                    fixture="invoice_negative.json")["guid"]
    r.call("invoice_negative_transactions", "GET", "/v1/invoices/%s/transactions" % iv_neg,
           key=key, fixture="transaction_list_negative.json")
    r.call("invoice_invalid_card", "POST", "/v1/invoices", key=key,
           form={"customer_guid": cu, "amount": "100", "funding_instrument_uri": INVALID_CARD})
    r.call("invoice_form_errors", "POST", "/v1/invoices", key=key,
           form={"customer_guid": "CUxxx", "amount": "-5", "title": "x" * 129,
                 "appears_on_statement_as": "Café"})
    r.call("invoice_docs_keys_ignored", "POST", "/v1/invoices", key=key,
           form={"customer_guid": cu, "amount": "1000", "item_name1": "A",
                 "item_amount1": "1000", "item_quanity1": "3",
                 "adjustments_amount1": "-100", "adjustments_reason1": "Coupon"})
    r.call("invoice_item_without_amount", "POST", "/v1/invoices", key=key,
           form={"customer_guid": cu, "amount": "1000", "item_name1": "A"},
           fixture="error_500.txt")
    r.call("invoice_list", "GET", "/v1/invoices", key=key, query={"limit": "3"},
           fixture="invoice_list.json")

    # ---- more warts ----
    iv_retry = r.call("invoice_failing_again", "POST", "/v1/invoices", key=key,
                      form={"customer_guid": cu, "amount": "700",
                            "funding_instrument_uri": FAILING_CARD})["guid"]
    retrying = r.call("invoice_failing_again_transactions", "GET",
                      "/v1/invoices/%s/transactions" % iv_retry, key=key)
    tx_retry = (retrying.get("items") or [{}])[0].get("guid", "TXnone")
    iv_other = r.call("invoice_staged_other", "POST", "/v1/invoices", key=key,
                      form={"customer_guid": cu, "amount": "300"})["guid"]
    r.call("invoice_cancel_other", "POST", "/v1/invoices/%s/cancel" % iv_other, key=key)
    r.call("cancel_reaches_other_invoices_charges", "GET", "/v1/transactions/" + tx_retry,
           key=key)
    r.call("invoice_update_zero_settled", "PUT", "/v1/invoices/" + iv_zero, key=key,
           form={"funding_instrument_uri": CARD})
    r.call("invoice_refund_zero_settled", "POST", "/v1/invoices/%s/refund" % iv_zero, key=key,
           form={"amount": "0"})
    r.call("invoice_adjustment_without_amount", "POST", "/v1/invoices", key=key,
           form={"customer_guid": cu, "amount": "5", "adjustment_reason1": "x"})
    r.call("invoice_amount_not_integer", "POST", "/v1/invoices", key=key,
           form={"customer_guid": cu, "amount": "abc"})
    r.call("invoice_amount_missing", "POST", "/v1/invoices", key=key,
           form={"customer_guid": cu})
    r.call("plan_amount_zero_is_missing", "POST", "/v1/plans", key=key,
           form={"plan_type": "debit", "frequency": "monthly", "amount": "0"})
    r.call("plan_bad_numbers", "POST", "/v1/plans", key=key,
           form={"plan_type": "debit", "frequency": "hourly", "amount": "abc",
                 "interval": "x"})
    r.call("plan_upper_case_choices", "POST", "/v1/plans", key=key,
           form={"plan_type": "DEBIT", "frequency": "Monthly", "amount": "60"})
    r.call("subscription_amount_not_integer", "POST", "/v1/subscriptions", key=key,
           form={"plan_guid": pl, "customer_guid": cu, "amount": "abc"})
    r.call("subscription_started_at_garbage", "POST", "/v1/subscriptions", key=key,
           form={"plan_guid": pl, "customer_guid": cu, "started_at": "garbage"})
    r.call("subscription_started_at_bare_date", "POST", "/v1/subscriptions", key=key,
           form={"plan_guid": pl, "customer_guid": cu, "started_at": later[:10]})
    r.call("subscription_invalid_card", "POST", "/v1/subscriptions", key=key,
           form={"plan_guid": pl, "customer_guid": cu, "funding_instrument_uri": INVALID_CARD})
    r.call("plan_list_unknown_filter", "GET", "/v1/plans", key=key, query={"external_id": "x"})
    r.call("invoice_list_unknown_filter", "GET", "/v1/invoices", key=key,
           query={"processor_uri": "x"})
    r.call("customer_list_negative_offset", "GET", "/v1/customers", key=key,
           query={"offset": "-1", "limit": "1"})
    r.call("customer_list_negative_limit", "GET", "/v1/customers", key=key,
           query={"limit": "-1", "offset": "3"})
    r.call("customer_list_zero_limit", "GET", "/v1/customers", key=key, query={"limit": "0"})
    r.call("plans_put_is_not_a_route", "PUT", "/v1/plans", key=key)
    r.call("transactions_post_is_not_a_route", "POST", "/v1/transactions", key=key)
    r.call("invoice_refund_get_is_not_a_route", "GET", "/v1/invoices/%s/refund" % iv, key=key)
    r.call("plan_customers_answer_any_method", "DELETE", "/v1/plans/%s/customers" % pl,
           key=key)
    r.call("server_info_post_is_not_a_route", "POST", "/", form={})
    r.call("unknown_record_before_method", "POST", "/v1/companies/CPxxx", key=key)

    # ---- deleted customers ----
    r.call("customer_delete", "DELETE", "/v1/customers/" + cu2, key=key,
           fixture="customer_delete.json")
    r.call("customer_delete_again", "DELETE", "/v1/customers/" + cu2, key=key)
    r.call("invoice_for_deleted_customer", "POST", "/v1/invoices", key=key,
           form={"customer_guid": cu2, "amount": "100"})
    r.call("subscription_for_deleted_customer", "POST", "/v1/subscriptions", key=key,
           form={"plan_guid": pl, "customer_guid": cu2})

    # ---- sub-lists ----
    for sub in ("invoices", "subscriptions", "transactions"):
        r.call("customer_" + sub, "GET", "/v1/customers/%s/%s" % (cu, sub), key=key,
               fixture="customer_%s.json" % sub)
    for sub in ("customers", "subscriptions", "invoices", "transactions"):
        r.call("plan_" + sub, "GET", "/v1/plans/%s/%s" % (pl, sub), key=key,
               fixture="plan_%s.json" % sub)
    r.call("transaction_list", "GET", "/v1/transactions", key=key, query={"limit": "2"},
           fixture="transaction_list.json")
    r.call("transaction_list_all", "GET", "/v1/transactions", key=key)
    r.call("transaction_get", "GET", "/v1/transactions/" + tx_sub, key=key,
           fixture="transaction_get.json")

    # ---- plans/{guid}/customers repeats customers across pages ----
    pl3 = r.call("plan_for_paging", "POST", "/v1/plans", key=key,
                 form={"plan_type": "debit", "frequency": "daily", "amount": "100"})["guid"]
    a = r.call("customer_a", "POST", "/v1/customers", key=key, form={})["guid"]
    b = r.call("customer_b", "POST", "/v1/customers", key=key, form={})["guid"]
    for who in (a, b, a, b, a, b):
        r.call("subscription_for_paging", "POST", "/v1/subscriptions", key=key,
               form={"plan_guid": pl3, "customer_guid": who, "started_at": later})
    for offset in (0, 2, 4, 6):
        r.call("plan_customers_page_%d" % offset, "GET", "/v1/plans/%s/customers" % pl3,
               key=key, query={"offset": str(offset), "limit": "2"},
               fixture="plan_customers_page_%d.json" % offset)

    # ---- collapsed pages: the lists whose query joins one-to-many ----
    # Of Billy's list queries (`list_by_context` in billy/models/*.py) only
    # a plan's customers join one-to-many: `Customer JOIN Subscription`, one
    # row per subscription, paged by SQL, then de-duplicated by SQLAlchemy
    # within the page. A customer with several subscriptions to the plan
    # fills pages with one entity, so two consecutive pages can be equal
    # although the offset advanced (B one subscription, A five; newest
    # customer first: [B, A], [A], [A], []). Every other list joins
    # many-to-one or one-to-one (a subscription's plan, an invoice's
    # subscription or customer, a transaction's invoice) or selects by
    # `IN`/`UNION`, so its pages are full until the last: walked here over
    # the same records, as the proof and to compare the sandbox on them.
    pl_c = r.call("plan_for_collapsing", "POST", "/v1/plans", key=key,
                  form={"plan_type": "debit", "frequency": "monthly", "amount": "300"})["guid"]
    cu_a = r.call("customer_collapsing_a", "POST", "/v1/customers", key=key, form={})["guid"]
    cu_b = r.call("customer_collapsing_b", "POST", "/v1/customers", key=key, form={})["guid"]
    r.call("subscription_collapsing_b", "POST", "/v1/subscriptions", key=key,
           form={"plan_guid": pl_c, "customer_guid": cu_b, "funding_instrument_uri": CARD})
    for _ in range(5):
        r.call("subscription_collapsing_a", "POST", "/v1/subscriptions", key=key,
               form={"plan_guid": pl_c, "customer_guid": cu_a, "funding_instrument_uri": CARD})
    # A customer's invoices and transactions are those of invoices made
    # for the customer, not for its subscriptions.
    for _ in range(3):
        r.call("invoice_collapsing_a", "POST", "/v1/invoices", key=key,
               form={"customer_guid": cu_a, "amount": "100", "funding_instrument_uri": CARD})
    r.walk("plan_customers_collapsed", "/v1/plans/%s/customers" % pl_c, key, 2,
           collapses="equal", fixture="plan_customers_collapsed_%d.json")
    r.walk("plan_customers_collapsed_by_3", "/v1/plans/%s/customers" % pl_c, key, 3,
           collapses="short")
    for sub in ("subscriptions", "invoices", "transactions"):
        r.walk("plan_%s_walk" % sub, "/v1/plans/%s/%s" % (pl_c, sub), key, 2)
        r.walk("customer_%s_walk" % sub, "/v1/customers/%s/%s" % (cu_a, sub), key, 2)
    for top in ("customers", "plans", "subscriptions", "invoices", "transactions"):
        r.walk("%s_walk" % top, "/v1/" + top, key, 5)
    # The filters a sub-list takes: the collapsing join filtered by the
    # customers' processor URI collapses the same way; a non-matching one
    # leaves nothing.
    r.walk("plan_customers_collapsed_by_processor_uri", "/v1/plans/%s/customers" % pl_c, key,
           2, collapses="equal", query={"processor_uri": "MOCK_CUSTOMER_URI"})
    r.call("plan_customers_other_processor_uri", "GET", "/v1/plans/%s/customers" % pl_c,
           key=key, query={"processor_uri": "/v1/customers/CUCChwFzuMRlBGgoBwjRgqr"})
    r.call("plan_customers_matching_processor_uri", "GET", "/v1/plans/%s/customers" % pl,
           key=key, query={"processor_uri": "/v1/customers/CUCChwFzuMRlBGgoBwjRgqr"})
    # `external_id` on a customer's invoices joins customer_invoice to
    # itself: SQLAlchemy refuses, the server answers 500. A plan's or a
    # subscription's invoices are subscription invoices: none matches.
    r.call("customer_invoices_external_id", "GET", "/v1/customers/%s/invoices" % cu, key=key,
           query={"external_id": "order-42"})
    r.call("plan_invoices_external_id", "GET", "/v1/plans/%s/invoices" % pl, key=key,
           query={"external_id": "order-42"})
    r.call("subscription_invoices_external_id", "GET", "/v1/subscriptions/%s/invoices" % su,
           key=key, query={"external_id": "order-42"})

    # ---- paging ----
    r.call("customer_list_page", "GET", "/v1/customers", key=key,
           query={"offset": "1", "limit": "1"})
    r.call("customer_list_bad_limit", "GET", "/v1/customers", key=key, query={"limit": "abc"})

    # ---- another company ----
    other = r.call("company_create_other", "POST", "/v1/companies",
                   form={"processor_key": PROCESSOR_KEY})
    key2 = other.get("api_key", "")
    r.call("foreign_plan", "GET", "/v1/plans/" + pl, key=key2, fixture="error_403_foreign.txt")
    r.call("foreign_company", "GET", "/v1/companies/" + cp, key=key2)
    r.call("foreign_plan_list", "GET", "/v1/plans", key=key2)
    r.call("foreign_invoice_create", "POST", "/v1/invoices", key=key2,
           form={"customer_guid": cu, "amount": "100"})
    r.call("foreign_subscription_create", "POST", "/v1/subscriptions", key=key2,
           form={"plan_guid": pl, "customer_guid": cu})

    # ---- routing ----
    r.call("unknown_collection", "GET", "/v1/nothing", key=key)
    r.call("unknown_sub_list", "GET", "/v1/plans/%s/nothing" % pl, key=key)
    r.call("server_info", "GET", "/", fixture="server_info.json")
    return r


# ---- masking ----

GUID = re.compile(r"\b(CP|CU|PL|SU|IV|TX|TF|TE)([1-9A-HJ-NP-Za-km-z]{16,22})\b")
TIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(\+00:00)?")
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class Masker:
    """Replaces each GUID by `<prefix>#<n>` in order of first appearance
    (so two transcripts compare equal only if ids are used the same way),
    times by `<time>`, API keys by `<api_key>`."""

    def __init__(self):
        self.ids = {}

    def guid(self, m):
        g = m.group(0)
        if g not in self.ids:
            prefix = m.group(1)
            n = sum(1 for k in self.ids if k.startswith(prefix)) + 1
            self.ids[g] = "%s#%d" % (prefix, n)
        return self.ids[g]

    def text(self, s):
        s = GUID.sub(self.guid, s)
        return TIME.sub("<time>", s)

    def value(self, v, key=None):
        if isinstance(v, dict):
            return {k: self.value(x, k) for k, x in sorted(v.items())}
        if isinstance(v, list):
            return [self.value(x) for x in v]
        if isinstance(v, str):
            if key == "api_key":
                return "<api_key>"
            return self.text(v)
        return v


def walk_shape(limit, pages):
    """What a walk's pages show: `ends` (the walk reached an empty page),
    `short` (a non-empty page shorter than the limit came before another
    non-empty one) and `equal` (two consecutive non-empty pages were the
    same: what billkit's repeated-page guard looks at)."""
    filled = [p for p in pages if p]
    return {
        "ends": bool(pages) and not pages[-1],
        "short": any(len(p) < limit for p in filled[:-1]),
        "equal": any(a == b for a, b in zip(filled, filled[1:])),
    }


def walk_problems(runner):
    """Messages for each walk that does not show what the scenario expects:
    every walk must end on an empty page; a collapsing list must show a
    short page before its end (and, for "equal", two equal consecutive
    pages), any other list neither."""
    out = []
    for name, (limit, pages, collapses) in sorted(runner.walks.items()):
        shape = walk_shape(limit, pages)
        if not shape["ends"]:
            out.append("%s: no empty page after %d pages" % (name, len(pages)))
        if collapses and not shape["short"]:
            out.append("%s: expected a short page before the end" % name)
        if collapses == "equal" and not shape["equal"]:
            out.append("%s: expected two equal consecutive pages" % name)
        if not collapses and (shape["short"] or shape["equal"]):
            out.append("%s: pages collapsed on a list that should not collapse" % name)
    return out


def mask(transcript, m=None):
    """The transcript with ids and times masked by `m` (a fresh Masker by
    default; pass one to mask other text with the same numbering)."""
    m = m or Masker()
    out = []
    for e in transcript:
        req = e["request"]
        form = req["form"]
        if form is not None:
            form = {k: m.text(v) for k, v in sorted(form.items())}
        item = {
            "name": e["name"],
            "request": "%s %s%s" % (
                req["method"], m.text(req["path"]),
                ("?" + urllib.parse.urlencode(sorted(req["query"].items()))) if req["query"] else ""),
            "form": form,
            "status": e["status"],
            "headers": {k: v.lower().replace(" ", "") for k, v in e["headers"].items()},
        }
        if e["json"] is not None:
            item["json"] = m.value(e["json"])
        else:
            item["text"] = m.text(e["raw"]).split("\n")
        out.append(item)
    return out


# ---- fixtures ----

# The ids the tests know, given to the scenario's main records.
SEED_IDS = {
    "company_create": "CP4MXZG4ThUdbLpiX8e9Yx3j",
    "customer_create": "CU4NheTMcQqXgmAtg1aGTJPK",
    "plan_create": "PL4RHCKW7GsGMjpcozHveQuw",
    "subscription_create": "SU4ST39srWVLGbiTg174QyfF",
    "invoice_create": "IV4gVtDyP3CD9zQyv8AtPwx5",
    "customer_create_bare": "CURGJN3rG3Fozkpg3ueXu76z",
    "subscription_invoices": "IV4SUGxQ3hu2ZB6FU5NXNj4u",
    "subscription_transactions": "TX4SVWm156bBTSY17KJKW88y",
    "invoice_failing_card": "IV5kWXdZ8UL2fXfvMYdNLHkd",
    "transaction_failed": "TX5kWXdZ8UL2fXfvMYdNLHkd",
    "subscription_future": "SU5LKCkL2zsVbB8ekbD3CHuV",
}
SEED_KEY = "5MyxREWaEymNWunpGseySVGBZkTWDW57FUXsyTo2WtGC"


def fake_guid(real):
    """A stable GUID of the same shape for a recorded one."""
    digest = hashlib.sha256(real.encode()).digest()[:16]
    n = int.from_bytes(digest, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = B58[r] + out
    return real[:2] + out.rjust(22, "1")[:22]


def fixtures(runner):
    """{file name: body} with ids and the API key normalised."""
    mapping = {}
    for e in runner.transcript:
        body = e["json"]
        if isinstance(body, dict) and "limit" in body and body.get("items"):
            body = body["items"][0]
        if e["name"] in SEED_IDS and isinstance(body, dict) and "guid" in body:
            mapping.setdefault(body["guid"], SEED_IDS[e["name"]])
    keys = [e["json"]["api_key"] for e in runner.transcript
            if isinstance(e["json"], dict) and "api_key" in e["json"]]

    def guid(m):
        g = m.group(0)
        if g not in mapping:
            mapping[g] = fake_guid(g)
        return mapping[g]

    out = {}
    for name, e in runner.fixture_names.items():
        body = e["raw"]
        for k in keys:
            body = body.replace(k, SEED_KEY)
        out[name] = (e["status"], GUID.sub(guid, body))
    return out
