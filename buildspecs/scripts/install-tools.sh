#!/usr/bin/env bash
# CodeBuild install phase: the .NET SDK that global.json asks for (the managed images lag behind),
# cfn-lint at the version the repository is tested with. Everything lands in cached directories,
# so a warm build only checks versions.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export DOTNET_ROOT="${DOTNET_ROOT:-$HOME/.dotnet}"
sdk=$(node -e 'console.log(require(process.argv[1]).sdk.version)' "$root/global.json")
if ! "$DOTNET_ROOT/dotnet" --list-sdks 2>/dev/null | grep -q "^${sdk%.*}"; then
  curl -fsSL https://dot.net/v1/dotnet-install.sh -o /tmp/dotnet-install.sh
  bash /tmp/dotnet-install.sh --jsonfile "$root/global.json" --install-dir "$DOTNET_ROOT" --no-path
fi
if [ "${INSTALL_CFN_LINT:-1}" = "1" ] && ! cfn-lint --version 2>/dev/null | grep -q "${CFN_LINT_VERSION:-1.51.0}"; then
  python3 -m pip install --quiet "cfn-lint==${CFN_LINT_VERSION:-1.51.0}"
fi
"$DOTNET_ROOT/dotnet" --version
