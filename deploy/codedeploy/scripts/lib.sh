# shellcheck shell=bash
# shellcheck disable=SC2034 # the constants are used by the hooks that source this file
# Sourced by every hook. Every path hangs under HELLO_ROOT (empty on an instance) and every command is
# found through PATH, so the tests run the hooks against a temporary directory with recorded stand-ins
# for systemctl, aws, dnf and the rest.

HELLO_ROOT=${HELLO_ROOT:-}
readonly HELLO_ROOT
readonly APP_DIR="$HELLO_ROOT/opt/hello"
readonly CONFIG_DIR="$HELLO_ROOT/etc/hello"
readonly INSTANCE_ENV="$CONFIG_DIR/instance.env"
readonly SERVICE_ENV="$CONFIG_DIR/hello.env"
readonly CW_AGENT_CONFIG="$CONFIG_DIR/amazon-cloudwatch-agent.json"
readonly CW_AGENT_CTL="$HELLO_ROOT/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl"
readonly UNIT_FILE="$HELLO_ROOT/etc/systemd/system/hello.service"
readonly LOGROTATE_FILE="$HELLO_ROOT/etc/logrotate.d/hello"
readonly LOG_DIR="$HELLO_ROOT/var/log/hello"
readonly NODE_BIN="$HELLO_ROOT/usr/bin/node"
readonly SERVICE_USER=hello
readonly UNIT=hello.service

# One line per step, prefixed with the lifecycle event: the agent copies stdout and stderr into the
# deployment's log, which is what an operator reads when a hook fails.
log() {
  printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${LIFECYCLE_EVENT:-hook}" "$*"
}

fail() {
  log "ERROR: $*" >&2
  exit 1
}

# Stops the unit gracefully: systemd sends SIGTERM, the service stops accepting, answers what is in
# flight and exits; the unit's TimeoutStopSec bounds the wait before SIGKILL. Succeeds when the unit
# is not installed yet (first deployment on this instance).
stop_service() {
  if [[ ! -f $UNIT_FILE ]]; then
    log "$UNIT is not installed yet: nothing to stop"
    return 0
  fi
  local started=$SECONDS state
  log "stopping $UNIT (SIGTERM, in-flight requests drain)"
  systemctl stop "$UNIT" || fail "systemctl stop $UNIT failed"
  state=$(systemctl is-active "$UNIT" || true)
  log "$UNIT is ${state:-unknown} after $((SECONDS - started)) s"
  [[ $state != active && $state != activating && $state != deactivating ]] ||
    fail "$UNIT is still $state after stop"
  # Stopped all the same, but the drain ran out of time or the process crashed: requests may have been
  # cut, which the service log shows. Not a reason to fail a deployment or a scale-in.
  if [[ $state == failed ]]; then
    log "WARNING: $UNIT did not exit cleanly; see /var/log/hello/service.log"
  fi
}
