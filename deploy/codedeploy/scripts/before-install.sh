#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# BeforeInstall: the service account, the directories, a Node.js runtime when the image has none
# (until the golden AMI ships one), and an empty place for the new revision.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The bundle targets Node.js 20; Amazon Linux 2023 ships nodejs20, nodejs22 and nodejs24 side by side
# and points /usr/bin/node at one of them through `alternatives`.
readonly MIN_NODE_MAJOR=20
readonly NODE_PACKAGES=(nodejs24 nodejs22 nodejs20)

node_major() {
  local version
  version=$("$NODE_BIN" --version 2>/dev/null) || return 1
  version=${version#v}
  [[ ${version%%.*} =~ ^[0-9]+$ ]] || return 1
  printf '%s\n' "${version%%.*}"
}

ensure_user() {
  if id -u "$SERVICE_USER" >/dev/null 2>&1; then
    log "user $SERVICE_USER exists"
    return 0
  fi
  useradd --system --user-group --no-create-home --home-dir /opt/hello --shell /sbin/nologin "$SERVICE_USER"
  log "created system user $SERVICE_USER"
}

ensure_node() {
  local major package
  if major=$(node_major) && ((major >= MIN_NODE_MAJOR)); then
    log "Node.js $major present at /usr/bin/node"
    return 0
  fi
  for package in "${NODE_PACKAGES[@]}"; do
    log "installing $package"
    if dnf install -y "$package"; then
      # Another major installed earlier may still own /usr/bin/node.
      if ! { major=$(node_major) && ((major >= MIN_NODE_MAJOR)); }; then
        alternatives --set node "/usr/bin/node-${package#nodejs}" || true
      fi
      if major=$(node_major) && ((major >= MIN_NODE_MAJOR)); then
        log "Node.js $major installed from $package"
        return 0
      fi
    fi
  done
  fail "no Node.js >= $MIN_NODE_MAJOR at /usr/bin/node and none of ${NODE_PACKAGES[*]} could be installed; use an image with Node.js"
}

ensure_user
mkdir -p "$APP_DIR" "$CONFIG_DIR" "$LOG_DIR"
chmod 0755 "$APP_DIR" "$CONFIG_DIR" "$LOG_DIR"
# systemd would create the log file with the service's umask; the CloudWatch agent must read it.
touch "$LOG_DIR/service.log"
chmod 0644 "$LOG_DIR/service.log"
ensure_node
# The agent removes the files of the previous revision itself; this also clears anything left by a
# failed deployment or baked into an image, so the Install step never meets a stranger.
rm -rf -- "$APP_DIR/app" "$APP_DIR/scripts" "$APP_DIR/config" "$APP_DIR/VERSION" "$APP_DIR/appspec.yml"
log "ready for revision files under /opt/hello"
