#!/usr/bin/env bash
# Builds the service image for arm64 from the release's build context and pushes it under the commit.
# The image carries the release's version (it reports it on /info whatever task definition runs it).
# Tags are immutable in hello/service: a commit already pushed (a retried build) is left as it is.
#   push-image.sh <build context> <repository uri> <tag> <version>
set -euo pipefail

context="$1"
repository="$2"
tag="$3"
version="$4"
registry="${repository%%/*}"
name="${repository#*/}"
region="$(cut -d. -f4 <<<"$registry")"

if aws ecr describe-images --region "$region" --repository-name "$name" --image-ids "imageTag=$tag" >/dev/null 2>&1; then
  echo "$repository:$tag exists: not pushed again"
  exit 0
fi
aws ecr get-login-password --region "$region" | docker login --username AWS --password-stdin "$registry"
docker build --platform linux/arm64 --build-arg "APP_VERSION=$version" --tag "$repository:$tag" "$context"
docker push "$repository:$tag"
