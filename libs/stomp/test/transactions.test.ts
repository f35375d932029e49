import { EMPTY_BODY, StompError, type StompFrame } from '@playlist-chat/stomp';
import { describe, expect, it } from 'vitest';
import { Transactions } from '../src/session/transactions';

const send = (body: string): StompFrame => ({
  command: 'SEND',
  headers: { destination: '/app/x' },
  body: Buffer.from(body),
});

/** The code and message of the refusal `act` throws. */
function refusal(act: () => unknown): { code: string; message: string } {
  try {
    act();
  } catch (error) {
    if (error instanceof StompError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('Transactions', () => {
  it('hands back the enlisted frames in order on end, and then the name is free again', () => {
    const transactions = new Transactions({
      maxTransactions: 2,
      maxTransactionFrames: 3,
      maxTransactionBytes: 1 << 20,
    });
    transactions.begin('t');
    const frames = [send('1'), send('2'), send('3')];
    for (const frame of frames) transactions.enlist('t', frame);
    expect(transactions.end('t')).toEqual(frames);
    expect(refusal(() => transactions.enlist('t', send('4')))).toEqual({
      code: 'unknown-transaction',
      message: 'no open transaction t',
    });
    transactions.begin('t');
    expect(transactions.end('t')).toEqual([]);
  });

  it('refuses a name already open and more open transactions than allowed', () => {
    const transactions = new Transactions({
      maxTransactions: 2,
      maxTransactionFrames: 3,
      maxTransactionBytes: 1 << 20,
    });
    transactions.begin('a');
    expect(refusal(() => transactions.begin('a'))).toEqual({
      code: 'duplicate-transaction',
      message: 'transaction a is already open',
    });
    transactions.begin('b');
    expect(refusal(() => transactions.begin('c'))).toEqual({
      code: 'too-many-transactions',
      message: 'more than 2 open transactions',
    });
    transactions.end('a');
    transactions.begin('c');
  });

  it('refuses one frame more than a transaction may hold, keeping those it has', () => {
    const transactions = new Transactions({
      maxTransactions: 2,
      maxTransactionFrames: 2,
      maxTransactionBytes: 1 << 20,
    });
    transactions.begin('t');
    transactions.enlist('t', send('1'));
    transactions.enlist('t', send('2'));
    expect(refusal(() => transactions.enlist('t', send('3')))).toEqual({
      code: 'transaction-too-large',
      message: 'more than 2 frames in transaction t',
    });
    expect(transactions.end('t').map((frame) => frame.body.toString())).toEqual(['1', '2']);
  });

  it('refuses to end a transaction that was never begun', () => {
    const transactions = new Transactions({
      maxTransactions: 2,
      maxTransactionFrames: 2,
      maxTransactionBytes: 1 << 20,
    });
    expect(refusal(() => transactions.end('nope'))).toEqual({
      code: 'unknown-transaction',
      message: 'no open transaction nope',
    });
  });

  it('clear aborts every open transaction', () => {
    const transactions = new Transactions({
      maxTransactions: 2,
      maxTransactionFrames: 2,
      maxTransactionBytes: 1 << 20,
    });
    transactions.begin('a');
    transactions.begin('b');
    transactions.enlist('a', { command: 'ACK', headers: { id: '1' }, body: EMPTY_BODY });
    transactions.clear();
    expect(refusal(() => transactions.end('a')).code).toBe('unknown-transaction');
    expect(refusal(() => transactions.end('b')).code).toBe('unknown-transaction');
    transactions.begin('a');
    transactions.begin('b');
  });
});
