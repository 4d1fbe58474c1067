# syntax=docker/dockerfile:1
# The base image: Node 24 LTS. Override it to build from a mirror or a local image, e.g.
# `docker build --build-arg NODE_IMAGE=registry.example.com/node:24-bookworm-slim -t cohort .`
ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: compile TypeScript to dist/ ---
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY commands ./commands
RUN npm run build

# --- production dependencies only (no tsx, no pino-pretty: logs are JSON) ---
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime: non-root, compiled JS, migrations and content ---
FROM ${NODE_IMAGE}
# A font for the labels of the streak heatmap PNG.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production DATA_DIR=/data CONTENT_DIR=/app/content
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY migrations ./migrations
COPY content ./content
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# With HTTP_PORT set, the container is healthy while GET /healthz answers 200 (database, gateway and
# scheduler all fine); without it there is nothing to ask, and the check passes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const p = process.env.HTTP_PORT; if (!p) process.exit(0); fetch(`http://127.0.0.1:${p}/healthz`, { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node directly (not npm), so SIGTERM reaches the bot and it shuts down cleanly; the same flags as
# `npm start` (a small young generation: ~35 MB less memory at peak, see docs/performance.md).
CMD ["node", "--max-semi-space-size=2", "dist/src/main.js"]
