#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# ValidateService: the deployment succeeds on this instance only once /health and / both answer 200.
# Polls until then, or fails within VALIDATE_TIMEOUT_SECONDS, which fails (and can roll back) the
# deployment. `/` matters: a revision whose health check passes but whose main route fails, such as
# FAULT_MODE=root-500, must not go live.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly port=${PORT:-8080}
readonly bound=${VALIDATE_TIMEOUT_SECONDS:-60}
readonly interval=${VALIDATE_INTERVAL_SECONDS:-2}

# Prints the HTTP status, 000 when nothing answered.
status_of() {
  curl --silent --output /dev/null --write-out '%{http_code}' --max-time 2 "http://127.0.0.1:$port$1" || true
}

deadline=$((SECONDS + bound))
attempt=0
while true; do
  attempt=$((attempt + 1))
  health=$(status_of /health)
  root=$(status_of /)
  log "attempt $attempt: GET /health -> ${health:-000}, GET / -> ${root:-000}"
  if [[ $health == 200 && $root == 200 ]]; then
    log "the service answers on port $port"
    exit 0
  fi
  if ((SECONDS >= deadline)); then
    if [[ -f $LOG_DIR/service.log ]]; then
      log "last lines of /var/log/hello/service.log:"
      tail -n 20 "$LOG_DIR/service.log" || true
    fi
    fail "the service did not answer 200 on both /health and / within ${bound} s"
  fi
  sleep "$interval"
done
