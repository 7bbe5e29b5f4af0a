# One image for every role of kocflow (docs/scaling.md). Multi-stage: build with dev dependencies, run without them.
# (No Docker engine runs on the project's machines: tests/packaging/dockerfile.test.ts checks what can be checked
# without one — every file the image copies exists, every npm script it runs is in package.json, and so on.)

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts tsconfig.json tsconfig.build.json ./
COPY prisma ./prisma
COPY bin ./bin
COPY src ./src
# postinstall generates the Prisma client into src/store/generated; prepare compiles src/ to dist/.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
COPY --chown=node:node bin ./bin
COPY --chown=node:node prisma ./prisma
COPY --chown=node:node sop-playbooks ./sop-playbooks
# `kocflow init` copies the starter folder and the two JSON schemas; the demo's KOC landing page shows its QR image.
COPY --chown=node:node starter ./starter
COPY --chown=node:node docs/kocflow.config.schema.json docs/kocflow.schema.json ./docs/
COPY --chown=node:node demo ./demo
# The embedded store's data directory (and the puppets' caches beside it) must belong to the non-root user.
RUN mkdir -p /app/.kocflow/data && chown -R node:node /app/.kocflow
USER node
# The embedded store lives here; mount a volume, or set DATABASE_URL for PostgreSQL (then start several containers:
# docs/deploy/compose.yaml). KOCFLOW_ROLE picks the role (all, bots, worker, web), like `kocflow start --role`.
ENV KOCFLOW_DATA_DIR=/app/.kocflow/data
VOLUME ["/app/.kocflow"]
EXPOSE 8720
# kocflow start serves /healthz on web.port (8720 unless kocflow.yaml says otherwise), in every role.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8720/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/kocflow.js"]
CMD ["start"]
