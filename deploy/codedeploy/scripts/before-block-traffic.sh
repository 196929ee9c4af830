#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# BeforeBlockTraffic: the instance still serves traffic and is about to be deregistered from the
# target group. Nothing to change yet: the service keeps answering until the load balancer stops
# sending, and the drain happens in AfterBlockTraffic.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

log "deployment ${DEPLOYMENT_ID:-unknown} of group ${DEPLOYMENT_GROUP_NAME:-unknown}: deregistering from the load balancer next; still serving"
