#!/usr/bin/env bash
# Property-based test of the HTTP API with schemathesis (from PyPI): starts `umpin serve` on a
# temporary data directory, signs in, and sends generated requests to every operation of
# /api/v1/openapi.json, checking that none is answered with a server error (5xx) and that every
# answer conforms to the document (status, content type, schema). Not part of CI: it takes
# minutes. Run it after changing the API.
#
#   scripts/schemathesis.sh [extra schemathesis options, such as --max-examples 50]
#
# On SQLite in the temporary directory by default; UMPIN_SCHEMATHESIS_DATABASE_URL=postgres://…
# runs it on that (empty) PostgreSQL database instead.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/schemathesis-venv
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet schemathesis
fi

cargo build --quiet -p umpin

data=$(mktemp -d)
umpin=(target/debug/umpin --data-dir "$data")
if [ -n "${UMPIN_SCHEMATHESIS_DATABASE_URL:-}" ]; then
  umpin+=(--database-url "$UMPIN_SCHEMATHESIS_DATABASE_URL")
fi
server=""
cleanup() {
  if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$data"
}
trap cleanup EXIT

password=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$password" > "$data/admin-password"
chmod 600 "$data/admin-password"
"${umpin[@]}" init --admin-password-file "$data/admin-password" >/dev/null

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
UMPIN_LOG=warn "${umpin[@]}" serve --listen "127.0.0.1:$port" >"$data/serve.out" 2>"$data/serve.log" &
server=$!
for _ in $(seq 1 100); do
  curl -fs "$base/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "$base/healthz" >/dev/null

token=$(curl -fs -H 'Content-Type: application/json' \
  -d "{\"username\": \"admin\", \"password\": \"$password\"}" "$base/api/v1/auth/token" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')

# A small organisation, so that generated requests also reach objects that exist.
call() {
  curl -s -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -X "$1" -d "$3" "$base$2"
}
call POST /api/v1/um/dial-plans '{"name": "Contoso", "numberOfDigitsInExtension": 5, "countryOrRegionCode": "1"}'
call POST /api/v1/um/mailbox-policies '{"name": "Strict", "umDialPlan": "Contoso"}'
extension=51234
for who in tony kim david ellen; do
  call POST /api/v1/mailboxes "{\"name\": \"$who\", \"primarySmtpAddress\": \"$who@contoso.com\"}"
  call POST "/api/v1/mailboxes/$who@contoso.com/um" "{\"umMailboxPolicy\": \"Contoso Default Policy\", \"extensions\": [\"$extension\"]}"
  extension=$((extension + 1))
done
call POST /api/v1/mailboxes '{"name": "frank", "primarySmtpAddress": "frank@contoso.com"}'
call POST /api/v1/mailboxes/kim@contoso.com/um/pin/lock '{}'
call POST /api/v1/mailboxes/tony@contoso.com/um/pin/reset '{"pin": "8273645", "pinExpired": false, "sendEmail": false}'

# Voice-access calls, some of them signed in to tony, for the Umpin-Call header.
calls=""
for n in 1 2 3 4 5 6; do
  id=$(curl -fs -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"dialPlan": "Contoso"}' "$base/api/v1/voice/calls" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["callId"])')
  if [ "$n" -le 4 ]; then
    curl -fs -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -H "Umpin-Call: $id" \
      -d '{"extension": "51234", "pin": "8273645"}' "$base/api/v1/voice/call/sign-in"
  fi
  calls="$calls${calls:+, }\"$id\""
done

# Path parameters come from these names most of the time, and are generated otherwise.
cat > "$data/schemathesis.toml" <<'TOML'
[dictionaries.identities]
values = ["tony@contoso.com", "kim@contoso.com", "david", "ellen", "frank@contoso.com", "Contoso", "Contoso Default Policy", "Strict"]

[dictionaries.cmdlets]
values = ["Get-UMMailboxPIN", "Set-UMMailboxPIN", "Get-Mailbox", "New-Mailbox", "Set-Mailbox", "Get-UMMailbox", "Enable-UMMailbox", "Get-UMDialPlan", "Get-UMMailboxPolicy", "Set-UMMailboxPolicy", "Where-Object"]

[parameters]
"path.identity" = { dictionary = "identities", probability = 0.8 }
"path.name" = { dictionary = "cmdlets", probability = 0.8 }
"header.Umpin-Call" = { dictionary = "calls", probability = 0.8 }
TOML
printf '\n[dictionaries.calls]\nvalues = [%s]\n' "$calls" >> "$data/schemathesis.toml"

# The recorded name of a voice-access call is sent as audio: its bytes go as they are, as for
# application/octet-stream.
cat > "$data/schemathesis_hooks.py" <<'PY'
import schemathesis

schemathesis.serializer.alias("audio/*", "application/octet-stream")
PY

# Signing out would end the run's session half-way: that operation is left out. Run from the
# temporary directory, so that schemathesis keeps its cache there and not in the repository.
set +e
schemathesis=$(realpath "$venv/bin/schemathesis")
(cd "$data" && SCHEMATHESIS_HOOKS=schemathesis_hooks PYTHONPATH="$data" "$schemathesis" --config-file "$data/schemathesis.toml" run "$base/api/v1/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --exclude-operation-id revoke_token \
  "$@")
result=$?
set -e

if grep -E '"level":"ERROR"| ERROR ' "$data/serve.log" >/dev/null; then
  echo "The server logged errors:" >&2
  grep -E '"level":"ERROR"| ERROR ' "$data/serve.log" >&2
  result=1
fi
exit "$result"
