# Slipway's production image, where a registry is reachable (Docker Hub's node image):
#   docker build -t slipway/slipway:dev .
# On a machine without one, scripts/slipway-image.sh builds the same layout from the machine's
# own node binary. Multi-stage: the compiler and dev dependencies stay in the first stages;
# the image has the compiled services, production dependencies, schemas and browser code only
# (no tests, no sources), and runs as the unprivileged `node` user.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts (the optional native add-ons are not needed); `prepare` would compile too soon.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY services services
COPY schemas schemas
RUN npx tsc -p tsconfig.build.json

FROM ${NODE_IMAGE} AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=production-deps /app/node_modules node_modules
COPY --from=build /src/dist/services dist/services
COPY package.json package-lock.json ./
COPY schemas schemas
# The browser code is served as it is in the repository (services/receiver/static-files.ts).
COPY services/receiver/static services/receiver/static
USER node
EXPOSE 3000
# swarm-stack.yml checks /readyz itself; this is for `docker run`.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.SLIPWAY_PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/services/cli/slipway.js"]
CMD ["server"]
