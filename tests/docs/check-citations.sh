#!/usr/bin/env bash
# Every `§X.Y` citation of the VTEX domain reference in a tracked file must name a section of
# docs/vtex/ (an anchor `<a id="X.Y"></a>` there). Citations: `§0`, `§A` … `§I`, `§A.10`,
# `§A.5.1` (other `§` numbers, such as an RFC's `§4.1.2`, are not the reference's). Prints the
# count checked; exits 1 naming each citation without a section and where it is.
#   bash tests/docs/check-citations.sh        (from anywhere inside the repository)
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"

ref=docs/vtex
sections="$(grep -ohE '<a id="[^"]+"></a>' "$ref"/*.md | sed -E 's/<a id="([^"]+)"><\/a>/\1/' | sort -u)"
if [[ -z $sections ]]; then
  echo "check-docs: no section anchors in $ref/" >&2
  exit 1
fi

# file:line:citation, one per citation, from tracked text files.
hits="$(git grep -InoE '§[0A-I](\.[0-9]+)*' -- . || true)"
total=0
missing=0
declare -A seen=()
while IFS= read -r hit; do
  [[ -z $hit ]] && continue
  total=$((total + 1))
  cite="${hit##*:§}"
  where="${hit%:§*}"
  if ! grep -qxF -- "$cite" <<< "$sections"; then
    missing=$((missing + 1))
    seen[$cite]+="    $where"$'\n'
  fi
done <<< "$hits"

distinct="$(sed -E 's/.*:§//' <<< "$hits" | sort -u | grep -c . || true)"
if ((missing > 0)); then
  echo "check-docs: $missing of $total citations name no section of $ref/:" >&2
  for cite in $(printf '%s\n' "${!seen[@]}" | sort -V); do
    echo "  §$cite, cited at:" >&2
    printf '%s' "${seen[$cite]}" >&2
  done
  exit 1
fi
echo "check-docs: $total citations ($distinct distinct sections) all resolve in $ref/"
