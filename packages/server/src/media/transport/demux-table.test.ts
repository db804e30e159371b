import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { classes, Message, methods } from 'werift';
import { DemuxTable, type MuxEntry, type MuxPeer, type RemoteAddress } from './demux-table.ts';

/** A fake ICE agent: its passwords by ufrag, and what it received. */
class Agent implements MuxPeer {
  readonly passwords = new Map<string, string>();
  readonly got: { data: Buffer; from: RemoteAddress }[] = [];
  password(ufrag: string): string | undefined {
    return this.passwords.get(ufrag);
  }
  receive(data: Buffer, from: RemoteAddress): void {
    this.got.push({ data, from });
  }
}

/** An ICE check for local ufrag `ufrag`, signed with `password`. */
function check(ufrag: string, password: string): Buffer {
  return new Message(methods.BINDING, classes.REQUEST).setAttribute('USERNAME', `${ufrag}:remote`).setAttribute('PRIORITY', 1).addMessageIntegrity(Buffer.from(password)).addFingerprint().bytes;
}

const DTLS = Buffer.from([22, 254, 253, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
const RTP = Buffer.concat([Buffer.from([0x80, 96]), randomBytes(30)]);

function setup(options = {}): { table: DemuxTable; add(ufrag: string, password?: string): { agent: Agent; entry: MuxEntry } } {
  const table = new DemuxTable(options);
  return {
    table,
    add(ufrag, password = `pw-${ufrag}`) {
      const agent = new Agent();
      agent.passwords.set(ufrag, password);
      const entry = table.add(agent);
      table.setUfrag(entry, ufrag);
      return { agent, entry };
    },
  };
}

test('a valid check goes to the agent of its ufrag, and its address then carries DTLS and RTP there', () => {
  const { table, add } = setup();
  const a = add('aaaa');
  const b = add('bbbb');
  assert.equal(table.route(RTP, '10.0.0.1', 5000), undefined, 'nothing known yet');
  const r = table.route(check('bbbb', 'pw-bbbb'), '10.0.0.1', 5000);
  assert.equal(r?.entry, b.entry);
  assert.deepEqual(r?.from, ['10.0.0.1', 5000]);
  assert.equal(table.route(DTLS, '10.0.0.1', 5000)?.entry, b.entry);
  assert.equal(table.route(RTP, '10.0.0.1', 5000)?.entry, b.entry);
  // same ip, other port: another remote
  assert.equal(table.route(RTP, '10.0.0.1', 5001), undefined);
  assert.equal(table.route(check('aaaa', 'pw-aaaa'), '10.0.0.2', 6000)?.entry, a.entry);
  assert.equal(table.route(RTP, '10.0.0.2', 6000)?.entry, a.entry);
  assert.deepEqual(table.size, { peers: 2, ufrags: 2, addresses: 2, transactions: 0 });
  assert.deepEqual(table.dropped, { unknownAddress: 2, unknownUfrag: 0, badIntegrity: 0 });
});

test('a check with an unknown ufrag or a wrong MESSAGE-INTEGRITY is dropped, counted, and teaches nothing', () => {
  const { table, add } = setup();
  const a = add('aaaa');
  table.route(check('aaaa', 'pw-aaaa'), '10.0.0.1', 5000);
  assert.equal(table.route(check('zzzz', 'pw-aaaa'), '10.0.0.9', 9000), undefined);
  assert.equal(table.route(check('aaaa', 'not-the-password'), '10.0.0.9', 9000), undefined);
  // the attacker's address was not learned, and the agent's address was not taken over
  assert.equal(table.route(RTP, '10.0.0.9', 9000), undefined);
  assert.equal(table.route(check('aaaa', 'wrong'), '10.0.0.1', 5000), undefined);
  assert.equal(table.route(RTP, '10.0.0.1', 5000)?.entry, a.entry);
  // a USERNAME without the colon, and no USERNAME
  const noColon = new Message(methods.BINDING, classes.REQUEST).setAttribute('USERNAME', 'aaaa').addMessageIntegrity(Buffer.from('pw-aaaa')).bytes;
  assert.equal(table.route(noColon, '10.0.0.9', 9000), undefined);
  assert.equal(table.route(new Message(methods.BINDING, classes.REQUEST).bytes, '10.0.0.9', 9000), undefined);
  assert.deepEqual(table.dropped, { unknownAddress: 1, unknownUfrag: 3, badIntegrity: 2 });
  assert.equal(table.size.addresses, 1);
});

test('a new remote address (NAT rebinding) is learned from the next valid check; an address moves to the agent that proves it', () => {
  const { table, add } = setup();
  const a = add('aaaa');
  const b = add('bbbb');
  table.route(check('aaaa', 'pw-aaaa'), '10.0.0.1', 5000);
  table.route(check('aaaa', 'pw-aaaa'), '10.0.0.1', 5555);
  assert.equal(table.route(RTP, '10.0.0.1', 5555)?.entry, a.entry);
  assert.equal(table.route(RTP, '10.0.0.1', 5000)?.entry, a.entry);
  // the remote's port now checks for another agent (e.g. a reused port): it is b's
  table.route(check('bbbb', 'pw-bbbb'), '10.0.0.1', 5000);
  assert.equal(table.route(RTP, '10.0.0.1', 5000)?.entry, b.entry);
  assert.deepEqual(table.size, { peers: 2, ufrags: 2, addresses: 2, transactions: 0 });
  table.remove(a.entry);
  assert.equal(table.route(RTP, '10.0.0.1', 5000)?.entry, b.entry, "removing a keeps b's address");
  assert.equal(table.route(RTP, '10.0.0.1', 5555), undefined);
});

test('an agent owns a bounded number of addresses; the least recently confirmed goes first', () => {
  const { table, add } = setup({ maxAddressesPerPeer: 3 });
  const a = add('aaaa');
  for (const port of [1, 2, 3]) table.route(check('aaaa', 'pw-aaaa'), '10.0.0.1', port);
  table.route(check('aaaa', 'pw-aaaa'), '10.0.0.1', 1); // confirmed again: now the most recent
  table.route(check('aaaa', 'pw-aaaa'), '10.0.0.1', 4);
  assert.equal(table.route(RTP, '10.0.0.1', 2), undefined, 'port 2 was the least recently confirmed');
  for (const port of [1, 3, 4]) assert.equal(table.route(RTP, '10.0.0.1', port)?.entry, a.entry);
  assert.equal(table.size.addresses, 3);
});

test('after an ICE restart the new ufrag routes, the previous ones a while longer', () => {
  const { table, add } = setup({ previousUfrags: 1 });
  const a = add('gen0');
  a.agent.passwords.set('gen1', 'pw-gen1');
  a.agent.passwords.set('gen2', 'pw-gen2');
  assert.equal(table.route(check('gen1', 'pw-gen1'), '10.0.0.1', 1), undefined, 'not yet its ufrag');
  table.setUfrag(a.entry, 'gen1');
  assert.deepEqual(a.entry.ufrags, ['gen1', 'gen0']);
  assert.equal(table.route(check('gen1', 'pw-gen1'), '10.0.0.1', 1)?.entry, a.entry);
  assert.equal(table.route(check('gen0', 'pw-gen0'), '10.0.0.1', 2)?.entry, a.entry, 'the remote may still use the old one');
  table.setUfrag(a.entry, 'gen2');
  assert.equal(table.route(check('gen0', 'pw-gen0'), '10.0.0.1', 3), undefined, 'gen0 is two restarts old');
  assert.equal(table.route(check('gen1', 'pw-gen1'), '10.0.0.1', 3)?.entry, a.entry);
  assert.equal(table.size.ufrags, 2);
  assert.equal(table.ufragTaken('gen0'), false);
});

test('a ufrag cannot be taken by a second agent', () => {
  const { table, add } = setup();
  add('aaaa');
  const b = add('bbbb');
  assert.throws(() => table.setUfrag(b.entry, 'aaaa'), /already used/);
  assert.deepEqual(b.entry.ufrags, ['bbbb']);
});

test('a response goes to the agent whose request it answers, from any address, once', () => {
  let now = 0;
  const { table, add } = setup({ now: () => now, transactionTtlMs: 30_000 });
  const a = add('aaaa');
  const b = add('bbbb');
  const request = new Message(methods.BINDING, classes.REQUEST).setAttribute('USERNAME', 'remote:bbbb').addMessageIntegrity(Buffer.from('x'));
  table.noteSent(b.entry, request.bytes);
  table.noteSent(a.entry, DTLS); // not a request: nothing noted
  assert.equal(table.size.transactions, 1);
  const response = new Message(methods.BINDING, classes.RESPONSE, request.transactionId).bytes;
  const r = table.route(response, '10.0.0.7', 7000);
  assert.equal(r?.entry, b.entry);
  assert.deepEqual(r?.from, ['10.0.0.7', 7000]);
  assert.equal(table.route(RTP, '10.0.0.7', 7000), undefined, 'a response teaches no address');
  assert.equal(table.route(response, '10.0.0.7', 7000), undefined, 'answered: a duplicate has nowhere to go');
  // an error response too; and an unanswered request is forgotten after the TTL
  const r2 = new Message(methods.BINDING, classes.REQUEST);
  table.noteSent(a.entry, r2.bytes);
  assert.equal(table.route(new Message(methods.BINDING, classes.ERROR, r2.transactionId).bytes, '10.0.0.8', 1)?.entry, a.entry);
  table.noteSent(a.entry, new Message(methods.BINDING, classes.REQUEST).bytes);
  now = 31_000;
  table.sweep();
  assert.equal(table.size.transactions, 0);
});

test('removing agents after churn leaves every table empty', () => {
  const { table, add } = setup();
  const agents: { agent: Agent; entry: MuxEntry }[] = [];
  for (let i = 0; i < 200; i++) {
    const a = add(`u${i}`);
    a.agent.passwords.set(`v${i}`, 'pw2');
    table.setUfrag(a.entry, `v${i}`);
    table.route(check(`u${i}`, `pw-u${i}`), `10.0.${i >> 8}.${i & 255}`, 4000);
    table.route(check(`v${i}`, 'pw2'), `10.1.${i >> 8}.${i & 255}`, 4000);
    table.noteSent(a.entry, new Message(methods.BINDING, classes.REQUEST).bytes);
    agents.push(a);
  }
  assert.deepEqual(table.size, { peers: 200, ufrags: 400, addresses: 400, transactions: 200 });
  for (const a of agents) table.remove(a.entry);
  table.remove(agents[0]!.entry); // twice is harmless
  assert.deepEqual(table.size, { peers: 0, ufrags: 0, addresses: 0, transactions: 0 });
  assert.equal(table.route(RTP, '10.0.0.1', 4000), undefined);
  assert.throws(() => table.setUfrag(agents[0]!.entry, 'again'), /no longer/);
});

test('garbage is dropped without a throw', () => {
  const { table, add } = setup();
  add('aaaa');
  for (let i = 0; i < 5000; i++) {
    const b = randomBytes(i % 200);
    // half of them STUN-looking: first byte 0–3 and the magic cookie
    if (i % 2 && b.length >= 8) {
      b[0]! &= 3;
      b.writeUInt32BE(0x2112a442, 4);
    }
    assert.equal(table.route(b, '10.0.0.1', 1 + (i % 100)), undefined);
  }
  assert.equal(table.size.addresses, 0);
});
