import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { expectEventually } from '../src/testing/eventually';
import { roomChannel, type RoomFanout } from '../src/room-fanout/room-fanout.port';

/** Instances on one shared medium, as the chat-server processes of one deployment would hold them. */
export interface FanoutCluster {
  /** A new instance joined to the cluster. */
  instance(): RoomFanout;
}

/** Makes a cluster isolated from the other tests' (its own hub, or unique channel names on a shared server). */
export type FanoutClusterFactory = () => Promise<FanoutCluster>;

/** An instance and everything its handler received, as `channel|payload`. */
interface Probe {
  readonly fanout: RoomFanout;
  readonly received: string[];
}

/** One suite that every RoomFanout adapter runs. */
export function roomFanoutContract(name: string, makeCluster: FanoutClusterFactory): void {
  describe(`RoomFanout contract: ${name}`, () => {
    const opened: RoomFanout[] = [];
    const probes = async (count: number): Promise<Probe[]> => {
      const cluster = await makeCluster();
      return Array.from({ length: count }, () => {
        const fanout = cluster.instance();
        opened.push(fanout);
        const received: string[] = [];
        fanout.onMessage((channel, payload) => received.push(`${channel}|${payload}`));
        return { fanout, received };
      });
    };
    const channel = () => roomChannel(randomUUID());

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((fanout) => fanout.close()));
    });

    it('delivers to every subscribed instance, the publisher included, and to no other', async () => {
      const [alice, bob, carol] = await probes(3);
      const room = channel();
      const sentinel = channel();
      await alice.fanout.subscribe(room);
      await bob.fanout.subscribe(room);
      await carol.fanout.subscribe(sentinel);

      await alice.fanout.publish(room, 'hello');
      await alice.fanout.publish(sentinel, 'after hello');

      await expectEventually(() => expect(carol.received).toEqual([`${sentinel}|after hello`]));
      await expectEventually(() => expect(alice.received).toEqual([`${room}|hello`]));
      await expectEventually(() => expect(bob.received).toEqual([`${room}|hello`]));
    });

    it('keeps one publisher’s order on a channel', async () => {
      const [publisher, listener] = await probes(2);
      const room = channel();
      await listener.fanout.subscribe(room);
      await publisher.fanout.subscribe(room);
      const payloads = Array.from({ length: 200 }, (_, index) => `message ${index}`);

      await Promise.all(payloads.map((payload) => publisher.fanout.publish(room, payload)));

      const expected = payloads.map((payload) => `${room}|${payload}`);
      await expectEventually(() => expect(listener.received).toEqual(expected));
      await expectEventually(() => expect(publisher.received).toEqual(expected));
    });

    it('counts subscriptions: a channel stops only when every subscribe was undone', async () => {
      const [publisher, listener] = await probes(2);
      const room = channel();
      const sentinel = channel();
      await listener.fanout.subscribe(room);
      await listener.fanout.subscribe(room);
      await listener.fanout.subscribe(sentinel);

      await listener.fanout.unsubscribe(room);
      await publisher.fanout.publish(room, 'still here');
      await expectEventually(() => expect(listener.received).toEqual([`${room}|still here`]));

      await listener.fanout.unsubscribe(room);
      await publisher.fanout.publish(room, 'gone');
      await publisher.fanout.publish(sentinel, 'after gone');
      await expectEventually(() =>
        expect(listener.received).toEqual([`${room}|still here`, `${sentinel}|after gone`]),
      );
    });

    it('receives again after unsubscribing and subscribing back', async () => {
      const [publisher, listener] = await probes(2);
      const room = channel();
      await listener.fanout.subscribe(room);
      await listener.fanout.unsubscribe(room);
      await listener.fanout.subscribe(room);

      await publisher.fanout.publish(room, 'back');

      await expectEventually(() => expect(listener.received).toEqual([`${room}|back`]));
    });

    it('keeps delivering after a handler throws', async () => {
      const [publisher, listener] = await probes(2);
      const room = channel();
      const received: string[] = [];
      listener.fanout.onMessage((_channel, payload) => {
        received.push(payload);
        if (payload === 'first') throw new Error('handler bug');
      });
      await listener.fanout.subscribe(room);

      await publisher.fanout.publish(room, 'first');
      await publisher.fanout.publish(room, 'second');

      await expectEventually(() => expect(received).toEqual(['first', 'second']));
    });

    it('stops delivering to a closed instance while the others go on', async () => {
      const [publisher, leaving] = await probes(2);
      const room = channel();
      await publisher.fanout.subscribe(room);
      await leaving.fanout.subscribe(room);
      await leaving.fanout.close();

      await publisher.fanout.publish(room, 'after close');

      await expectEventually(() => expect(publisher.received).toEqual([`${room}|after close`]));
      expect(leaving.received).toEqual([]);
    });
  });
}
