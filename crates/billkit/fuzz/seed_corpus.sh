#!/usr/bin/env bash
# Builds the seed corpora in fuzz/corpus/<target>/ from ../fixtures.
# Safe to re-run; it only adds files. Corpora are not committed.
set -euo pipefail
cd "$(dirname "$0")"
fixtures=../fixtures
mkdir -p corpus/error_body corpus/money corpus/models

# error_body: every fixture (error bodies, and success bodies that a proxy
# might send with an error status), plus the texts known to have panicked.
for f in "$fixtures"/*/*; do
  cp "$f" "corpus/error_body/$(basename "$(dirname "$f")")_$(basename "$f")"
done
printf 'There are errors in following parameters: <' > corpus/error_body/cut_at_lt
printf 'There are errors in following parameters: <ul><li>amount:<ul><li>\xc3\xa9' > corpus/error_body/cut_multibyte
printf 'There are errors in following parameters: &lt;ul&gt;&lt;li&gt;x:&lt;\xe2\x82\xac' > corpus/error_body/cut_escaped

# money: every amount-like scalar in the fixtures, plus edge cases.
grep -rhoE '"(amount|price|[a-z_]*_amount|total[a-z_]*|rate|[a-z_]*price[a-z_]*|balance|credit)": *("[^"]*"|-?[0-9][0-9.eE+-]*)' "$fixtures" \
  | sed -E 's/^"[^"]*": *//' | sort -u | nl -nrz -w4 | while read -r n v; do
  printf '%s' "$v" > "corpus/money/fixture_$n"
done
n=0
for v in '0' '-0' '0.00' '44.99' '"44.99"' '19.990' '1e2' '1.5E-3' '"  7.10 "' \
  '79228162514264337593543950335' '79228162514264337593543950336' \
  '-79228162514264337593543950335' '0.0000000000000000000000000001' \
  '1.0000000000000000000000000000001' '"1.0000000000000000000000000000001"' \
  '1e28' '1e29' '1e-28' '1e-29' '9223372036854775807' '-9223372036854775808' \
  '9223372036854775808' '"500"' '"-100"' '5.5' '"5.5"' 'null' 'true' '"" ' '[1]' '{}' \
  '0.19999999999999998' '9.999999999999998' '0.010000000000005116' \
  '"1.0999999999999999"' '0.123' '0.105' '"50.985"' '0.0000009' '0.000001'; do
  n=$((n + 1))
  printf '%s' "$v" > "corpus/money/edge_$n"
done

# models: "<selector byte><body>"; the selector is the index in
# oracle::MODELS (tests/hostile_decode/oracle.rs; keep these in step).
seed() { # seed <index> <fixture>
  local name
  name=$(basename "$(dirname "$2")")_$(basename "$2")
  { printf "\\x$(printf '%02x' "$1")"; cat "$2"; } > "corpus/models/${1}_$name"
}
for f in "$fixtures"/billpro/*; do
  case $(basename "$f") in
    customer*) seed 0 "$f" ;;
    order_*) seed 1 "$f" ;;
    product*) seed 2 "$f" ;;
    scheduled_payment*) seed 3 "$f" ;;
    *) for i in 0 1 2 3; do seed "$i" "$f"; done ;;
  esac
done
for f in "$fixtures"/billy/*; do
  case $(basename "$f") in
    invoice*) seed 12 "$f" ;;
    customer*) seed 13 "$f" ;;
    plan*) seed 14 "$f" ;;
    subscription*) seed 15 "$f" ;;
    transaction*) seed 16 "$f" ;;
    server_info*) seed 17 "$f" ;;
    company*) seed 18 "$f" ;;
    *) ;;
  esac
done
for f in "$fixtures"/billmora/*; do
  [ -f "$f" ] || continue  # recorded/ is the whole recording
  case $(basename "$f") in
    users*) seed 22 "$f" ;;
    invoices*) seed 23 "$f" ;;
    orders*) seed 24 "$f" ;;
    services*) seed 25 "$f" ;;
    tickets*) seed 26 "$f" ;;
    packages*) seed 27 "$f" ;;
    catalogs*) seed 28 "$f" ;;
    variants*) seed 29 "$f" ;;
    registrants*) seed 30 "$f" ;;
    tlds*) seed 31 "$f" ;;
    domains_check.json) seed 32 "$f" ;;
    *) seed 33 "$f" ;;
  esac
done
for t in error_body money models; do
  echo "corpus/$t: $(ls "corpus/$t" | wc -l) files"
done

# notification: "<mode><input>" (tests/notifications/oracle.rs): mode 0 is
# <iv length><iv><tag length><tag><body> (the published vector), mode 1 a
# plaintext to seal, mode 2 a decrypted notification to parse.
mkdir -p corpus/notification
printf '\x00\x183D575574536D450F71AC76D8\x2019FDD068C6F383C173D3A906F7BD1D83F8E2F759E528CB69375E51DB2AF9B53734E393' > corpus/notification/vector
payment='{"type":"PAYMENT","payload":{"id":"8a82944a4cc25ebf014cc2c782423202","paymentType":"DB","amount":"92.00","currency":"EUR","merchantTransactionId":"INV-1","result":{"code":"000.000.000","description":"ok"},"card":{"bin":"420000","last4Digits":"0000","holder":"J J","expiryMonth":"05","expiryYear":"2034"},"customer":{"givenName":"J"},"customParameters":{"order_id":"17"},"timestamp":"2015-12-07 16:46:07+0000"}}'
printf '\x01%s' "$payment" > corpus/notification/sealed_payment
printf '\x02%s' "$payment" > corpus/notification/payment
printf '\x02%s' '{"type":"REGISTRATION","action":"CREATED","payload":{"id":"r","paymentType":"RG"}}' > corpus/notification/registration
