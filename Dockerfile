# rtcroom server image. The first stage builds the browser SDK, the demo and the dashboard (dev dependencies);
# the second holds the sources and the runtime dependencies only. Node >= 22.18 runs the
# TypeScript sources directly.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund && npm run build

FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/packages ./packages
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
USER node
# SIGTERM shuts down gracefully (members are told, exit within 4 s): give `docker stop` more than that.
STOPSIGNAL SIGTERM
# the young generation the server runs with (packages/server/src/young-generation.ts)
ENTRYPOINT ["node", "--max-semi-space-size=16", "--min-semi-space-size=16", "packages/server/bin/rtcroom.js"]
CMD ["serve", "--host", "0.0.0.0"]
