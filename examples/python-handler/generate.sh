#!/usr/bin/env bash
# Generates the Python stubs of the handler contract from proto/ with
# grpcio-tools: hookmesh/handler/v1 (EventHandlerService) and the
# hookmesh/event/v1 messages it carries, into OUT (default: ./gen beside
# this script, which git ignores). Regenerate after proto/ changes.
#
#   examples/python-handler/generate.sh [OUT]
#
# PYTHON picks the interpreter (default python3); it needs the modules
# grpc and grpc_tools: Debian's python3-grpcio and python3-grpc-tools, or
# `pip install grpcio grpcio-tools`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
proto="$here/../../proto"
out="${1:-$here/gen}"
py="${PYTHON:-python3}"

if ! "$py" -c 'import grpc, grpc_tools' 2>/dev/null; then
  echo "generate.sh: $py cannot import grpc and grpc_tools: install python3-grpcio and python3-grpc-tools (Debian) or pip install grpcio grpcio-tools, or set PYTHON" >&2
  exit 1
fi
# The well-known types (google/protobuf/timestamp.proto) ship with grpc_tools.
wkt="$("$py" -c 'import grpc_tools, os; print(os.path.join(os.path.dirname(grpc_tools.__file__), "_proto"))')"
mkdir -p "$out"
"$py" -m grpc_tools.protoc -I "$proto" -I "$wkt" --python_out="$out" --grpc_python_out="$out" \
  "$proto/hookmesh/event/v1/event.proto" "$proto/hookmesh/handler/v1/handler.proto"
echo "generate.sh: stubs in $out"
