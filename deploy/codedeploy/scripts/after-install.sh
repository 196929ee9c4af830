#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# AfterInstall: the revision's files are under /opt/hello. Resolve the settings, then install the
# unit's environment file, the unit, the log shipping and the log rotation. Everything is checked
# before anything is written, so a bad settings parameter leaves the instance as it was.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly IMDS=http://169.254.169.254
readonly LABEL='^[A-Za-z0-9_.:/@+-]{1,128}$'
# TimeoutStopSec in hello.service is 30 s; the cluster primary waits the drain bound plus 1 s.
readonly MAX_SHUTDOWN_TIMEOUT_MS=25000

# The settings the parameter may carry, each with the shape of its value. Secrets never appear here:
# DB_SECRET_PARAMETER names where the service reads its credentials at start, DB_HOST_PARAMETER where
# it reads the host that overrides theirs (the region's own cluster endpoint).
declare -rA KNOWN_SETTINGS=(
  [DB_HOST_PARAMETER]='^/[A-Za-z0-9_./-]{1,2047}$'
  [DB_SECRET_PARAMETER]='^/[A-Za-z0-9_./-]{1,2047}$'
  [FAILURE_RATE]='^(0?\.[0-9]+|[01](\.0*)?)$'
  [FAILURE_SEED]='^[0-9]{1,10}$'
  [FAULT_MODE]='^(root-500)?$'
  [SHUTDOWN_TIMEOUT_MS]='^[0-9]{3,5}$'
  [WORKERS]='^[1-9][0-9]{0,2}$'
)

declare -A settings=()

