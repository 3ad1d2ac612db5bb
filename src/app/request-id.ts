import { randomInt } from 'node:crypto';

// The original names requests after llamas at work; clients and log readers know the shape.
const HERDS = ['huacaya', 'suri', 'vicuna', 'alpaca', 'guanaco', 'woolly', 'silky', 'fluffy', 'curly', 'shaggy'];
const ACTIONS = ['grazing', 'trekking', 'humming', 'prancing', 'wandering', 'galloping', 'ambling', 'resting'];

let counter = randomInt(0, 0xffff);

export function generateRequestId(): string {
  counter = (counter + 1) & 0xffff;
  const herd = HERDS[counter % HERDS.length];
  const action = ACTIONS[(counter >> 3) % ACTIONS.length];
  return `${herd}-${action}-${counter.toString(16).padStart(4, '0')}`;
}

const MAX_INCOMING_ID = 128;

/**
 * A client's X-Request-ID is kept when it is short printable ASCII without spaces; anything else
 * (control characters, CR/LF) could inject log lines, so a fresh ID replaces it.
 */
export function requestIdFrom(incoming: string | string[] | undefined): string {
  if (typeof incoming === 'string' && incoming.length > 0 && incoming.length <= MAX_INCOMING_ID) {
    let ok = true;
    for (let i = 0; i < incoming.length; i++) {
      const c = incoming.charCodeAt(i);
      if (c < 0x21 || c > 0x7e) {
        ok = false;
        break;
      }
    }
    if (ok) return incoming;
  }
  return generateRequestId();
}
