import { afterEach, describe, expect, it } from 'vitest';
import { type RunningOlla, startOlla, waitFor, waitForHealthy } from '../helpers/olla.js';
import { type MockBackend, startMockBackend } from '../mock/backend.js';

/**
 * Issue 7, sticky sessions end to end: three nodes serving one model behind a round-robin
 * balancer, so any turn that is not pinned drifts to another node.
 */

const MODEL = 'llama3.2:3b';
const NODES = ['node-a', 'node-b', 'node-c'];
const CONVERSATIONS = 50;
const TURNS = 3;

type Message = { role: string; content: string };

interface Turn {
  status: number;
  endpoint: string | null;
  sticky: string | null;
  keySource: string | null;
  sessionId: string | null;
}

/**
 * A conversation's opening system prompt, longer than the 512 hashed bytes and distinct from its
 * first characters, so the prefix hash is the same on every turn and differs between conversations.
 */
function systemPrompt(conversation: number): string {
  return `Conversation ${conversation}. ${'You are a patient assistant who answers in full sentences. '.repeat(12)}`;
}

/** The messages of turn `turn` (1-based): the history grows by a reply and a question each turn. */
function messagesFor(conversation: number, turn: number): Message[] {
  const messages: Message[] = [{ role: 'system', content: systemPrompt(conversation) }];
  for (let t = 1; t <= turn; t++) {
    messages.push({ role: 'user', content: `question ${t} of conversation ${conversation}` });
    if (t < turn) messages.push({ role: 'assistant', content: `answer ${t}` });
  }
  return messages;
}

