import { randomUUID } from 'node:crypto';
import { makeEvent, type DeviceEvent, type RoomEvent, type TopicName } from '@playlist-chat/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { expectEventually } from '../src/testing/eventually';
import { deadLetterTopic, type DeliveryInfo, type EventBus } from '../src/event-bus/event-bus.port';
import type { RetryPolicy } from '../src/event-bus/retry-policy';

/** Makes a fresh bus, isolated from every other bus the suite makes (its own log, topics and groups). */
export type EventBusFactory = (retryPolicy: RetryPolicy) => Promise<EventBus>;

export interface EventBusContractOptions {
  /** How long to wait for an effect; engines with slow group joins need more than the default. */
  readonly timeoutMs?: number;
  /** Each test's own time limit (vitest's default is 30 s; Kafka group joins alone can take longer). */
  readonly testTimeoutMs?: number;
  /**
   * A bus whose log cannot be reached yet, and a way to make it reachable: for the cases about
   * outages. Absent for in-process buses, which cannot be cut off (those cases say so and skip).
   */
  readonly outage?: (retryPolicy: RetryPolicy) => Promise<Outage>;
}

export interface Outage {
  readonly bus: EventBus;
  /** Makes the log reachable (starts the server, opens the way to it). */
  up(): Promise<void>;
  /** Undoes what the outage set up. */
  dispose(): Promise<void>;
}

const topic = 'chat.rooms' satisfies TopicName;

const opened = (roomId: string, roomName = 'a playlist'): RoomEvent =>
  makeEvent<RoomEvent>('room.opened', {
    roomId,
    roomName,
    owner: { uid: 'owner', nickName: 'Owner', profileImage: null },
  });

const connected = (roomId: string): DeviceEvent =>
  makeEvent<DeviceEvent>('presence.device-connected', { roomId, uid: 'u', deviceId: `d-${roomId}` });

const roomIdOf = (event: RoomEvent): string => event.payload.roomId;
const roomNameOf = (event: RoomEvent): string => (event.type === 'room.opened' ? event.payload.roomName : '');