# Parses KEY=VALUE lines (blank lines and # comments allowed) into `settings`; reports every bad line
# by number and key, never by value: the agent keeps hook output on disk, and a secret pasted into the
# parameter by mistake must not end up there.
parse_settings() {
  local text=$1 line key value number=0
  local -a problems=()
  while IFS= read -r line || [[ -n $line ]]; do
    number=$((number + 1))
    [[ -z $line || $line == \#* ]] && continue
    if [[ ! $line =~ ^([A-Z][A-Z0-9_]*)=(.*)$ ]]; then
      problems+=("line $number: expected KEY=VALUE with an upper-case KEY")
      continue
    fi
    key=${BASH_REMATCH[1]}
    value=${BASH_REMATCH[2]}
    if [[ -z ${KNOWN_SETTINGS[$key]+set} ]]; then
      problems+=("line $number: unknown setting $key (known: ${!KNOWN_SETTINGS[*]})")
    elif [[ -n ${settings[$key]+set} ]]; then
      problems+=("line $number: $key is set twice")
    elif [[ ! $value =~ ${KNOWN_SETTINGS[$key]} ]]; then
      problems+=("line $number: $key has an invalid value (expected ${KNOWN_SETTINGS[$key]})")
    elif [[ $key == SHUTDOWN_TIMEOUT_MS ]] && ((10#$value > MAX_SHUTDOWN_TIMEOUT_MS)); then
      problems+=("line $number: SHUTDOWN_TIMEOUT_MS must not exceed $MAX_SHUTDOWN_TIMEOUT_MS (the unit's stop timeout)")
    else
      settings[$key]=$value
    fi
  done <<<"$text"
  if ((${#problems[@]} > 0)); then
    printf '  %s\n' "${problems[@]}" >&2
    fail "the settings parameter $SETTINGS_PARAMETER is invalid; nothing was changed"
  fi
}

# The colour follows the deployment group, so launches, scale-outs and rollbacks of one group agree:
# a group named ...-blue or ...-green gives that colour; a blue/green group (name containing bluegreen
# or blue-green) installs only the replacement fleet, which is green; in-place groups are stable.
colour_of() {
  local group=${1,,}
  if [[ $group == *blue-green* || $group == *bluegreen* || $group == *green ]]; then
    printf 'green\n'
  elif [[ $group == *blue ]]; then
    printf 'blue\n'
  else
    printf 'stable\n'
  fi
}

# The instance id from IMDSv2 (the only version the launch template allows); the host name elsewhere.
instance_name() {
  local token='' id=''
  token=$(curl --silent --fail --max-time 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' \
    "$IMDS/latest/api/token") || token=''
  if [[ -n $token ]]; then
    id=$(curl --silent --fail --max-time 2 -H "X-aws-ec2-metadata-token: $token" \
      "$IMDS/latest/meta-data/instance-id") || id=''
  fi
  if [[ ! $id =~ $LABEL ]]; then
    id=$(hostname -s)
    log "no instance id from the metadata service; using the host name $id" >&2
  fi
  printf '%s\n' "$id"
}

# Writes a file atomically with the given mode (the content arrives on stdin).
write_file() {
  local target=$1 mode=$2 temporary
  mkdir -p "$(dirname "$target")"
  temporary=$(mktemp "$target.XXXXXX")
  cat >"$temporary"
  chmod "$mode" "$temporary"
  mv -f "$temporary" "$target"
}

# 1. Read and check everything.
[[ -f $INSTANCE_ENV ]] || fail "$INSTANCE_ENV is missing: the instance's user data writes it at launch"
# shellcheck source=/dev/null
source "$INSTANCE_ENV"
[[ ${ENGINE:-} == fleet || ${ENGINE:-} == asg ]] || fail "ENGINE in $INSTANCE_ENV must be fleet or asg, got '${ENGINE:-}'"
[[ ${AWS_REGION:-} =~ ^[a-z]{2}(-[a-z]+)+-[0-9]+$ ]] || fail "AWS_REGION in $INSTANCE_ENV is not a region: '${AWS_REGION:-}'"
[[ ${SETTINGS_PARAMETER:-} =~ ^/[A-Za-z0-9_./-]+$ ]] || fail "SETTINGS_PARAMETER in $INSTANCE_ENV is not a parameter name: '${SETTINGS_PARAMETER:-}'"
[[ ${LOG_GROUP:-} =~ ^[A-Za-z0-9_./#-]{1,512}$ ]] || fail "LOG_GROUP in $INSTANCE_ENV is not a log group name: '${LOG_GROUP:-}'"
[[ -f $APP_DIR/VERSION ]] || fail "$APP_DIR/VERSION is missing: the revision was not installed"
version=$(tr -d '[:space:]' <"$APP_DIR/VERSION")
[[ $version =~ $LABEL ]] || fail "VERSION '$version' is not a valid label"
for file in app/server.mjs config/hello.service config/amazon-cloudwatch-agent.json config/logrotate; do
  [[ -f $APP_DIR/$file ]] || fail "$APP_DIR/$file is missing from the revision"
done
[[ -x $CW_AGENT_CTL ]] || fail "the CloudWatch agent is not installed ($CW_AGENT_CTL); the instance's user data installs it"

log "reading settings from $SETTINGS_PARAMETER in $AWS_REGION"
text=$(aws ssm get-parameter --region "$AWS_REGION" --name "$SETTINGS_PARAMETER" \
  --query Parameter.Value --output text) || fail "could not read the settings parameter $SETTINGS_PARAMETER"
parse_settings "$text"
if [[ -z ${settings[DB_SECRET_PARAMETER]+set} ]]; then
  # Not fatal: / and /health answer without a database, which keeps a first deployment possible before
  # the database exists. The bundle does not ship the embedded fallback, so /store will answer 503.
  log "WARNING: no DB_SECRET_PARAMETER in $SETTINGS_PARAMETER: /store and /health/deep will fail"
fi
colour=$(colour_of "${DEPLOYMENT_GROUP_NAME:-}")
instance=$(instance_name)

# 2. Write. The environment file is readable by the service's group only.
{
  printf '# Written by AfterInstall (deployment %s); the next deployment rewrites it.\n' "${DEPLOYMENT_ID:-none}"
  printf 'ENGINE=%s\nAWS_REGION=%s\nAPP_VERSION=%s\nCOLOUR=%s\nINSTANCE=%s\n' \
    "$ENGINE" "$AWS_REGION" "$version" "$colour" "$instance"
  for key in $(printf '%s\n' "${!settings[@]}" | sort); do
    printf '%s=%s\n' "$key" "${settings[$key]}"
  done
} | write_file "$SERVICE_ENV" 0640
chown "root:$SERVICE_USER" "$SERVICE_ENV"
log "wrote /etc/hello/hello.env: ENGINE=$ENGINE APP_VERSION=$version COLOUR=$colour INSTANCE=$instance settings: ${!settings[*]}"

write_file "$UNIT_FILE" 0644 <"$APP_DIR/config/hello.service"
write_file "$LOGROTATE_FILE" 0644 <"$APP_DIR/config/logrotate"
sed "s|__LOG_GROUP__|$LOG_GROUP|g" "$APP_DIR/config/amazon-cloudwatch-agent.json" | write_file "$CW_AGENT_CONFIG" 0644
systemctl daemon-reload
# append-config keeps whatever else the agent was configured with (metrics from the user data).
"$CW_AGENT_CTL" -a append-config -m ec2 -s -c "file:/etc/hello/amazon-cloudwatch-agent.json"
log "installed hello.service, log rotation and log shipping to $LOG_GROUP"
