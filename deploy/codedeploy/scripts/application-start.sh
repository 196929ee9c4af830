#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# ApplicationStart: enable the unit (it comes back after a reboot) and start it. `restart` rather than
# `start`: if a copy is still running (an instance whose ApplicationStop did not run, such as a launch
# from an image that already had the service), the new revision must replace it.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -f $UNIT_FILE ]] || fail "$UNIT_FILE is missing: AfterInstall did not run"
systemctl enable "$UNIT"
systemctl restart "$UNIT"
log "$UNIT started; ValidateService checks that it answers"
