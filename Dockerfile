# The lab's node image. netlab builds it through the Engine API (src/runtime/docker/image-builder.ts)
# with an explicit build context (Dockerfile, package.json, bin/, dist/apps/), passing BASE as
# either the official image below or a local base assembled from the host's node + busybox.
# Run `npm run build` first so dist/apps exists. No RUN steps: this must build on a base without a shell.
ARG BASE=node:20-bookworm-slim
FROM ${BASE}

LABEL netlab.image=node
ENV PATH=/opt/netlab/bin:/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin \
    PYTHONUNBUFFERED=1

COPY package.json /opt/netlab/package.json
COPY bin/ /opt/netlab/bin/
COPY dist/apps/ /opt/netlab/dist/apps/

WORKDIR /lab
