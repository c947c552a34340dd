# syntax=docker/dockerfile:1
# The GitHub App as an image: the server and its scan worker bundled into two files (scripts/bundle-app.js), on a
# slim Node LTS, with no node_modules, run as the unprivileged `node` user. Configure it through its environment
# (.env.example lists every variable); the README's "Deploying the app" says how.
ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: `prepare` would compile the sources before they are copied, and nothing else needs one.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/bundle-app.js scripts/
COPY src src
RUN node scripts/bundle-app.js /app

FROM node:${NODE_VERSION}-slim
ENV NODE_ENV=production \
    PORT=3000 \
    LOG_FORMAT=json
WORKDIR /app
COPY --from=build /app ./
# The manifest Probot's setup page registers the app from, when started without credentials.
COPY app.yml ./
USER node
EXPOSE 3000
# Probot's health route; the server answers it without touching GitHub.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/ping').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop, a Kubernetes rollout) lets the deliveries in flight finish first.
STOPSIGNAL SIGTERM
CMD ["node", "server.js"]
