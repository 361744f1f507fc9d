# Sourced: ensures target/openapi-venv holds the validators pinned in
# tests/openapi/requirements.txt (openapi-core, jsonschema, PyYAML), installing them on first
# use, and sets $venv_python. Expects $root (the repository).
venv="$root/target/openapi-venv"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$root/tests/openapi/requirements.txt" | cut -d' ' -f1)"
if [[ ! -x $venv/bin/python || ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
  echo "installing the validators into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$root/tests/openapi/requirements.txt"
  echo "$want" > "$stamp"
fi
venv_python="$venv/bin/python"
