#!/usr/bin/env bash
# The payment connector's answers against spec/payment-provider-protocol.json (payments.py),
# with the validators of requirements.txt (installed into target/openapi-venv on first use).
#   bash tests/openapi/payments.sh EXCHANGES.json
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=scripts/openapi-venv.sh
source "$root/scripts/openapi-venv.sh"
cd "$root/tests/openapi"
exec "$venv_python" payments.py "$@"
