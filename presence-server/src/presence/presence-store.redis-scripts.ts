import { API_LEASE_DEVICE_ID, graceEntry } from './presence.model';

/**
 * Lua for the Redis presence store. Every mutation runs as one script, so "change the data,
 * compare with what was last reported, record the report" is atomic across presence-server
 * instances sharing one Redis. Scripts build key names from the prefix (ARGV[1]), so they
 * need a single Redis (or one shard): they declare no KEYS.
 *
 * Layout, with R = `${prefix}room:${roomId.length}:${roomId}` (length-prefixed so no room id
 * can collide with another's keys):
 *   R              string "1" / "partial"  the room is open; "partial": first heard of from a join,
 *                                          so its roster may lack members (until it is resent)
 *   R:members      hash uid → nickName     roster
 *   R:offline      set of uid              members who chose to appear offline
 *   R:reported     hash uid → "on:true"…   last reported (state, mayChat); absent = "off:true"
 *   R:dev:{uid}    zset deviceId → expiresAt (ms)   one member's devices (PEXPIRE backstop)
 *   R:live         zset uid → latest expiresAt      batch reads: ZRANGEBYSCORE (now, +inf)
 *   {prefix}expiry zset ["roomId","uid"] → earliest expiresAt   the sweeper's work list
 *   {prefix}on     integer                 (room, member) pairs last reported on, every room
 *                                          (the presence_members_on gauge; kept with R:reported)
 *   {prefix}held   string "1"              set once a loss of data was announced: its absence
 *                                          means everything above is gone (or was never there)
 *
 * Common ARGV: 1 prefix, 2 now (ms), 3 expiresAt for touched devices (ms), 4 backstop TTL (ms).
 * A change is returned as { roomId, uid, nickName, state, "true"|"false", cause }.
 */
const prelude = `
local P = ARGV[1]
local NOW = ARGV[2]
local EXPIRES_AT = ARGV[3]
local BACKSTOP_MS = ARGV[4]
local EXPIRY = P .. 'expiry'
local ON_COUNT = P .. 'on'
local LEASE = '${API_LEASE_DEVICE_ID}'
local GRACE_PREFIX = '${graceEntry('').replace('\u0000', '\\0')}'
local changes = {}

local function roomKey(room) return P .. 'room:' .. string.len(room) .. ':' .. room end
local function devKey(room, uid) return roomKey(room) .. ':dev:' .. uid end

local function view(room, uid)
  local nick = redis.call('HGET', roomKey(room) .. ':members', uid)
  if not nick then return nil end
  local mayChat = redis.call('SISMEMBER', roomKey(room) .. ':offline', uid) == 0
  local live = redis.call('ZCOUNT', devKey(room, uid), '(' .. NOW, '+inf') > 0
  local state = 'off'
  if mayChat and live then state = 'on' end
  return { nick = nick, state = state, mayChat = tostring(mayChat) }
end

local function settle(room, uid, cause)
  local v = view(room, uid)
  if not v then return end
  local report = v.state .. ':' .. v.mayChat
  local reported = roomKey(room) .. ':reported'
  local before = redis.call('HGET', reported, uid) or 'off:true'
  if report == before then return end
  if report == 'off:true' then redis.call('HDEL', reported, uid) else redis.call('HSET', reported, uid, report) end
  if v.state == 'on' then redis.call('INCR', ON_COUNT) elseif before == 'on:true' then redis.call('DECR', ON_COUNT) end
  table.insert(changes, { room, uid, v.nick, v.state, v.mayChat, cause })
end

local function reindex(room, uid)
  local key = devKey(room, uid)
  local ref = cjson.encode({ room, uid })
  local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if #first == 0 then
    redis.call('ZREM', roomKey(room) .. ':live', uid)
    redis.call('ZREM', EXPIRY, ref)
    return
  end
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  redis.call('ZADD', roomKey(room) .. ':live', last[2], uid)
  redis.call('ZADD', EXPIRY, first[2], ref)
  redis.call('PEXPIRE', key, BACKSTOP_MS)
end

local function choiceResult(room, uid)
  local v = view(room, uid)
  return { 'ok', changes, { v.nick, v.state, v.mayChat } }
end
`;

/** ARGV 5 roomId, 6 uid, 7 nickName, 8 "opened" when the room is being opened (its roster starts whole). */
const addMember = `
local room, uid = ARGV[5], ARGV[6]
if ARGV[8] == 'opened' then redis.call('SET', roomKey(room), '1') else redis.call('SET', roomKey(room), 'partial', 'NX') end
redis.call('HSET', roomKey(room) .. ':members', uid, ARGV[7])
settle(room, uid, 'membership')
return changes
`;

/** ARGV 5 roomId, 6 uid. */
const removeMember = `
local room, uid = ARGV[5], ARGV[6]
local nick = redis.call('HGET', roomKey(room) .. ':members', uid)
if not nick then return changes end
redis.call('HDEL', roomKey(room) .. ':members', uid)
redis.call('SREM', roomKey(room) .. ':offline', uid)
if redis.call('HGET', roomKey(room) .. ':reported', uid) == 'on:true' then redis.call('DECR', ON_COUNT) end
redis.call('HDEL', roomKey(room) .. ':reported', uid)
table.insert(changes, { room, uid, nick, 'off', 'false', 'membership' })
return changes
`;

