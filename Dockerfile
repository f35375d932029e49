# One image for the three apps; each compose service runs one of them:
#   node chat-server/dist/main.js | node presence-server/dist/main.js | node gateway/dist/main.js
# and the operators' dead-letter tool runs in any of their containers, without a build step:
#   docker compose exec chat-server node single-node/dist/dlt.js list --topic chat.rooms
# Build:  docker build -t playlist-chat .

# ---- build: every dependency, compile with SWC ----
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY libs/contracts/package.json libs/contracts/
COPY libs/platform/package.json libs/platform/
COPY libs/stomp/package.json libs/stomp/
COPY chat-server/package.json chat-server/
COPY presence-server/package.json presence-server/
COPY gateway/package.json gateway/
COPY single-node/package.json single-node/
COPY bench/package.json bench/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# ---- runtime: production dependencies and the build output only, as a non-root user ----
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/libs/contracts/package.json libs/contracts/
COPY --from=build /app/libs/platform/package.json libs/platform/
COPY --from=build /app/libs/stomp/package.json libs/stomp/
COPY --from=build /app/chat-server/package.json chat-server/
COPY --from=build /app/presence-server/package.json presence-server/
COPY --from=build /app/gateway/package.json gateway/
COPY --from=build /app/single-node/package.json single-node/
COPY --from=build /app/bench/package.json bench/
RUN npm ci --no-audit --no-fund --omit=dev --omit=optional --ignore-scripts && npm cache clean --force
COPY --from=build /app/libs/contracts/dist libs/contracts/dist
COPY --from=build /app/libs/platform/dist libs/platform/dist
COPY --from=build /app/libs/stomp/dist libs/stomp/dist
COPY --from=build /app/chat-server/dist chat-server/dist
COPY --from=build /app/presence-server/dist presence-server/dist
COPY --from=build /app/gateway/dist gateway/dist
COPY --from=build /app/gateway/public gateway/public
# single-node/dist/dlt.js (docs/operations.md, "Dead letters"); `npm run dlt` would build first,
# which this stage cannot (no sources, no dev dependencies).
COPY --from=build /app/single-node/dist single-node/dist
COPY --from=build /app/docs/asyncapi.yaml docs/asyncapi.yaml
USER node
# The product's Node flags (single-node/src/node-flags.ts says why); a service may set its own.
ENV NODE_OPTIONS="--max-semi-space-size=16"
# Each service's command says which app runs; this default is the chat server.
CMD ["node", "chat-server/dist/main.js"]
