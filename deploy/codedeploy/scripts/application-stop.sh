#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# ApplicationStop: runs from the last successful revision, before the new one is downloaded, and in
# the termination deployment of an Auto Scaling scale-in. Stops the service gracefully.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

stop_service