/** ARGV 5 roomId. */
const closeRoom = `
local room = ARGV[5]
local R = roomKey(room)
local wasOn = 0
for _, report in ipairs(redis.call('HVALS', R .. ':reported')) do
  if report == 'on:true' then wasOn = wasOn + 1 end
end
if wasOn > 0 then redis.call('DECRBY', ON_COUNT, wasOn) end
for _, uid in ipairs(redis.call('ZRANGE', R .. ':live', 0, -1)) do
  redis.call('DEL', devKey(room, uid))
  redis.call('ZREM', EXPIRY, cjson.encode({ room, uid }))
end
redis.call('DEL', R, R .. ':members', R .. ':offline', R .. ':reported', R .. ':live')
return changes
`;

/** ARGV 5 roomId, 6 uid, 7 deviceId. */
const connectDevice = `
local room, uid = ARGV[5], ARGV[6]
redis.call('ZADD', devKey(room, uid), EXPIRES_AT, ARGV[7])
reindex(room, uid)
settle(room, uid, 'device')
return changes
`;

/** ARGV 5 roomId, 6 uid, 7 deviceId, 8 end of the reconnect grace (ms; empty = none). */
const disconnectDevice = `
local room, uid, device, graceUntil = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local key = devKey(room, uid)
local expiresAt = redis.call('ZSCORE', key, device)
redis.call('ZREM', key, device)
if expiresAt and graceUntil ~= '' then
  if tonumber(expiresAt) < tonumber(graceUntil) then graceUntil = expiresAt end
  redis.call('ZADD', key, graceUntil, GRACE_PREFIX .. device)
end
reindex(room, uid)
settle(room, uid, 'device')
return changes
`;

/** ARGV 5 uid, 6 number of rooms, then the room ids, then the device ids. */
const refreshDevices = `
local uid = ARGV[5]
local roomCount = tonumber(ARGV[6])
for i = 7, 6 + roomCount do
  local room = ARGV[i]
  local key = devKey(room, uid)
  if redis.call('EXISTS', key) == 1 then
    for j = 7 + roomCount, #ARGV do
      redis.call('ZADD', key, 'XX', EXPIRES_AT, ARGV[j])
    end
    reindex(room, uid)
    settle(room, uid, 'device')
  end
end
return changes
`;

/** ARGV 5 limit (members). Returns { members swept, changes }. */
const expireDevices = `
local due = redis.call('ZRANGEBYSCORE', EXPIRY, '-inf', NOW, 'LIMIT', 0, tonumber(ARGV[5]))
for _, ref in ipairs(due) do
  local pair = cjson.decode(ref)
  local room, uid = pair[1], pair[2]
  redis.call('ZREMRANGEBYSCORE', devKey(room, uid), '-inf', NOW)
  reindex(room, uid)
  settle(room, uid, 'expiry')
end
return { #due, changes }
`;

/** ARGV 5 roomId, 6 uid. Returns { 'ok', changes, { nick, state, mayChat } } or { 'unknown-room' } / { 'not-a-member' }. */
const choiceGuard = `
local room, uid = ARGV[5], ARGV[6]
if redis.call('EXISTS', roomKey(room)) == 0 then return { 'unknown-room' } end
if redis.call('HEXISTS', roomKey(room) .. ':members', uid) == 0 then return { 'not-a-member' } end
`;

const turnOn = `${choiceGuard}
redis.call('SREM', roomKey(room) .. ':offline', uid)
redis.call('ZADD', devKey(room, uid), EXPIRES_AT, LEASE)
reindex(room, uid)
settle(room, uid, 'manual')
return choiceResult(room, uid)
`;

const turnOff = `${choiceGuard}
redis.call('SADD', roomKey(room) .. ':offline', uid)
redis.call('ZREM', devKey(room, uid), LEASE)
reindex(room, uid)
settle(room, uid, 'manual')
return choiceResult(room, uid)
`;

export const presenceScripts = {
  addMember: prelude + addMember,
  removeMember: prelude + removeMember,
  closeRoom: prelude + closeRoom,
  connectDevice: prelude + connectDevice,
  disconnectDevice: prelude + disconnectDevice,
  refreshDevices: prelude + refreshDevices,
  expireDevices: prelude + expireDevices,
  turnOn: prelude + turnOn,
  turnOff: prelude + turnOff,
};

export type PresenceScriptName = keyof typeof presenceScripts;

/** Key names the adapter reads directly (pipelined reads); must match the Lua above. */
export const presenceKeys = {
  // Lua's string.len counts bytes.
  room: (prefix: string, roomId: string): string =>
    `${prefix}room:${Buffer.byteLength(roomId, 'utf8')}:${roomId}`,
  members: (prefix: string, roomId: string): string => `${presenceKeys.room(prefix, roomId)}:members`,
  offline: (prefix: string, roomId: string): string => `${presenceKeys.room(prefix, roomId)}:offline`,
  live: (prefix: string, roomId: string): string => `${presenceKeys.room(prefix, roomId)}:live`,
  membersOn: (prefix: string): string => `${prefix}on`,
  held: (prefix: string): string => `${prefix}held`,
  devices: (prefix: string, roomId: string, uid: string): string =>
    `${presenceKeys.room(prefix, roomId)}:dev:${uid}`,
  /** The sweeper's work list: one entry per membership with devices. */
  expiry: (prefix: string): string => `${prefix}expiry`,
};
