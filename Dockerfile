# Kyanite, the Azure Key Vault emulator, as a container: HTTPS on 0.0.0.0:8443, data and CA in /data.
# Both stages on Node 24, an LTS line with security fixes (20 reached its end of life in April 2026); the runtime
# stage must be the build stage's major, because better-sqlite3's native module is compiled for that Node's ABI.
# Build stage: compile TypeScript and better-sqlite3's native module, then drop dev dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/bundle.mjs ./scripts/bundle.mjs
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Runtime stage: production dependencies and compiled code only, running as the unprivileged node user.
# KYANITE_ALLOW_REMOTE: the container's clients come from the container network, never from its loopback, so the
# image turns protected mode off. Publish the port on the host's loopback only (-p 127.0.0.1:8443:8443), or use
# KYANITE_AUTH=strict, or everyone who reaches the port can read every secret.
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    KYANITE_HOST=0.0.0.0 \
    KYANITE_PORT=8443 \
    KYANITE_DATA_DIR=/data \
    KYANITE_ALLOW_REMOTE=true
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY docker/healthcheck.mjs ./docker/healthcheck.mjs
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8443
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["node", "docker/healthcheck.mjs"]
# Exec form: node is PID 1's direct child of no shell, so SIGTERM reaches Kyanite and it shuts down gracefully.
CMD ["node", "dist/bundle/kyanite.mjs"]
