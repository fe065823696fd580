#!/usr/bin/env bash
# Build an offline bundle: wheels of qingfeng and every dependency at the versions in
# requirements.lock (Python 3.11) or requirements-3.12.lock (durable-rules compiled here, so
# the target needs no compiler), the rule and channel files, the deploy files and an install
# script. Run on a machine with internet (or a package mirror) and the target's Python
# (3.11 or 3.12: PYTHON=/path/to/python3.12) and architecture.
#   deploy/build-offline-bundle.sh [OUT_DIR]    -> OUT_DIR and OUT_DIR.tar.gz
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$(realpath -m "${1:-$ROOT/dist/qingfeng-offline}")"
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"

"$PYTHON" - <<'PY'
import sys
if sys.version_info[:2] not in ((3, 11), (3, 12)):
    sys.exit(f"需要 Python 3.11 或 3.12 (found {sys.version.split()[0]}): "
             "set PYTHON=/path/to/python3.11")
PY
VERSION="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
LOCK="$ROOT/requirements.lock"
[ "$VERSION" = "3.12" ] && LOCK="$ROOT/requirements-3.12.lock"

rm -rf "$OUT" "$OUT.tar.gz"
mkdir -p "$OUT/wheels"
echo "building wheels into $OUT/wheels"
"$PYTHON" -m pip wheel --quiet --disable-pip-version-check --wheel-dir "$OUT/wheels" \
  --constraint "$LOCK" "$ROOT"
cp "$LOCK" "$OUT/requirements.lock"
cp -r "$ROOT/rules" "$ROOT/channels" "$OUT/"
mkdir -p "$OUT/deploy" "$OUT/docs"
cp -r "$ROOT/deploy/systemd" "$ROOT/deploy/nginx" "$OUT/deploy/"
cp "$ROOT"/docs/*.md "$OUT/docs/"
cp -r "$ROOT/docs/examples" "$OUT/docs/"  # org.csv, register.csv: docs/setup-office.md starts there

cat > "$OUT/install.sh" <<'SH'
#!/usr/bin/env bash
# Install qingfeng from this bundle, without any network: install.sh [VENV_DIR]
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
VENV="${1:-/opt/qingfeng/venv}"
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install --no-index --find-links "$HERE/wheels" \
  --constraint "$HERE/requirements.lock" qingfeng
"$VENV/bin/qingfeng" --version
SH
sed -i "s/python3\.11/python$VERSION/" "$OUT/install.sh"  # the Python the wheels were built for
chmod +x "$OUT/install.sh"

tar -czf "$OUT.tar.gz" -C "$(dirname "$OUT")" "$(basename "$OUT")"
echo "bundle: $OUT.tar.gz ($(ls "$OUT/wheels" | wc -l) wheels)"