/** Yields to timers and I/O once, so that anything that should not have happened yet had its chance. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** One suite that every EventBus adapter runs: the guarantees written on the port, seen from outside. */
export function eventBusContract(
  name: string,
  makeBus: EventBusFactory,
  options: EventBusContractOptions = {},
): void {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const eventually = <T>(check: () => T | Promise<T>) => expectEventually(check, { timeoutMs });

  describe(`EventBus contract: ${name}`, { timeout: options.testTimeoutMs }, () => {
    const buses: EventBus[] = [];
    const open = async (retryPolicy: RetryPolicy = { maxAttempts: 3, baseDelayMs: 5 }): Promise<EventBus> => {
      const bus = await makeBus(retryPolicy);
      buses.push(bus);
      return bus;
    };

    afterEach(async () => {
      await Promise.all(buses.splice(0).map((bus) => bus.close()));
    });

    it('delivers a published event, as published, with its topic, key and first attempt', async () => {
      const bus = await open();
      const received: Array<{ event: RoomEvent; info: DeliveryInfo }> = [];
      await bus.subscribe(topic, 'readers', async (event, info) => {
        received.push({ event, info });
      });
      const roomId = randomUUID();
      const event = opened(roomId, 'Late night jazz');

      await bus.publish(topic, roomId, event);

      await eventually(() => expect(received).toHaveLength(1));
      expect(received[0].event).toEqual(event);
      expect(received[0].info).toMatchObject({ topic, key: roomId, attempt: 1 });
      expect(received[0].info.deadLetter).toBeUndefined();
    });

    it('keeps per-key order while keys are published and handled concurrently, one event of a key at a time', async () => {
      const bus = await open();
      const keys = Array.from({ length: 4 }, () => randomUUID());
      const perKey = 15;
      const seen = new Map<string, number[]>(keys.map((key) => [key, []]));
      const handling = new Set<string>();
      const overlaps: string[] = [];
      await bus.subscribe(topic, 'ordered', async (event, info) => {
        if (handling.has(info.key)) overlaps.push(info.key);
        handling.add(info.key);
        await turn();
        seen.get(info.key)!.push(Number(roomNameOf(event)));
        handling.delete(info.key);
      });

      await Promise.all(
        keys.map(async (key) => {
          for (let index = 0; index < perKey; index++)
            await bus.publish(topic, key, opened(key, String(index)));
        }),
      );

      const expected = Array.from({ length: perKey }, (_, index) => index);
      await eventually(() => {
        for (const key of keys) expect(seen.get(key)).toEqual(expected);
      });
      expect(overlaps).toEqual([]);
    });

    it('gives every group every event, and each event to one member of a group', async () => {
      const bus = await open();
      const first: string[] = [];
      const second: string[] = [];
      const audit: string[] = [];
      await bus.subscribe(topic, 'workers', async (event) => {
        first.push(roomIdOf(event));
      });
      await bus.subscribe(topic, 'workers', async (event) => {
        second.push(roomIdOf(event));
      });
      await bus.subscribe(topic, 'audit', async (event) => {
        audit.push(roomIdOf(event));
      });
      const roomIds = Array.from({ length: 12 }, () => randomUUID());

      for (const roomId of roomIds) await bus.publish(topic, roomId, opened(roomId));

      await eventually(() => expect([...audit].sort()).toEqual([...roomIds].sort()));
      await eventually(() => expect([...first, ...second].sort()).toEqual([...roomIds].sort()));
    });

    it('retries a failing handler with its attempt number until it succeeds', async () => {
      const bus = await open({ maxAttempts: 4, baseDelayMs: 5 });
      const attempts: number[] = [];
      const handled: string[] = [];
      await bus.subscribe(topic, 'flaky', async (event, info) => {
        attempts.push(info.attempt);
        if (info.attempt < 3) throw new Error(`transient failure ${info.attempt}`);
        handled.push(roomIdOf(event));
      });
      const roomId = randomUUID();

      await bus.publish(topic, roomId, opened(roomId));

      await eventually(() => expect(handled).toEqual([roomId]));
      expect(attempts).toEqual([1, 2, 3]);
    });

    it('parks an event in the dead-letter topic after the last attempt, moves its key on, and replays it once', async () => {
      const bus = await open({ maxAttempts: 3, baseDelayMs: 5 });
      const roomId = randomUUID();
      const poison = opened(roomId, 'poison');
      const next = opened(roomId, 'next');
      let healthy = false;
      const handled: Array<{ roomName: string; attempt: number }> = [];
      const attemptsOnPoison: number[] = [];
      await bus.subscribe(topic, 'strict', async (event, info) => {
        const roomName = roomNameOf(event);
        if (roomName === 'poison' && !healthy) {
          attemptsOnPoison.push(info.attempt);
          throw new Error('cannot handle poison');
        }
        handled.push({ roomName, attempt: info.attempt });
      });
      const relaxed: string[] = [];
      await bus.subscribe(topic, 'relaxed', async (event) => {
        relaxed.push(roomNameOf(event));
      });
      const parked: Array<{ event: RoomEvent; info: DeliveryInfo }> = [];
      // Dead-letter topics are not in the typed topic map: operators' tools subscribe to them by name.
      await bus.subscribe(deadLetterTopic(topic) as TopicName, 'operators', async (event, info) => {
        parked.push({ event: event as RoomEvent, info });
      });

      await bus.publish(topic, roomId, poison);
      await bus.publish(topic, roomId, next);

      await eventually(() => expect(parked).toHaveLength(1));
      expect(parked[0].event).toEqual(poison);
      expect(parked[0].info).toMatchObject({ topic: deadLetterTopic(topic), key: roomId });
      expect(parked[0].info.deadLetter).toMatchObject({
        originalTopic: topic,
        group: 'strict',
        error: 'cannot handle poison',
        attempts: 3,
      });
      expect(Number.isNaN(Date.parse(parked[0].info.deadLetter!.failedAt))).toBe(false);
      expect(attemptsOnPoison).toEqual([1, 2, 3]);
      await eventually(() => expect(handled).toEqual([{ roomName: 'next', attempt: 1 }]));

      healthy = true;
      expect(await bus.replayDeadLetters(topic)).toBe(1);

      await eventually(() =>
        expect(handled).toEqual([
          { roomName: 'next', attempt: 1 },
          { roomName: 'poison', attempt: 1 },
        ]),
      );
      expect(await bus.replayDeadLetters(topic)).toBe(0);
      // The replay went to the group that had failed it only: the others had handled it already.
      expect(relaxed).toEqual(['poison', 'next']);
    });

    it('keeps one group name on two topics apart: each topic delivers all its events to it', async () => {
      const bus = await open();
      const rooms: string[] = [];
      const devices: string[] = [];
      await bus.subscribe(topic, 'presence-server', async (event) => {
        rooms.push(roomIdOf(event));
      });
      await bus.subscribe('chat.devices', 'presence-server', async (event) => {
        if (event.type === 'presence.device-connected') devices.push(event.payload.deviceId);
      });
      const roomIds = Array.from({ length: 6 }, () => randomUUID());
      for (const roomId of roomIds) {
        await bus.publish(topic, roomId, opened(roomId));
        await bus.publish('chat.devices', roomId, connected(roomId));
      }

      await eventually(() => expect([...rooms].sort()).toEqual([...roomIds].sort()));
      await eventually(() => expect([...devices].sort()).toEqual(roomIds.map((id) => `d-${id}`).sort()));
    });

    it('starts a new group at the end of the log: it sees only what is published after it subscribed', async () => {
      const bus = await open();
      const before = randomUUID();
      const warm: string[] = [];
      await bus.subscribe(topic, 'early', async (event) => {
        warm.push(roomIdOf(event));
      });
      await bus.publish(topic, before, opened(before));
      await eventually(() => expect(warm).toEqual([before]));

      const late: string[] = [];
      await bus.subscribe(topic, 'late-joiner', async (event) => {
        late.push(roomIdOf(event));
      });
      const after = randomUUID();
      await bus.publish(topic, after, opened(after));

      await eventually(() => expect(late).toEqual([after]));
      await eventually(() => expect(warm).toEqual([before, after]));
    });

    it('resumes a shared group where it stopped, but starts a per-instance group at the end again after a restart', async () => {
      const bus = await open();
      const seen = { shared: [] as string[], instance: [] as string[] };
      const subscribeBoth = async () => [
        await bus.subscribe(topic, 'service', async (event) => void seen.shared.push(roomIdOf(event))),
        await bus.subscribe(
          topic,
          'service:instance-1',
          async (event) => void seen.instance.push(roomIdOf(event)),
          {
            perInstance: true,
          },
        ),
      ];
      const first = randomUUID();
      const whileDown = randomUUID();
      const afterRestart = randomUUID();
      let subscriptions = await subscribeBoth();
      await bus.publish(topic, first, opened(first));
      await eventually(() => expect(seen.instance).toEqual([first]));
      await eventually(() => expect(seen.shared).toEqual([first]));
      for (const subscription of subscriptions) await subscription.close();

      await bus.publish(topic, whileDown, opened(whileDown)); // nobody is reading either group now
      subscriptions = await subscribeBoth();
      await bus.publish(topic, afterRestart, opened(afterRestart));
      await eventually(() => expect(seen.shared).toEqual([first, whileDown, afterRestart]));
      await eventually(() => expect(seen.instance).toEqual([first, afterRestart]));
      for (const subscription of subscriptions) await subscription.close();
    });

    it('lets in-flight handling finish when a subscription closes, then delivers nothing more to it', async () => {
      const bus = await open();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let started = false;
      let finished = false;
      const afterClose: string[] = [];
      const closed = await bus.subscribe(topic, 'closing', async (event) => {
        if (started) {
          afterClose.push(roomIdOf(event));
          return;
        }
        started = true;
        await gate;
        finished = true;
      });
      const witness: string[] = [];
      await bus.subscribe(topic, 'witness', async (event) => {
        witness.push(roomIdOf(event));
      });
      const firstRoom = randomUUID();
      await bus.publish(topic, firstRoom, opened(firstRoom));
      await eventually(() => started);

      let finishedWhenClosed: boolean | undefined;
      const closing = closed.close().then(() => (finishedWhenClosed = finished));
      await turn();
      release();
      await closing;
      expect(finishedWhenClosed).toBe(true);

      const laterRoom = randomUUID();
      await bus.publish(topic, laterRoom, opened(laterRoom));
      await eventually(() => expect(witness).toEqual([firstRoom, laterRoom]));
      expect(afterClose).toEqual([]);
    });

    describe('when the log is unreachable', () => {
      if (!options.outage) {
        it.skip(`(not applicable: ${name} runs in process and cannot be cut off from its log)`, () =>
          undefined);
        return;
      }
      const outage = options.outage;

      it('rejects a publish within a bound instead of hanging, then works once the log is reachable (no cached failed connection)', async () => {
        const down = await outage({ maxAttempts: 3, baseDelayMs: 5 });
        buses.push(down.bus);
        try {
          const roomId = randomUUID();
          const started = Date.now();
          await expect(down.bus.publish(topic, roomId, opened(roomId))).rejects.toThrow();
          expect(Date.now() - started).toBeLessThan(timeoutMs * 4);

          await down.up();
          const seen: string[] = [];
          await eventually(async () => {
            await down.bus.subscribe(topic, `after-outage-${randomUUID()}`, async (event) => {
              seen.push(roomIdOf(event));
            });
          });
          const later = randomUUID();
          await eventually(() => down.bus.publish(topic, later, opened(later)));
          await eventually(() => expect(seen).toContain(later));
        } finally {
          await down.dispose();
        }
      });
    });

    it('refuses to publish once closed', async () => {
      const bus = await open();
      const roomId = randomUUID();
      await bus.close();

      await expect(bus.publish(topic, roomId, opened(roomId))).rejects.toThrow();
    });
  });
}
