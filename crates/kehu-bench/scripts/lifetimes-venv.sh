#!/bin/sh
# Makes a Python virtual environment in DIR with lifetimes 0.11.3 (the
# baseline of issue 9's CDNOW fit), unless DIR already has one.
#
# Usage: lifetimes-venv.sh DIR
set -eu
dir=$1
if "$dir/bin/python" -c 'import lifetimes' 2>/dev/null; then
    exit 0
fi
"${PYTHON:-python3}" -m venv "$dir"
"$dir/bin/pip" install --quiet --disable-pip-version-check lifetimes==0.11.3
