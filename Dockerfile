# syntax=docker/dockerfile:1
# Olla in a container: a build stage compiles the TypeScript, the runtime stage carries only the
# compiled code, production dependencies, the shipped profiles and the dashboard.
#
#   docker build -t olla .
#   docker run -p 40114:40114 -v ./config.yaml:/app/config/config.yaml:ro olla

FROM node:22-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Install scripts are not needed to compile (they fetch the dev-only CLI binaries used by tests).
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The build precompiles the shipped profiles (config/profiles) beside the bundle.
COPY config ./config
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:22-slim
ENV NODE_ENV=production \
    # Inside a container the listener must face the container's network, not its loopback.
    OLLA_SERVER_HOST=0.0.0.0 \
    OLLA_SERVER_PORT=40114
WORKDIR /app
COPY --from=build --chown=node:node /src/package.json ./
COPY --from=build --chown=node:node /src/node_modules ./node_modules
COPY --from=build --chown=node:node /src/dist ./dist
COPY --chown=node:node config ./config
COPY --chown=node:node public ./public
# /app/config/config.yaml is found by default; mount over it, or set OLLA_CONFIG_FILE or OLLA_* variables.
USER node
EXPOSE 40114
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.OLLA_SERVER_PORT||40114)+'/internal/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM drains in-flight requests (server.shutdown_timeout); SIGHUP reloads the config.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/bundle/olla.js"]
