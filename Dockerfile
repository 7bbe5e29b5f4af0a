# One image for every role of kocflow. Multi-stage: build with dev dependencies, run without them.
# (No Docker engine runs on the project's machines; tests/packaging checks what can be checked without one.)

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
USER node
# The embedded store lives here; mount a volume, or set DATABASE_URL for PostgreSQL.
ENV KOCFLOW_DATA_DIR=/app/.kocflow/data
VOLUME ["/app/.kocflow"]
# kocflow start serves /healthz on web.port (8720 unless kocflow.yaml says otherwise).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8720/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/kocflow.js"]
CMD ["start"]