async function sendTurn(olla: RunningOlla, conversation: number, turn: number, sessionId?: string): Promise<Turn> {
  const response = await fetch(`${olla.url}/olla/proxy/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(sessionId ? { 'x-olla-session-id': sessionId } : {}) },
    body: JSON.stringify({ model: MODEL, messages: messagesFor(conversation, turn) }),
  });
  await response.arrayBuffer();
  return {
    status: response.status,
    endpoint: response.headers.get('x-olla-endpoint'),
    sticky: response.headers.get('x-olla-sticky-session'),
    keySource: response.headers.get('x-olla-sticky-key-source'),
    sessionId: response.headers.get('x-olla-session-id'),
  };
}

/** Runs every conversation turn by turn (all conversations' turn 1, then turn 2, …), concurrently per turn. */
async function converse(olla: RunningOlla, sessionIdOf?: (conversation: number) => string): Promise<Turn[][]> {
  const turns: Turn[][] = Array.from({ length: CONVERSATIONS }, () => []);
  for (let turn = 1; turn <= TURNS; turn++) {
    const results = await Promise.all(
      turns.map((_, conversation) => sendTurn(olla, conversation, turn, sessionIdOf?.(conversation))),
    );
    for (const [conversation, result] of results.entries()) turns[conversation]!.push(result);
  }
  return turns;
}

function nodesUsed(conversation: Turn[]): Set<string | null> {
  return new Set(conversation.map((t) => t.endpoint));
}

const STICKY_ON = { proxy: { sticky_sessions: { enabled: true } } };

describe('sticky sessions across three nodes', () => {
  let mocks: MockBackend[] = [];
  let olla: RunningOlla | undefined;

  afterEach(async () => {
    await olla?.close();
    olla = undefined;
    await Promise.all(mocks.map((m) => m.close()));
    mocks = [];
  });

  async function start(overrides: Record<string, unknown>, endpointExtras: Record<string, unknown> = {}) {
    mocks = await Promise.all(NODES.map((name) => startMockBackend({ name, flavour: 'openai', models: [MODEL] })));
    olla = await startOlla(
      mocks.map((m) => ({ name: m.name, url: m.url, type: 'openai-compatible', ...endpointExtras })),
      overrides,
    );
    await waitForHealthy(olla, NODES, { models: [MODEL] });
    return olla;
  }

  it('spreads the turns of a conversation over the nodes when sticky sessions are off (the control)', async () => {
    const running = await start({});
    const conversations = await converse(running, (i) => `control-${i}`);
    expect(conversations.flat().every((t) => t.status === 200 && t.sticky === null)).toBe(true);
    expect(conversations.filter((c) => nodesUsed(c).size > 1).length).toBeGreaterThan(CONVERSATIONS / 2);
  });

  it('keeps every turn of 50 conversations on one node, keyed by X-Olla-Session-ID', async () => {
    const running = await start(STICKY_ON);
    const conversations = await converse(running, (i) => `session-${i}`);

    conversations.forEach((turns, i) => {
      expect(turns.map((t) => t.status)).toEqual([200, 200, 200]);
      expect(nodesUsed(turns).size, `conversation ${i} moved between nodes`).toBe(1);
      expect(turns.map((t) => t.sticky)).toEqual(['miss', 'hit', 'hit']);
      expect(turns.every((t) => t.keySource === 'session_header')).toBe(true);
      expect(turns.every((t) => t.sessionId === `session-${i}`)).toBe(true);
    });
    // Round-robin placed the new sessions, so all three nodes hold some of them.
    expect(new Set(conversations.map((c) => c[0]!.endpoint)).size).toBe(3);
  });

  it('keeps every turn of 50 conversations on one node by prefix hash when no session header is sent', async () => {
    const running = await start(STICKY_ON);
    const conversations = await converse(running);

    conversations.forEach((turns, i) => {
      expect(turns.map((t) => t.status)).toEqual([200, 200, 200]);
      expect(nodesUsed(turns).size, `conversation ${i} moved between nodes`).toBe(1);
      expect(turns.map((t) => t.sticky)).toEqual(['miss', 'hit', 'hit']);
      expect(turns.every((t) => t.keySource === 'prefix_hash')).toBe(true);
      // Only a client-sent session id is echoed.
      expect(turns.every((t) => t.sessionId === null)).toBe(true);
    });
    expect(new Set(conversations.map((c) => c[0]!.endpoint)).size).toBe(3);
  });

  it('re-pins a conversation whose node died before the health checker noticed, and says so', async () => {
    // Health checks far apart: the dead node is found by the next turn's failed connection,
    // and the retry places the conversation on a live node.
    const running = await start(STICKY_ON, { check_interval: '1m', check_timeout: '1s' });
    const first = await sendTurn(running, 0, 1, 'doomed');
    expect(first.sticky).toBe('miss');
    const pinned = mocks.find((m) => m.name === first.endpoint)!;
    await pinned.stop();

    const second = await sendTurn(running, 0, 2, 'doomed');
    expect(second.status).toBe(200);
    expect(second.endpoint).not.toBe(pinned.name);
    expect(second.sticky).toBe('repin');
    expect(second.keySource).toBe('session_header');

    const third = await sendTurn(running, 0, 3, 'doomed');
    expect(third).toMatchObject({ status: 200, endpoint: second.endpoint, sticky: 'hit' });
  });

  it('starts a conversation afresh on a live node once the health checker has purged its dead node', async () => {
    const running = await start(STICKY_ON);
    const first = await sendTurn(running, 0, 1, 'purged');
    const pinned = mocks.find((m) => m.name === first.endpoint)!;
    await pinned.stop();
    await waitFor(() => running.olla.endpoints.get(pinned.name)?.status !== 'healthy', 5000, 'the dead node marked');
    // The purge follows the status change after a short grace (a retry under way may still re-pin).
    await waitFor(
      async () => {
        const stats = (await (await fetch(`${running.url}/internal/stats/sticky`)).json()) as {
          active_sessions: number;
        };
        return stats.active_sessions === 0;
      },
      5000,
      'the dead node purged',
    );

    // The purge dropped the pin, as the original's does, so the lookup is a plain miss.
    const second = await sendTurn(running, 0, 2, 'purged');
    expect(second).toMatchObject({ status: 200, sticky: 'miss' });
    expect(second.endpoint).not.toBe(pinned.name);
    const third = await sendTurn(running, 0, 3, 'purged');
    expect(third).toMatchObject({ status: 200, endpoint: second.endpoint, sticky: 'hit' });
  });

  it('reports sessions, hits and misses on /internal/stats/sticky', async () => {
    const running = await start({
      proxy: { sticky_sessions: { enabled: true, max_sessions: 500, idle_ttl_seconds: 120 } },
    });
    for (let turn = 1; turn <= 2; turn++) {
      for (const id of ['s1', 's2']) expect((await sendTurn(running, 0, turn, id)).status).toBe(200);
    }
    const response = await fetch(`${running.url}/internal/stats/sticky`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(await response.json()).toEqual({
      enabled: true,
      active_sessions: 2,
      insertions: 2,
      hits: 2,
      misses: 2,
      evictions: 0,
      max_sessions: 500,
      idle_ttl_seconds: 120,
    });
  });

  it('answers {"enabled":false} on /internal/stats/sticky and sends no sticky headers when disabled', async () => {
    const running = await start({});
    const turn = await sendTurn(running, 0, 1, 'ignored');
    expect(turn).toMatchObject({ status: 200, sticky: null, keySource: null, sessionId: null });
    const response = await fetch(`${running.url}/internal/stats/sticky`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('{"enabled":false}');
  });
});
