#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# AfterBlockTraffic: the load balancer has deregistered the instance and waited its deregistration
# delay, so no new requests arrive. Stop the service now: whatever is still in flight finishes before
# the process exits. Used by in-place deployments behind the ALB, the original fleet of a blue/green
# deployment and the termination deployment of a scale-in.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

stop_service
